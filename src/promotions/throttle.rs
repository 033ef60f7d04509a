//! Coupon guessing is rate limited per account: codes that do not exist are counted
//! in the database, with the login throttle's backoff — five free tries, then a lock
//! of a minute that doubles with each further miss, up to an hour. While locked,
//! every coupon is refused unread, so a lock cannot be used to test codes.
//! A good coupon does not clear the count: one known code must not reset guessing.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use crate::accounts::throttle::LoginPolicy;
use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::error::{Error, Result};

pub const POLICY: LoginPolicy = LoginPolicy {
    failures_before_lock: 5,
    first_lock: Duration::seconds(60),
    longest_lock: Duration::seconds(3600),
};

struct Attempts {
    failures: i64,
    locked_until: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

async fn attempts<'e, E>(executor: E, account_id: &str) -> Result<Attempts>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT failures, locked_until, updated_at FROM coupon_attempts WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(executor)
    .await?;
    Ok(match row {
        Some(row) => Attempts {
            failures: row.try_get("failures")?,
            locked_until: from_millis(row.try_get("locked_until")?),
            updated_at: from_millis(row.try_get("updated_at")?),
        },
        None => Attempts {
            failures: 0,
            locked_until: DateTime::<Utc>::MIN_UTC,
            updated_at: DateTime::<Utc>::MIN_UTC,
        },
    })
}

/// Refuses any coupon while the account is locked out.
pub async fn check(app: &App, account_id: &str) -> Result<()> {
    let now = app.now();
    let current = attempts(app.db.reader(), account_id).await?;
    if current.locked_until > now {
        let wait = (current.locked_until - now).num_seconds() + 1;
        return Err(Error::rate_limited("coupon_attempts_locked", wait).on_field("coupon"));
    }
    Ok(())
}

/// Counts a code that does not exist, locking the account when it is one too many.
pub async fn record_failure(app: &App, account_id: &str) -> Result<()> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let mut current = attempts(&mut *tx, account_id).await?;
    current.failures = POLICY.failures_after(
        current.failures,
        current.updated_at,
        current.locked_until,
        now,
    );
    if let Some(lock) = POLICY.lock_after(current.failures) {
        current.locked_until = now + lock;
    }
    sqlx::query(
        "INSERT INTO coupon_attempts (account_id, failures, locked_until, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id) DO UPDATE SET failures = excluded.failures, \
         locked_until = excluded.locked_until, updated_at = excluded.updated_at",
    )
    .bind(account_id)
    .bind(current.failures)
    .bind(to_millis(current.locked_until).max(0))
    .bind(to_millis(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(account.id = %account_id, failures = current.failures, "unknown coupon entered");
    Ok(())
}
