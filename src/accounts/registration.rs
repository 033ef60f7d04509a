//! Registering: the code proves the phone, then the email is claimed (its owner
//! told if it has one), and only then is the password hashed.

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::db::Tx;
use crate::error::{Code, Error, Result};
use crate::i18n::Locale;
use crate::ids::new_id;

use super::code_store::{self, StoredCode};
use super::codes::{self, Purpose};
use super::outgoing::{self, Outgoing};
use super::password::Password;
use super::store;
use super::verification::{CodeRequest, issue_code, may_send, use_code, verify_code};
use super::{Account, Destination, Email, Phone};

/// The details typed on the portal's first registration step, kept with the code.
#[derive(Debug, Serialize, Deserialize)]
struct RegistrationPayload {
    email: Email,
    password_hash: String,
    locale: Locale,
}

pub struct PendingRegistration {
    pub phone: Phone,
    pub expires_in: i64,
}

/// Portal step one: check everything typed, then text a code to the phone.
pub async fn start_registration(
    app: &App,
    phone: &str,
    email: &str,
    password: &str,
    locale: Locale,
    client: String,
) -> Result<PendingRegistration> {
    let phone = Phone::parse_in(phone, app.config.locale.phone_region)?;
    let email = Email::parse(email)?;
    let password = Password::new(
        password,
        app.config.accounts.min_password_length,
        &[phone.as_str(), email.as_str()],
    )?;
    // The limits first: a flood is turned away before any hashing.
    may_send(app, &phone, &client).await?;
    let payload = RegistrationPayload {
        email,
        password_hash: password.hash_off_thread(&app.hashers).await?,
        locale,
    };
    let payload = serde_json::to_string(&payload).map_err(Error::internal)?;
    let request = CodeRequest {
        destination: Destination::Phone(phone.clone()),
        purpose: Purpose::Register,
        locale,
        client,
        account_id: None,
    };
    let expires_in = issue_code(app, request, Some(payload)).await?;
    Ok(PendingRegistration { phone, expires_in })
}

/// Portal step one again: a new code for a registration started within the hour (its
/// last code expired less than an hour ago), carrying what was typed then. Refused
/// like any code request while the limits hold; `registration_incomplete` when there
/// is nothing to resend (start again).
pub async fn resend_registration_code(
    app: &App,
    phone: &str,
    locale: Locale,
    client: String,
) -> Result<i64> {
    let phone = Phone::parse_in(phone, app.config.locale.phone_region)?;
    may_send(app, &phone, &client).await?;
    let mut tx = app.db.begin().await?;
    let latest = code_store::latest_code(&mut tx, phone.as_str(), Purpose::Register).await?;
    drop(tx);
    let recent = app.now() - chrono::Duration::hours(1);
    let payload = latest
        .filter(|code| code.record.expires_at > recent)
        .and_then(|code| code.payload)
        .ok_or_else(|| Error::invalid(Code::RegistrationIncomplete))?;
    let request = CodeRequest {
        destination: Destination::Phone(phone),
        purpose: Purpose::Register,
        locale,
        client,
        account_id: None,
    };
    issue_code(app, request, Some(payload)).await
}

/// Portal step two: the code from the SMS creates the account typed in step one.
pub async fn complete_registration(app: &App, phone: &str, code: &str) -> Result<Account> {
    let phone = Phone::parse_in(phone, app.config.locale.phone_region)?;
    let tx = app.db.begin().await?;
    let (tx, stored) = verify_code(app, tx, Purpose::Register, phone.as_str(), code).await?;
    let payload: RegistrationPayload = stored
        .payload
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .ok_or_else(|| Error::invalid(Code::RegistrationIncomplete))?;
    let mut tx = claim_email(app, tx, &stored, &payload.email).await?;
    use_code(&mut tx, &stored, app).await?;
    let new = NewAccount {
        phone,
        email: payload.email,
        locale: payload.locale,
        email_verified: false,
    };
    create(app, tx, new, &payload.password_hash).await
}

/// The API's one-step registration: the code was requested first. The code is
/// checked, then the email, and only then is the password hashed.
pub async fn register(
    app: &App,
    phone: &str,
    email: &str,
    password: &str,
    code: &str,
    locale: Locale,
) -> Result<Account> {
    let phone = Phone::parse_in(phone, app.config.locale.phone_region)?;
    let email = Email::parse(email)?;
    let password = Password::new(
        password,
        app.config.accounts.min_password_length,
        &[phone.as_str(), email.as_str()],
    )?;
    if !codes::is_well_formed(code.trim()) {
        return Err(Error::invalid(Code::InvalidCode).on_field("code"));
    }
    let tx = app.db.begin().await?;
    let (tx, stored) = verify_code(app, tx, Purpose::Register, phone.as_str(), code).await?;
    let tx = claim_email(app, tx, &stored, &email).await?;
    // The try is spent; the code stays open until the account is made with it.
    tx.commit().await?;
    let hash = password.hash_off_thread(&app.hashers).await?;
    let mut tx = app.db.begin().await?;
    use_code(&mut tx, &stored, app).await?;
    let new = NewAccount {
        phone,
        email,
        locale,
        email_verified: false,
    };
    create(app, tx, new, &hash).await
}

/// An email that already has an account is refused only once the code has been
/// checked, and the code is used up by it: finding out whether an address is
/// registered costs a code to a phone of one's own, each time. The owner is told.
async fn claim_email(app: &App, mut tx: Tx, stored: &StoredCode, email: &Email) -> Result<Tx> {
    let Some(owner) = store::find_by_email(&mut tx, email).await? else {
        return Ok(tx);
    };
    let now = app.now();
    use_code(&mut tx, stored, app).await?;
    let notice = Outgoing::RegisterAttempt {
        account_id: owner.id.clone(),
    };
    outgoing::queue(
        &mut tx,
        &notice,
        Some(&format!("register_attempt:{}", owner.id)),
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(account.id = %owner.id, "registration with a taken email refused");
    Err(Error::conflict(Code::EmailTaken).on_field("email"))
}

struct NewAccount {
    phone: Phone,
    email: Email,
    locale: Locale,
    email_verified: bool,
}

/// Inserts the account; an unverified email gets its verification link queued.
async fn create(app: &App, mut tx: Tx, new: NewAccount, password_hash: &str) -> Result<Account> {
    let now = app.now();
    let account = Account {
        id: new_id("acc", now),
        phone: new.phone,
        email: new.email,
        email_verified: new.email_verified,
        locale: new.locale,
        created_at: now,
    };
    store::insert_account(&mut tx, &account, password_hash).await?;
    if !account.email_verified {
        let link = Outgoing::EmailVerification {
            account_id: account.id.clone(),
        };
        outgoing::queue(&mut tx, &link, None, now).await?;
    }
    tx.commit().await?;
    tracing::info!(account.id = %account.id, "account registered");
    Ok(account)
}

/// Creates an account whose phone and email are taken as already verified: for the
/// demo seed and for operators' imports, never reachable from a request.
pub async fn create_verified(
    app: &App,
    phone: Phone,
    email: Email,
    password: &str,
    locale: Locale,
) -> Result<Account> {
    let password = Password::new(
        password,
        app.config.accounts.min_password_length,
        &[phone.as_str(), email.as_str()],
    )?;
    let hash = password.hash_off_thread(&app.hashers).await?;
    let tx = app.db.begin().await?;
    let new = NewAccount {
        phone,
        email,
        locale,
        email_verified: true,
    };
    create(app, tx, new, &hash).await
}
