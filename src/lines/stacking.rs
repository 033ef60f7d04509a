//! Where newly bought periods go: starting now when the line has nothing running,
//! else queued end to end after the last period it has; and, before anything is
//! bought, the projection of where they would go ([`project`]), which the review
//! shows and the renewal then does.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::catalog::Period;

use super::rules::{PeriodData, ends_early_on_renewal};

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

/// Which of the line's periods not yet ended (`ahead`, running and queued) a
/// renewal at `now` ends at once: a running one with no data left and nothing
/// queued after it (see [`ends_early_on_renewal`]).
pub fn ending_on_renewal(ahead: &[PeriodData], now: DateTime<Utc>) -> Vec<usize> {
    let queued_after = ahead.iter().any(|period| period.starts_at > now);
    (0..ahead.len())
        .filter(|&i| ends_early_on_renewal(&ahead[i], now, queued_after))
        .collect()
}

/// What buying `count` periods of `period` at `now` would do to a line whose
/// periods not yet ended are `ahead` (empty for a new line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    /// The periods bought, `[start, end)` each, in order.
    pub periods: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// A running period with its data used up that the renewal ends at `now`: when
    /// it would have ended.
    pub cuts_short: Option<DateTime<Utc>>,
    /// The end of the line's last period once bought: its one "valid until".
    pub valid_until: DateTime<Utc>,
    /// A new eSIM whose validity starts at install: the latest start, from which the
    /// dates above are counted (they come earlier if it is installed sooner).
    pub starts_at_install: Option<DateTime<Utc>>,
}

/// The projection of a purchase, by the same rules the renewal applies.
pub fn project(
    ahead: &[PeriodData],
    now: DateTime<Utc>,
    period: Period,
    count: u32,
    zone: Tz,
) -> Projection {
    let ending = ending_on_renewal(ahead, now);
    let cuts_short = ending.iter().map(|&i| ahead[i].ends_at).max();
    let last_end = ahead
        .iter()
        .enumerate()
        .map(|(i, p)| if ending.contains(&i) { now } else { p.ends_at })
        .max();
    let periods = stack(last_end, now, period, count, zone);
    let valid_until = periods
        .last()
        .map(|(_, end)| *end)
        .into_iter()
        .chain(last_end)
        .max()
        .unwrap_or(now);
    Projection {
        periods,
        cuts_short,
        valid_until,
        starts_at_install: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::PeriodUnit;
    use crate::volume::DataVolume;
    use chrono::Duration;
    use proptest::prelude::*;

    fn running(from: i64, to: i64, allowance: u64, used: u64) -> PeriodData {
        PeriodData {
            starts_at: at(from),
            ends_at: at(to),
            allowance: Some(DataVolume::bytes(allowance)),
            fair_use_cap: None,
            used: DataVolume::bytes(used),
        }
    }

    #[test]
    fn a_projection_queues_behind_a_period_with_data_left() {
        let thirty = Period::new(PeriodUnit::Day, 30).unwrap();
        let hk = chrono_tz::Asia::Hong_Kong;
        let ahead = [running(-10, 20, 100, 30)];
        let projection = project(&ahead, at(0), thirty, 2, hk);
        assert_eq!(projection.periods, vec![(at(20), at(50)), (at(50), at(80))]);
        assert_eq!(projection.cuts_short, None);
        assert_eq!(projection.valid_until, at(80));
    }

    #[test]
    fn a_projection_starts_now_when_the_data_ran_out_and_says_what_it_cuts_short() {
        let thirty = Period::new(PeriodUnit::Day, 30).unwrap();
        let hk = chrono_tz::Asia::Hong_Kong;
        let ahead = [running(-10, 20, 100, 100)];
        let projection = project(&ahead, at(0), thirty, 1, hk);
        assert_eq!(projection.periods, vec![(at(0), at(30))]);
        assert_eq!(projection.cuts_short, Some(at(20)));
        assert_eq!(projection.valid_until, at(30));
        // With a period queued behind it, the used-up one runs its course.
        let queued = [running(-10, 20, 100, 100), running(20, 50, 100, 0)];
        let projection = project(&queued, at(0), thirty, 1, hk);
        assert_eq!(projection.cuts_short, None);
        assert_eq!(projection.periods, vec![(at(50), at(80))]);
        // A new line (nothing ahead) starts now.
        let projection = project(&[], at(0), thirty, 3, hk);
        assert_eq!(projection.periods.first(), Some(&(at(0), at(30))));
        assert_eq!(projection.valid_until, at(90));
    }

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

        #[test]
        fn a_projection_ends_at_its_last_period_and_never_overlaps_what_stays(
            spans in proptest::collection::vec((-40i64..40, 1i64..60, 0u64..=120), 0..4),
            count in 1u32..13,
        ) {
            // Consecutive periods from the first start, as a line holds them.
            let mut ahead = Vec::new();
            let mut start = spans.first().map_or(0, |s| s.0);
            for (_, length, used) in &spans {
                let end = start + length;
                if end > 0 {
                    ahead.push(running(start, end, 100, *used));
                }
                start = end;
            }
            let now = at(0);
            let thirty = Period::new(PeriodUnit::Day, 30).unwrap();
            let projection = project(&ahead, now, thirty, count, chrono_tz::Asia::Hong_Kong);
            prop_assert_eq!(projection.periods.len(), count as usize);
            prop_assert_eq!(projection.valid_until, projection.periods.last().unwrap().1);
            let ending = ending_on_renewal(&ahead, now);
            for (i, kept) in ahead.iter().enumerate() {
                let end = if ending.contains(&i) { now } else { kept.ends_at };
                prop_assert!(end <= projection.periods[0].0, "a new period overlaps one kept");
            }
            prop_assert_eq!(projection.cuts_short.is_some(), !ending.is_empty());
        }
    }
}
