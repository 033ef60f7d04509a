//! Backoff after failed attempts (logins, coupon guesses): a few free tries, then a
//! lock that doubles with each further failure, up to a ceiling.
//!
//! An attempt takes its slot before it is checked: it is counted as a failure up
//! front, in a guarded update that refuses it while the key is locked, so attempts
//! sent in parallel cannot all be checked before any of them is counted. A success
//! gives its slot back (or clears the count).

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use crate::clock::{from_millis, to_millis};
use crate::config::AccountsConfig;
use crate::db::Tx;
use crate::error::Result;

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

/// The count kept for one key (a login, a client address, an account's coupons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    pub failures: i64,
    pub locked_until: DateTime<Utc>,
    /// When the last attempt was counted.
    pub updated_at: DateTime<Utc>,
}

impl Attempts {
    pub const NONE: Attempts = Attempts {
        failures: 0,
        locked_until: DateTime::<Utc>::MIN_UTC,
        updated_at: DateTime::<Utc>::MIN_UTC,
    };
}

/// What taking one attempt does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Refused unchecked: locked for this many more seconds.
    Locked { wait_secs: i64 },
    /// Checked, already counted as a failure (and locking when one too many).
    Admitted { before: Attempts, after: Attempts },
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

    /// Takes one attempt from `current`: refused while locked, otherwise counted as
    /// a failure before it is checked.
    pub fn admit(&self, current: Attempts, now: DateTime<Utc>) -> Admission {
        if current.locked_until > now {
            let wait_secs = (current.locked_until - now).num_seconds() + 1;
            return Admission::Locked { wait_secs };
        }
        let failures = self.failures_after(
            current.failures,
            current.updated_at,
            current.locked_until,
            now,
        );
        let locked_until = match self.lock_after(failures) {
            Some(lock) => now + lock,
            None => current.locked_until,
        };
        Admission::Admitted {
            before: current,
            after: Attempts {
                failures,
                locked_until,
                updated_at: now,
            },
        }
    }
}

/// A table of attempt counts: `key_column` names the key; the table has `failures`,
/// `locked_until` and `updated_at` (milliseconds) besides. Each table's owner names
/// it; the SQL that counts is here, once.
pub struct Counter {
    pub table: &'static str,
    pub key_column: &'static str,
}

/// An attempt taken: the count before and after it.
#[derive(Debug, Clone, Copy)]
pub struct Taken {
    pub before: Attempts,
    pub after: Attempts,
}

/// Enough rounds for every attempt that raced for the same key to see a lock.
const ROUNDS: usize = 64;

impl Counter {
    async fn read(&self, tx: &mut Tx, key: &str) -> Result<Attempts> {
        let row = sqlx::query(&format!(
            "SELECT failures, locked_until, updated_at FROM {} WHERE {} = $1",
            self.table, self.key_column
        ))
        .bind(key)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(match row {
            Some(row) => Attempts {
                failures: row.try_get("failures")?,
                locked_until: from_millis(row.try_get("locked_until")?),
                updated_at: from_millis(row.try_get("updated_at")?),
            },
            None => Attempts::NONE,
        })
    }

    /// Takes one attempt for `key` in `tx`: the policy decides from the count read,
    /// and a guarded update applies it only if nobody changed the count meanwhile
    /// (else it reads again). `Err(wait)` when the key is locked.
    pub async fn take(
        &self,
        tx: &mut Tx,
        key: &str,
        policy: &LoginPolicy,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<Taken, i64>> {
        sqlx::query(&format!(
            "INSERT INTO {} ({}, failures, locked_until, updated_at) VALUES ($1, 0, 0, 0) \
             ON CONFLICT ({}) DO NOTHING",
            self.table, self.key_column, self.key_column
        ))
        .bind(key)
        .execute(&mut **tx)
        .await?;
        for _ in 0..ROUNDS {
            let current = self.read(tx, key).await?;
            let (before, after) = match policy.admit(current, now) {
                Admission::Locked { wait_secs } => return Ok(Err(wait_secs)),
                Admission::Admitted { before, after } => (before, after),
            };
            let taken = sqlx::query(&format!(
                "UPDATE {} SET failures = $1, locked_until = $2, updated_at = $3 \
                 WHERE {} = $4 AND failures = $5 AND locked_until = $6 AND updated_at = $7",
                self.table, self.key_column
            ))
            .bind(after.failures)
            .bind(to_millis(after.locked_until).max(0))
            .bind(to_millis(after.updated_at))
            .bind(key)
            .bind(before.failures)
            .bind(to_millis(before.locked_until).max(0))
            .bind(to_millis(before.updated_at).max(0))
            .execute(&mut **tx)
            .await?
            .rows_affected()
                == 1;
            if taken {
                return Ok(Ok(Taken { before, after }));
            }
        }
        // Still racing after all those rounds: treat it as the lock it is about to be.
        Ok(Err(1))
    }

    /// Gives back an attempt that succeeded: one failure fewer, and the lock it set
    /// (if it set one and nobody has set another since) lifted.
    pub async fn give_back(&self, tx: &mut Tx, key: &str, taken: &Taken) -> Result<()> {
        sqlx::query(&format!(
            "UPDATE {} SET failures = failures - 1, \
             locked_until = CASE WHEN locked_until = $1 THEN $2 ELSE locked_until END \
             WHERE {} = $3 AND failures > 0",
            self.table, self.key_column
        ))
        .bind(to_millis(taken.after.locked_until).max(0))
        .bind(to_millis(taken.before.locked_until).max(0))
        .bind(key)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Forgets the count (a login that succeeded).
    pub async fn clear(&self, tx: &mut Tx, key: &str) -> Result<()> {
        sqlx::query(&format!(
            "DELETE FROM {} WHERE {} = $1",
            self.table, self.key_column
        ))
        .bind(key)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

/// A client address may fail this many times more than one login before it is locked.
const CLIENT_ALLOWANCE: i64 = 4;

/// One login attempt's two slots, taken before anything is checked: the login's own
/// (`login_key`) and its client address's, which may fail [`CLIENT_ALLOWANCE`] times as
/// often, so that one address cannot guess across many logins.
pub struct LoginSlots {
    login_key: String,
    client_key: String,
    taken: Vec<Taken>,
}

impl Counter {
    /// Takes both slots in `tx` (each counted as a failure up front); `Err(wait)` when
    /// either is locked.
    pub async fn take_login(
        &self,
        tx: &mut Tx,
        login_key: String,
        client: &str,
        policy: &LoginPolicy,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<LoginSlots, i64>> {
        let client_key = format!("client:{client}");
        let client_policy = LoginPolicy {
            failures_before_lock: policy.failures_before_lock * CLIENT_ALLOWANCE,
            ..*policy
        };
        let mut taken = Vec::with_capacity(2);
        for (key, policy) in [(&login_key, policy), (&client_key, &client_policy)] {
            match self.take(tx, key, policy, now).await? {
                Ok(slot) => taken.push(slot),
                Err(wait) => return Ok(Err(wait)),
            }
        }
        Ok(Ok(LoginSlots {
            login_key,
            client_key,
            taken,
        }))
    }

    /// The attempt was not checked (the hashers were busy): both slots go back.
    pub async fn unchecked(&self, tx: &mut Tx, slots: &LoginSlots) -> Result<()> {
        for (key, slot) in [&slots.login_key, &slots.client_key]
            .into_iter()
            .zip(&slots.taken)
        {
            self.give_back(tx, key, slot).await?;
        }
        Ok(())
    }

    /// The attempt succeeded: the login's count is cleared, the client's slot given back.
    pub async fn succeeded(&self, tx: &mut Tx, slots: &LoginSlots) -> Result<()> {
        self.clear(tx, &slots.login_key).await?;
        if let Some(slot) = slots.taken.get(1) {
            self.give_back(tx, &slots.client_key, slot).await?;
        }
        Ok(())
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
