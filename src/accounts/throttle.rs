//! Backoff after failed logins: a few free tries, then a lock that doubles with each
//! further failure, up to a ceiling.

use chrono::Duration;

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
}
