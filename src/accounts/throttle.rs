//! Backoff after failed logins: a few free tries, then a lock that doubles with each
//! further failure, up to a ceiling.

use chrono::{DateTime, Duration, Utc};

use crate::config::AccountsConfig;

#[derive(Debug, Clone, Copy)]
pub struct LoginPolicy {
    pub failures_before_lock: i64,
    pub first_lock: Duration,
    pub longest_lock: Duration,
}

impl From<&AccountsConfig> for LoginPolicy {
    fn from(config: &AccountsConfig) -> Self {
        Self {
            failures_before_lock: config.login_failures_before_lock,
            first_lock: Duration::seconds(config.login_lock_secs),
            longest_lock: Duration::seconds(config.login_lock_max_secs),
        }
    }
}

impl LoginPolicy {
    /// The count after one more failure. Failures long past (older than the longest
    /// lock, and no lock running) are forgotten, so that a shared address or an old
    /// typo does not lock anyone out for good.
    pub fn failures_after(
        &self,
        previous: i64,
        last_failure: DateTime<Utc>,
        locked_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> i64 {
        let stale = locked_until <= now && now - last_failure > self.longest_lock;
        if stale { 1 } else { previous + 1 }
    }

    /// How long to lock after the `failures`-th consecutive failure.
    pub fn lock_after(&self, failures: i64) -> Option<Duration> {
        let beyond = failures - self.failures_before_lock;
        if beyond < 0 {
            return None;
        }
        let doublings = u32::try_from(beyond.min(20)).unwrap_or(20);
        let lock = self.first_lock * 2i32.pow(doublings);
        Some(lock.min(self.longest_lock))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_double_then_cap() {
        let policy = LoginPolicy::from(&AccountsConfig::default());
        assert_eq!(policy.lock_after(4), None);
        assert_eq!(policy.lock_after(5), Some(Duration::seconds(60)));
        assert_eq!(policy.lock_after(6), Some(Duration::seconds(120)));
        assert_eq!(policy.lock_after(50), Some(Duration::seconds(3600)));
    }

    #[test]
    fn old_failures_are_forgotten() {
        let policy = LoginPolicy::from(&AccountsConfig::default());
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let long_ago = now - Duration::hours(2);
        assert_eq!(policy.failures_after(30, long_ago, long_ago, now), 1);
        assert_eq!(
            policy.failures_after(30, now - Duration::minutes(5), long_ago, now),
            31
        );
        // A lock still running keeps its count.
        assert_eq!(
            policy.failures_after(30, long_ago, now + Duration::minutes(1), now),
            31
        );
    }
}
