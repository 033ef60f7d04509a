//! The rules about usage, pure: a day far above the line's own history (robust
//! statistics: the median and the median absolute deviation of its daily totals),
//! use that started after the line's period had ended, and use while the line was
//! suspended.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

/// Days of history a line needs before a day of it can stand out.
pub const MIN_HISTORY_DAYS: usize = 7;
/// How many days back the history reaches.
pub const HISTORY_DAYS: i64 = 30;
/// However steady a line's use, a day must pass its median by at least this many
/// spreads of this size (50 MB)…
pub const MIN_SPREAD_BYTES: u64 = 50_000_000;
/// …and the spread is never taken as less than a quarter of the median.
const SPREAD_OF_MEDIAN: u64 = 4;
/// The network applies a suspension or the end of a period a little late: use that
/// starts within this of it is not counted.
pub const NETWORK_LAG: Duration = Duration::minutes(10);

/// What the spike rule compares a day with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Spike {
    pub day_bytes: u64,
    pub median_bytes: u64,
    /// The median absolute deviation scaled to a standard deviation (× 1.4826).
    pub spread_bytes: u64,
    /// What the day had to pass.
    pub threshold_bytes: u64,
    pub history_days: usize,
}

fn median(sorted: &[u64]) -> u64 {
    let n = sorted.len();
    if n == 0 {
        return 0;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        sorted[n / 2 - 1] / 2 + sorted[n / 2] / 2 + (sorted[n / 2 - 1] % 2 + sorted[n / 2] % 2) / 2
    }
}

/// Whether a day's use (`day`) is far above the `history` of daily totals before it:
/// at least [`MIN_HISTORY_DAYS`] of history, at least `floor` bytes, and more than
/// the median plus `spreads` robust spreads.
pub fn spike(history: &[u64], day: u64, spreads: u32, floor: u64) -> Option<Spike> {
    if history.len() < MIN_HISTORY_DAYS || day < floor {
        return None;
    }
    let mut sorted = history.to_vec();
    sorted.sort_unstable();
    let median_bytes = median(&sorted);
    let mut deviations: Vec<u64> = sorted.iter().map(|v| v.abs_diff(median_bytes)).collect();
    deviations.sort_unstable();
    let mad = median(&deviations);
    let spread_bytes = (u128::from(mad) * 14_826 / 10_000)
        .try_into()
        .unwrap_or(u64::MAX)
        .max(median_bytes / SPREAD_OF_MEDIAN)
        .max(MIN_SPREAD_BYTES);
    let threshold_bytes =
        median_bytes.saturating_add(spread_bytes.saturating_mul(u64::from(spreads)));
    (day > threshold_bytes).then_some(Spike {
        day_bytes: day,
        median_bytes,
        spread_bytes,
        threshold_bytes,
        history_days: history.len(),
    })
}

/// Daily totals in the operator's time zone from hourly totals.
pub fn daily(hours: &[(DateTime<Utc>, u64)], zone: chrono_tz::Tz) -> BTreeMap<NaiveDate, u64> {
    let mut out = BTreeMap::new();
    for (hour, bytes) in hours {
        *out.entry(hour.with_timezone(&zone).date_naive())
            .or_default() += bytes;
    }
    out
}

/// The history before `day`: each day from the line's first day of use within the
/// last [`HISTORY_DAYS`] up to the day before, a day without use counting as zero.
pub fn history_before(days: &BTreeMap<NaiveDate, u64>, day: NaiveDate) -> Vec<u64> {
    let from = day - chrono::Days::new(HISTORY_DAYS.unsigned_abs());
    let Some(first) = days.range(from..day).next().map(|(d, _)| *d) else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| *d < day)
        .map(|d| days.get(&d).copied().unwrap_or(0))
        .collect()
}

/// A period of a line: its id and when it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub id: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// The period a use that found none came after: the latest one that had ended
/// ([`NETWORK_LAG`] before) when the use started, provided no period ran then.
/// `None` for a line that has had no period yet (waiting for its install).
pub fn ended_before(periods: &[Span], started_at: DateTime<Utc>) -> Option<&Span> {
    if periods
        .iter()
        .any(|p| p.starts_at <= started_at && started_at < p.ends_at)
    {
        return None;
    }
    periods
        .iter()
        .filter(|p| p.ends_at <= started_at)
        .max_by_key(|p| (p.ends_at, p.id.clone()))
        .filter(|p| p.ends_at + NETWORK_LAG <= started_at)
}

/// What the line was told, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub id: String,
    /// `suspend`, `resume` or `throttle`.
    pub action: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Why a line stops because its time ran out: use after that is use after the end,
/// reported by [`ended_before`], not here.
const LAPSED: &str = "no_period_left";

/// The suspension a use started in, if any: the latest `suspend` before it
/// ([`NETWORK_LAG`] earlier), not followed by another order to the network before it.
pub fn suspended_at(changes: &[StatusChange], started_at: DateTime<Utc>) -> Option<&StatusChange> {
    let latest = changes
        .iter()
        .filter(|c| c.at <= started_at)
        .max_by_key(|c| (c.at, c.id.clone()))?;
    (latest.action == "suspend" && latest.reason != LAPSED && latest.at + NETWORK_LAG <= started_at)
        .then_some(latest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MB: u64 = 1_000_000;
    const FLOOR: u64 = 2_000 * MB;

    #[test]
    fn a_normal_month_is_quiet_and_a_spike_is_not() {
        let history: Vec<u64> = (0..30).map(|d| (400 + (d * 37) % 300) * MB).collect();
        assert_eq!(spike(&history, 900 * MB, 6, FLOOR), None);
        assert_eq!(
            spike(&history, 1_900 * MB, 6, FLOOR),
            None,
            "under the floor"
        );
        let found = spike(&history, 12_000 * MB, 6, FLOOR).expect("a spike");
        assert!(found.threshold_bytes < 12_000 * MB);
        assert_eq!(found.history_days, 30);
    }

    #[test]
    fn a_quiet_line_s_first_real_day_does_not_fire() {
        // A phone that only synced in the background, then a day abroad.
        let quiet = vec![5 * MB; 30];
        assert_eq!(spike(&quiet, 1_500 * MB, 6, FLOOR), None);
        // Too little history: nothing to compare with.
        assert_eq!(spike(&[300 * MB; 6], 50_000 * MB, 6, FLOOR), None);
    }

    #[test]
    fn history_counts_quiet_days_from_the_first_use() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let days: BTreeMap<NaiveDate, u64> = [(day(20), 5), (day(22), 7), (day(25), 100)]
            .into_iter()
            .collect();
        assert_eq!(history_before(&days, day(25)), vec![5, 0, 7, 0, 0]);
        assert!(history_before(&days, day(20)).is_empty());
    }

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    #[test]
    fn use_after_the_end_names_the_period_that_ended() {
        let periods = vec![
            Span {
                id: "p1".into(),
                starts_at: at(0),
                ends_at: at(100),
            },
            Span {
                id: "p2".into(),
                starts_at: at(100),
                ends_at: at(200),
            },
        ];
        assert_eq!(ended_before(&periods, at(150)), None, "within a period");
        assert_eq!(ended_before(&periods, at(205)), None, "the network's lag");
        assert_eq!(
            ended_before(&periods, at(260)).map(|p| p.id.as_str()),
            Some("p2")
        );
        assert_eq!(ended_before(&[], at(260)), None, "never had a period");
    }

    #[test]
    fn use_while_suspended_names_the_suspension() {
        let change = |id: &str, action: &str, reason: &str, m: i64| StatusChange {
            id: id.into(),
            action: action.into(),
            reason: reason.into(),
            at: at(m),
        };
        let changes = vec![
            change("e1", "suspend", "quota_exhausted", 0),
            change("e2", "resume", "period_started", 100),
            change("e3", "suspend", "no_period_left", 200),
        ];
        assert_eq!(
            suspended_at(&changes, at(50)).map(|c| c.id.as_str()),
            Some("e1")
        );
        assert_eq!(suspended_at(&changes, at(5)), None, "the network's lag");
        assert_eq!(suspended_at(&changes, at(150)), None, "resumed");
        assert_eq!(
            suspended_at(&changes, at(300)),
            None,
            "lapsed: use after the end"
        );
    }

    proptest! {
        /// Robust: a day only counts above the floor, with enough history, and once
        /// it counts so does any bigger day; the history's order does not matter.
        #[test]
        fn the_spike_rule_is_robust(
            history in proptest::collection::vec(0u64..5_000 * MB, 0..40),
            day in 0u64..60_000 * MB,
            more in 0u64..10_000 * MB,
            spreads in 1u32..12,
        ) {
            let found = spike(&history, day, spreads, FLOOR);
            if day < FLOOR || history.len() < MIN_HISTORY_DAYS {
                prop_assert!(found.is_none());
            }
            if found.is_some() {
                prop_assert!(spike(&history, day + more, spreads, FLOOR).is_some());
            }
            let mut reversed = history.clone();
            reversed.reverse();
            prop_assert_eq!(spike(&reversed, day, spreads, FLOOR), found);
            // With two spreads or more, a day up to one and a half times the
            // median never counts.
            let mut sorted = history.clone();
            sorted.sort_unstable();
            if spreads >= 2 && !sorted.is_empty() && day <= median(&sorted) / 2 * 3 {
                prop_assert!(found.is_none(), "{:?}", found);
            }
        }

        /// One outlier in the history moves the threshold little (the median and the
        /// MAD ignore it), unlike a mean would.
        #[test]
        fn one_outlier_barely_moves_the_threshold(
            base in 100u64..1_000,
            outlier in 10_000u64..100_000,
        ) {
            let steady: Vec<u64> = (0..30).map(|d| (base + d % 7 * 10) * MB).collect();
            let mut with_outlier = steady.clone();
            with_outlier[3] = outlier * MB;
            let probe = 100_000 * MB;
            let a = spike(&steady, probe, 6, FLOOR).map(|s| s.threshold_bytes);
            let b = spike(&with_outlier, probe, 6, FLOOR).map(|s| s.threshold_bytes);
            let (a, b) = (a.unwrap_or(0), b.unwrap_or(0));
            prop_assert!(a > 0 && b.abs_diff(a) <= a / 2, "{a} vs {b}");
        }
    }
}
