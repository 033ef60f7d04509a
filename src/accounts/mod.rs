//! Subscribers' accounts: registration confirmed by an SMS code, login with phone or
//! email, sessions, password reset and phone change.

mod code_store;
pub mod codes;
mod email;
mod email_verification;
mod login;
mod outgoing;
pub mod password;
mod phone;
mod recovery;
mod registration;
mod store;
pub mod throttle;
mod verification;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::error::Result;
use crate::i18n::Locale;

pub use codes::Purpose;
pub use email::Email;
pub use email_verification::{confirm_email, request_email_verification};
pub use login::{Session, SessionKind, authenticate, log_in, log_out, start_session};
pub use outgoing::{MESSAGE_JOB, send_message};
pub use phone::Phone;
pub use recovery::{change_phone, reset_password};
pub use registration::{
    PendingRegistration, complete_registration, create_verified, register,
    resend_registration_code, start_registration,
};
pub use verification::{CodeRequest, code_wait, request_code};

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: String,
    pub phone: Phone,
    pub email: Email,
    /// Proven by the link sent to it; until then the email is no login.
    pub email_verified: bool,
    pub locale: Locale,
    pub created_at: DateTime<Utc>,
}

/// Where a code goes: most codes go by SMS; a password reset may go by email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Phone(Phone),
    Email(Email),
}

impl Destination {
    pub fn as_str(&self) -> &str {
        match self {
            Destination::Phone(phone) => phone.as_str(),
            Destination::Email(email) => email.as_str(),
        }
    }
}

/// Tokens are stored only as hashes: a copy of the database does not log anyone in.
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub async fn find(app: &App, account_id: &str) -> Result<Option<Account>> {
    store::find_by_id(app.db.reader(), account_id).await
}

/// The ids of the accounts made before `at` (the 1st's statement emails).
pub async fn ids_made_before(app: &App, at: DateTime<Utc>) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM accounts WHERE created_at < $1 ORDER BY id")
            .bind(crate::clock::to_millis(at))
            .fetch_all(app.db.reader())
            .await?,
    )
}

/// The account registered with `phone` (operator tools and benchmarks; logging in
/// goes through [`log_in`]).
pub async fn find_by_phone(app: &App, phone: &Phone) -> Result<Option<Account>> {
    let found = store::find_by_login(app.db.reader(), phone.as_str()).await?;
    Ok(found.map(|(account, _)| account))
}

/// The account with this email, verified or not (the back office's search; logins
/// take verified emails only).
pub async fn find_by_email(app: &App, email: &Email) -> Result<Option<Account>> {
    store::find_by_any_email(app.db.reader(), email.as_str()).await
}

/// Remembers the language the subscriber chose, for pages and messages.
pub async fn set_locale(app: &App, account_id: &str, locale: Locale) -> Result<()> {
    let mut tx = app.db.begin().await?;
    store::update_locale(&mut tx, account_id, locale).await?;
    tx.commit().await?;
    Ok(())
}

/// As [`set_locale`], in the caller's transaction (a change of preferences that
/// also changes other things).
pub async fn set_locale_in(tx: &mut crate::db::Tx, account_id: &str, locale: Locale) -> Result<()> {
    store::update_locale(tx, account_id, locale).await
}

/// Up to `limit` accounts in id order, after `after` (from the first when `None`):
/// for work that goes through every subscriber a page at a time (an announcement
/// sent to those it targets).
pub async fn page(app: &App, after: Option<&str>, limit: i64) -> Result<Vec<Account>> {
    store::page(app.db.reader(), after.unwrap_or(""), limit).await
}

/// Is the phone already registered? (For seeding and operators, not for answers to
/// the public, which never reveal it.)
pub async fn exists(app: &App, phone: &Phone) -> Result<bool> {
    Ok(store::find_by_login(app.db.reader(), phone.as_str())
        .await?
        .is_some())
}
