//! The rules of a line, as pure functions: when a running period ends early, when a
//! line has data it can use, and when its status may change. The SQL in this module
//! applies their results (with guarded updates), it does not restate them.

use chrono::{DateTime, Utc};

use crate::network::Action;
use crate::volume::DataVolume;

use super::LineStatus;

/// What the rules need to know of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodData {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `None` for unlimited plans.
    pub allowance: Option<DataVolume>,
    pub fair_use_cap: Option<DataVolume>,
    pub used: DataVolume,
}

impl PeriodData {
    /// Started and not yet ended at `now`.
    pub fn is_running(&self, now: DateTime<Utc>) -> bool {
        self.starts_at <= now && now < self.ends_at
    }

    /// A capped period whose data has all been used.
    pub fn is_exhausted(&self) -> bool {
        self.allowance
            .is_some_and(|allowance| self.used >= allowance)
    }

    /// Running, with data (or fair use) left to use.
    pub fn has_usable_data(&self, now: DateTime<Utc>) -> bool {
        self.is_running(now)
            && self
                .allowance
                .or(self.fair_use_cap)
                .is_some_and(|total| self.used < total)
    }
}

/// A running period with no data left and nothing queued after it ends at once when
/// the line is renewed, so that what was just bought can be used now.
pub fn ends_early_on_renewal(period: &PeriodData, now: DateTime<Utc>, queued_after: bool) -> bool {
    period.is_running(now) && period.is_exhausted() && !queued_after
}

/// The status an order to the network puts the line in, and the reason kept with it
/// (a resumed line keeps none).
pub fn status_after(action: Action, reason: &str) -> (LineStatus, Option<&str>) {
    match action {
        Action::Throttle { .. } => (LineStatus::Throttled, Some(reason)),
        Action::Suspend => (LineStatus::Suspended, Some(reason)),
        Action::Resume => (LineStatus::Active, None),
    }
}

/// Whether a line in `status` (for `reason`) changes when told `target`: a line not
/// yet installed is left alone (the network does not know it yet), and a line already
/// in that state for that reason does not change (nor is the network told again).
pub fn status_may_change(
    status: LineStatus,
    reason: Option<&str>,
    target: LineStatus,
    target_reason: Option<&str>,
) -> bool {
    status != LineStatus::PendingInstall
        && !(status == target && reason.unwrap_or("") == target_reason.unwrap_or(""))
}

/// The statuses of a line in service: once the last period has ended, such a line
/// expires (and reads `expired` at once, see [`super::effective_status`]).
pub const IN_SERVICE: [LineStatus; 3] = [
    LineStatus::Active,
    LineStatus::Throttled,
    LineStatus::Suspended,
];

/// Why a line is slowed or stopped for its data: a period with data left lifts it.
pub const DATA_REASONS: [&str; 2] = ["quota_exhausted", "fair_use"];

/// Whether a line expires when it has had periods and none is left.
pub fn lapses(status: LineStatus) -> bool {
    IN_SERVICE.contains(&status)
}

/// Whether a line comes back when a period with data starts: it was slowed or
/// stopped because its data ran out, not by the operator or for lapsing.
pub fn resumes_with_new_data(status: LineStatus, reason: Option<&str>) -> bool {
    matches!(status, LineStatus::Throttled | LineStatus::Suspended)
        && reason.is_some_and(|reason| DATA_REASONS.contains(&reason))
}

/// `'a', 'b'` for an SQL `IN` list of these fixed words.
pub(super) fn sql_list<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    words
        .into_iter()
        .map(|word| format!("'{word}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(hours)
    }

    fn period(allowance: Option<u64>, cap: Option<u64>, used: u64) -> PeriodData {
        PeriodData {
            starts_at: at(-1),
            ends_at: at(1),
            allowance: allowance.map(DataVolume::bytes),
            fair_use_cap: cap.map(DataVolume::bytes),
            used: DataVolume::bytes(used),
        }
    }

    #[test]
    fn only_a_running_exhausted_last_period_ends_early() {
        assert!(ends_early_on_renewal(
            &period(Some(100), None, 100),
            at(0),
            false
        ));
        assert!(ends_early_on_renewal(
            &period(Some(100), None, 150),
            at(0),
            false
        ));
        // Data left, something queued behind it, unlimited, or not running: it stays.
        assert!(!ends_early_on_renewal(
            &period(Some(100), None, 99),
            at(0),
            false
        ));
        assert!(!ends_early_on_renewal(
            &period(Some(100), None, 100),
            at(0),
            true
        ));
        assert!(!ends_early_on_renewal(
            &period(None, Some(100), 500),
            at(0),
            false
        ));
        assert!(!ends_early_on_renewal(
            &period(Some(100), None, 100),
            at(2),
            false
        ));
        assert!(!ends_early_on_renewal(
            &period(Some(100), None, 100),
            at(-2),
            false
        ));
    }

    #[test]
    fn usable_data_is_what_is_left_of_the_allowance_or_the_fair_use_cap() {
        assert!(period(Some(100), None, 99).has_usable_data(at(0)));
        assert!(!period(Some(100), None, 100).has_usable_data(at(0)));
        assert!(period(None, Some(100), 50).has_usable_data(at(0)));
        assert!(!period(None, Some(100), 100).has_usable_data(at(0)));
        assert!(!period(None, None, 0).has_usable_data(at(0)));
        assert!(!period(Some(100), None, 0).has_usable_data(at(1)));
    }

    #[test]
    fn lines_in_service_lapse_and_lines_out_of_data_resume() {
        use LineStatus::*;
        assert!(lapses(Active) && lapses(Throttled) && lapses(Suspended));
        assert!(!lapses(PendingInstall) && !lapses(Expired));
        assert!(resumes_with_new_data(Throttled, Some("fair_use")));
        assert!(resumes_with_new_data(Suspended, Some("quota_exhausted")));
        assert!(!resumes_with_new_data(Suspended, Some("no_period_left")));
        assert!(!resumes_with_new_data(Suspended, None));
        assert!(!resumes_with_new_data(Active, Some("fair_use")));
        assert_eq!(sql_list(["a", "b"]), "'a', 'b'");
    }

    #[test]
    fn status_changes_once_and_never_before_install() {
        use LineStatus::*;
        let (throttled, why) = status_after(Action::Throttle { kbps: 128 }, "fair_use");
        assert_eq!((throttled, why), (Throttled, Some("fair_use")));
        assert_eq!(status_after(Action::Resume, "renewed"), (Active, None));
        assert!(status_may_change(Active, None, Throttled, Some("fair_use")));
        assert!(!status_may_change(
            Throttled,
            Some("fair_use"),
            Throttled,
            Some("fair_use")
        ));
        assert!(status_may_change(
            Throttled,
            Some("fair_use"),
            Throttled,
            Some("quota_exhausted")
        ));
        assert!(status_may_change(
            Suspended,
            Some("quota_exhausted"),
            Active,
            None
        ));
        assert!(!status_may_change(Active, None, Active, None));
        assert!(!status_may_change(
            PendingInstall,
            None,
            Suspended,
            Some("no_period_left")
        ));
        assert!(status_may_change(
            Expired,
            Some("no_period_left"),
            Active,
            None
        ));
    }
}
