//! Where newly bought periods go: starting now when the line has nothing running,
//! else queued end to end after the last period it has.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::catalog::Period;

/// `count` consecutive half-open intervals `[start, end)` for `period`.
pub fn stack(
    last_end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    period: Period,
    count: u32,
    zone: Tz,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut start = last_end.filter(|end| *end > now).unwrap_or(now);
    let mut out = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let end = period.end_from(start, zone);
        out.push((start, end));
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::PeriodUnit;
    use chrono::Duration;
    use proptest::prelude::*;

    fn at(days: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::days(days)
    }

    #[test]
    fn starts_now_without_a_running_period_and_queues_behind_one() {
        let thirty = Period::new(PeriodUnit::Day, 30).unwrap();
        let hk = chrono_tz::Asia::Hong_Kong;
        assert_eq!(stack(None, at(0), thirty, 1, hk), vec![(at(0), at(30))]);
        // An expired period does not hold the new one back.
        assert_eq!(
            stack(Some(at(-1)), at(0), thirty, 1, hk),
            vec![(at(0), at(30))]
        );
        assert_eq!(
            stack(Some(at(12)), at(0), thirty, 2, hk),
            vec![(at(12), at(42)), (at(42), at(72))]
        );
    }

    proptest! {
        #[test]
        fn stacked_periods_are_consecutive_and_never_overlap(
            last in proptest::option::of(-100i64..400),
            unit in prop_oneof![Just(PeriodUnit::Day), Just(PeriodUnit::Week), Just(PeriodUnit::Month), Just(PeriodUnit::Year)],
            length in 1u32..3,
            count in 1u32..13,
        ) {
            let period = Period::new(unit, length).unwrap();
            let now = at(0);
            let periods = stack(last.map(at), now, period, count, chrono_tz::Asia::Hong_Kong);
            prop_assert_eq!(periods.len(), count as usize);
            let expected_start = last.map(at).filter(|end| *end > now).unwrap_or(now);
            prop_assert_eq!(periods[0].0, expected_start);
            for pair in periods.windows(2) {
                prop_assert_eq!(pair[0].1, pair[1].0);
            }
            for (start, end) in &periods {
                prop_assert!(start < end);
                prop_assert!(*start >= now);
            }
        }
    }
}
