//! Console logins: email, password and a code from the authenticator app (or one of
//! the recovery codes), with the same backoff as subscriber logins; sessions apart
//! from subscribers', ending `console.session_hours` after login or
//! `console.idle_minutes` after the last request.

use chrono::{DateTime, Duration, Utc};

use crate::accounts::password;
use crate::accounts::throttle::LoginPolicy;
use crate::accounts::token_hash;
use crate::app::App;
use crate::audit;
use crate::error::{Code, Error, Result};
use crate::ids::{new_id, new_token};

use super::enrolment::{is_recovery_code, normalise_recovery_code, totp_sealer};
use super::{StaffMember, parse_email, store, totp};

/// A session's last use is written at most this often.
const TOUCH_EVERY_SECS: i64 = 60;

pub struct ConsoleSession {
    /// Shown once (as the cookie); only its hash is stored.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub member: StaffMember,
}

pub(super) async fn start_session(app: &App, member: &StaffMember) -> Result<ConsoleSession> {
    let now = app.now();
    let token = new_token();
    let expires_at = now + Duration::hours(app.config.console.session_hours);
    let mut tx = app.db.begin().await?;
    store::insert_session(
        &mut tx,
        &new_id("sts", now),
        &token_hash(&token),
        &member.id,
        now,
        expires_at,
    )
    .await?;
    tx.commit().await?;
    Ok(ConsoleSession {
        token,
        expires_at,
        member: member.clone(),
    })
}

/// Logs a member in. A wrong email or password answers `invalid_credentials`; with
/// the right password, a wrong, stale or already used code answers `invalid_totp`.
/// Every failure counts towards the lock.
pub async fn log_in(
    app: &App,
    email: &str,
    password_text: &str,
    code: &str,
    client: &str,
) -> Result<ConsoleSession> {
    let now = app.now();
    let refused = || Error::unauthenticated(Code::InvalidCredentials);
    let email = parse_email(email).map_err(|_| refused())?;
    // The demo's staff exist only for demo mode.
    if app.refuses_outside_demo(&email) {
        return Err(refused());
    }
    let login_key = format!("staff:{}", token_hash(&email));
    let policy = LoginPolicy::from(&app.config.accounts);

    // Both slots are taken (counted as failures) before anything is checked.
    let mut tx = app.db.begin().await?;
    let slots = match store::LOGIN_THROTTLE
        .take_login(&mut tx, login_key, client, &policy, now)
        .await?
    {
        Ok(slots) => slots,
        Err(wait) => return Err(Error::rate_limited(Code::LoginLocked, wait)),
    };
    let found = store::login_row(&mut *tx, &email).await?;
    tx.commit().await?;

    let stored_hash = found.as_ref().map(|row| row.password_hash.clone());
    let password_ok =
        match password::verify_off_thread(&app.hashers, password_text, stored_hash).await {
            Ok(ok) => ok,
            Err(busy) => {
                let mut tx = app.db.begin().await?;
                store::LOGIN_THROTTLE.unchecked(&mut tx, &slots).await?;
                tx.commit().await?;
                return Err(busy);
            }
        };
    let row = match (password_ok, found) {
        (true, Some(row)) => row,
        _ => {
            tracing::info!("console login failed: credentials");
            return Err(refused());
        }
    };
    let member = row.member;
    let secret = totp_sealer(app)
        .open(&row.totp_secret, &member.id)
        .map_err(Error::internal)?;

    let mut tx = audit::begin(&app.db).await?;
    let second_factor = if is_recovery_code(code) {
        let hash = token_hash(&normalise_recovery_code(code));
        store::use_recovery_code(&mut tx, &member.id, &hash, now)
            .await?
            .then_some("recovery code")
    } else {
        match totp::matching_step(&secret, code, now) {
            Some(step) => store::take_totp_step(&mut tx, &member.id, step)
                .await?
                .then_some("authenticator code"),
            None => None,
        }
    };
    let Some(second_factor) = second_factor else {
        // Nothing of this transaction is kept; the failure stays counted.
        drop(tx);
        tracing::info!(staff = %member.id, "console login failed: code");
        return Err(Error::of(Code::InvalidTotp).on_field("code"));
    };
    store::LOGIN_THROTTLE.succeeded(&mut tx, &slots).await?;
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        &member.actor(),
        "staff.login",
        &member.id,
        &format!("with {second_factor}"),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(staff = %member.id, "console login");
    start_session(app, &member).await
}

/// The member a console session token belongs to, if it is live; records the use.
pub async fn authenticate(app: &App, token: &str) -> Result<Option<StaffMember>> {
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    let now = app.now();
    let idle_since = now - Duration::minutes(app.config.console.idle_minutes);
    let hash = token_hash(token);
    // Every console request reads; only a session unused for a minute is written to.
    let found = store::session_member(app.db.reader(), &hash, now, idle_since).await?;
    if let Some((_, last_seen)) = &found
        && (now - *last_seen).num_seconds() >= TOUCH_EVERY_SECS
    {
        let mut tx = app.db.begin().await?;
        store::touch_session(&mut tx, &hash, now).await?;
        tx.commit().await?;
    }
    Ok(found.map(|(member, _)| member))
}

pub async fn log_out(app: &App, token: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    store::revoke_session(&mut tx, &token_hash(token), app.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// How many unused recovery codes a member has left.
pub async fn recovery_codes_left(app: &App, member: &StaffMember) -> Result<i64> {
    store::unused_recovery_codes(app.db.reader(), &member.id).await
}
