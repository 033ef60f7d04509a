//! Coupon guessing is rate limited per account: codes that do not exist are counted
//! in the database, with the login throttle's backoff — five free tries, then a lock
//! of a minute that doubles with each further miss, up to an hour. Each try is
//! counted before the code is looked up, so parallel guesses get no more tries.
//! While locked, every coupon is refused unread, so a lock cannot be used to test codes.
//! A good coupon does not clear the count: one known code must not reset guessing.

use chrono::Duration;

use crate::accounts::throttle::{Counter, LoginPolicy, Taken};
use crate::app::App;
use crate::error::{Code, Error, Result};

pub const POLICY: LoginPolicy = LoginPolicy {
    failures_before_lock: 5,
    first_lock: Duration::seconds(60),
    longest_lock: Duration::seconds(3600),
};

const COUPON_ATTEMPTS: Counter = Counter {
    table: "coupon_attempts",
    key_column: "account_id",
};

/// Takes one try for the account before the coupon is looked up: refused while the
/// account is locked, counted as a miss until [`found`] gives it back.
pub async fn take(app: &App, account_id: &str) -> Result<Taken> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    match COUPON_ATTEMPTS
        .take(&mut tx, account_id, &POLICY, now)
        .await?
    {
        Ok(taken) => {
            tx.commit().await?;
            if POLICY.lock_after(taken.after.failures).is_some() {
                tracing::info!(account.id = %account_id, failures = taken.after.failures, "coupon guessing locked");
            }
            Ok(taken)
        }
        Err(wait) => Err(Error::rate_limited(Code::CouponAttemptsLocked, wait).on_field("coupon")),
    }
}

/// The coupon existed: its try is given back (the count of misses stays).
pub async fn found(app: &App, account_id: &str, taken: &Taken) -> Result<()> {
    let mut tx = app.db.begin().await?;
    COUPON_ATTEMPTS
        .give_back(&mut tx, account_id, taken)
        .await?;
    tx.commit().await?;
    Ok(())
}
