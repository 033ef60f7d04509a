//! Logging in and out, sessions and bearer tokens, with backoff after failures.

use chrono::{DateTime, Duration, Utc};

use crate::app::App;
use crate::config::PhoneRegion;
use crate::error::{Code, Error, Result};
use crate::ids::{new_id, new_token};

use super::store;
use super::throttle::LoginPolicy;
use super::{Account, Email, Phone, password, token_hash};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// The portal's cookie.
    Portal,
    /// An API bearer token.
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Portal => "portal",
            SessionKind::Api => "api",
        }
    }
}

pub struct Session {
    /// Shown once; only its hash is stored.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub account: Account,
}

/// Logs in with phone or email and password. Unknown logins and wrong passwords
/// answer alike and count alike.
pub async fn log_in(
    app: &App,
    login: &str,
    password_text: &str,
    client: &str,
    kind: SessionKind,
) -> Result<Session> {
    let now = app.now();
    let normalised = normalise_login(login, app.config.locale.phone_region);
    // The demo subscriber exists only for demo mode.
    if app.refuses_outside_demo(&normalised) {
        return Err(Error::unauthenticated(Code::InvalidCredentials));
    }
    let login_key = format!("login:{}", super::token_hash(&normalised));
    let policy = LoginPolicy::from(&app.config.accounts);

    // Both slots are taken (and counted as failures) before the password is checked,
    // so that parallel guesses cannot all be checked before the lock; a refusal by
    // either undoes both.
    let mut tx = app.db.begin().await?;
    let slots = match store::LOGIN_THROTTLE
        .take_login(&mut tx, login_key, client, &policy, now)
        .await?
    {
        Ok(slots) => slots,
        Err(wait) => return Err(Error::rate_limited(Code::LoginLocked, wait)),
    };
    let found = store::find_by_login(&mut *tx, &normalised).await?;
    tx.commit().await?;

    // The slow hash runs outside any transaction, under the hashing cap.
    let stored_hash = found.as_ref().map(|(_, hash)| hash.clone());
    let checked = password::verify_off_thread(&app.hashers, password_text, stored_hash).await;
    let password_ok = match checked {
        Ok(ok) => ok,
        Err(busy) => {
            // Not checked: the slots go back.
            let mut tx = app.db.begin().await?;
            store::LOGIN_THROTTLE.unchecked(&mut tx, &slots).await?;
            tx.commit().await?;
            return Err(busy);
        }
    };
    let account = match (password_ok, found) {
        (true, Some((account, _))) => account,
        _ => {
            tracing::info!("login failed");
            return Err(Error::unauthenticated(Code::InvalidCredentials));
        }
    };
    let mut tx = app.db.begin().await?;
    store::LOGIN_THROTTLE.succeeded(&mut tx, &slots).await?;
    tx.commit().await?;
    tracing::info!(account.id = %account.id, "logged in");
    start_session(app, &account, kind).await
}

/// A new session for an account that has just proven who it is.
pub async fn start_session(app: &App, account: &Account, kind: SessionKind) -> Result<Session> {
    let now = app.now();
    let token = new_token();
    let expires_at = now + Duration::days(app.config.accounts.session_days);
    let mut tx = app.db.begin().await?;
    store::insert_session(
        &mut tx,
        &new_id("ses", now),
        &token_hash(&token),
        &account.id,
        kind.as_str(),
        now,
        expires_at,
    )
    .await?;
    tx.commit().await?;
    Ok(Session {
        token,
        expires_at,
        account: account.clone(),
    })
}

/// The account behind a session cookie or bearer token, if it is still valid.
pub async fn authenticate(app: &App, token: &str) -> Result<Option<Account>> {
    if token.is_empty() || token.len() > 256 {
        return Ok(None);
    }
    let account = store::session_account(app.db.reader(), &token_hash(token), app.now()).await?;
    Ok(account.filter(|account| !app.refuses_outside_demo(account.phone.as_str())))
}

pub async fn log_out(app: &App, token: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    store::revoke_session(&mut tx, &token_hash(token), app.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// The same person types `9123 4567`, `+852 9123 4567` or `Me@Example.com`.
fn normalise_login(login: &str, region: PhoneRegion) -> String {
    let trimmed = login.trim();
    if trimmed.contains('@') {
        Email::parse(trimmed)
            .map(|e| e.as_str().to_owned())
            .unwrap_or_else(|_| trimmed.to_lowercase())
    } else {
        Phone::parse_in(trimmed, region)
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|_| trimmed.to_lowercase())
    }
}
