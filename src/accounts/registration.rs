//! Sending verification codes, and registering with one.

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::i18n::Locale;
use crate::ids::new_id;
use crate::messages::{Channel, Message, texts};

use super::code_store::{self, NewCode, StoredCode};
use super::codes::{self, CodeCheck, CodePolicy, Purpose};
use super::password::Password;
use super::store;
use super::{Account, Destination, Email, Phone};

pub struct CodeRequest {
    pub destination: Destination,
    pub purpose: Purpose,
    /// Language of the message when there is no account to take it from.
    pub locale: Locale,
    pub client: String,
    /// The signed-in account, for `change_phone`.
    pub account_id: Option<String>,
}

/// Sends a code if one may be sent; answers the same whether or not an account
/// exists. Returns the seconds the code stays valid.
pub async fn request_code(app: &App, request: CodeRequest) -> Result<i64> {
    issue_code(app, request, None).await
}

async fn issue_code(app: &App, request: CodeRequest, payload: Option<String>) -> Result<i64> {
    let policy = CodePolicy::from(&app.config.accounts);
    let now = app.now();
    let destination = request.destination.as_str();
    match (&request.purpose, &request.destination) {
        (Purpose::Register | Purpose::ChangePhone, Destination::Email(_)) => {
            return Err(Error::invalid("invalid_phone").on_field("phone"));
        }
        (Purpose::ChangePhone, _) if request.account_id.is_none() => {
            return Err(Error::unauthenticated("unauthenticated"));
        }
        _ => {}
    }

    let mut tx = app.db.begin().await?;
    code_store::serialise_sends(&mut tx, app.db.backend(), destination).await?;
    let history = code_store::send_history(&mut tx, destination, &request.client, now).await?;
    if let Err(wait) = policy.may_send(&history, now) {
        return Err(Error::rate_limited("too_many_codes", wait));
    }
    let existing = store::find_by_login(&mut *tx, destination)
        .await?
        .map(|(account, _)| account);
    let code = codes::generate();
    let channel = match request.destination {
        Destination::Phone(_) => Channel::Sms,
        Destination::Email(_) => Channel::Email,
    };
    let minutes = policy.ttl.num_minutes();
    let (message, account_id): (Option<Message>, Option<String>) =
        match (request.purpose, &existing) {
            (Purpose::Register, Some(owner)) => (
                Some(texts::already_registered(
                    destination,
                    owner.locale,
                    &app.config.public_url(),
                )),
                None,
            ),
            (Purpose::Register, None) => (
                Some(texts::verification_code(
                    channel,
                    destination,
                    request.locale,
                    &code,
                    minutes,
                )),
                None,
            ),
            (Purpose::ResetPassword, Some(owner)) => (
                Some(texts::verification_code(
                    channel,
                    destination,
                    owner.locale,
                    &code,
                    minutes,
                )),
                Some(owner.id.clone()),
            ),
            (Purpose::ResetPassword, None) | (Purpose::ChangePhone, Some(_)) => (None, None),
            (Purpose::ChangePhone, None) => (
                Some(texts::verification_code(
                    channel,
                    destination,
                    request.locale,
                    &code,
                    minutes,
                )),
                request.account_id.clone(),
            ),
        };
    // Without a message the stored hash is of a code nobody has, so that the row still
    // counts against the limits and a later entry fails like any wrong code.
    let sends_code = matches!(message.as_ref(), Some(m) if m.kind == "verification_code");
    let stored_code = if sends_code {
        code
    } else {
        codes::generate() + "x"
    };
    let id = new_id("vc", now);
    code_store::insert_code(
        &mut tx,
        &NewCode {
            id: &id,
            destination,
            purpose: request.purpose,
            code_hash: &codes::hash(&app.secret, request.purpose, destination, &stored_code),
            account_id: account_id.as_deref(),
            payload: payload.as_deref(),
            client: &request.client,
            created_at: now,
            expires_at: now + policy.ttl,
        },
    )
    .await?;
    tx.commit().await?;
    if let Some(message) = message {
        app.messenger
            .send(&message)
            .await
            .map_err(Error::internal)?;
    }
    Ok(policy.ttl.num_seconds())
}

/// Checks an entered code inside `tx`. A wrong entry is counted (and committed)
/// before the error is returned; a right one is closed, and the caller commits.
pub(super) async fn verify_code(
    app: &App,
    mut tx: Tx,
    purpose: Purpose,
    destination: &str,
    entered: &str,
) -> Result<(Tx, StoredCode)> {
    let entered = entered.trim();
    if !codes::is_well_formed(entered) {
        return Err(Error::invalid("invalid_code").on_field("code"));
    }
    let now = app.now();
    let Some(stored) = code_store::latest_code(&mut tx, destination, purpose).await? else {
        return Err(Error::invalid("invalid_code").on_field("code"));
    };
    let expected = codes::hash(&app.secret, purpose, destination, entered);
    let matches: bool =
        subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), stored.code_hash.as_bytes()).into();
    let policy = CodePolicy::from(&app.config.accounts);
    if let failed @ (CodeCheck::Expired | CodeCheck::Exhausted) =
        policy.check(&stored.record, true, now)
    {
        return Err(Error::invalid(failed.error_code()).on_field("code"));
    }
    // Each entry takes one of the tries first, in a statement that checks the limit, so
    // that guesses sent in parallel cannot get more tries than allowed.
    if !code_store::take_attempt(&mut tx, &stored.id, policy.max_attempts).await? {
        return Err(Error::invalid("code_attempts_exceeded").on_field("code"));
    }
    if !matches {
        tx.commit().await?;
        return Err(Error::invalid("invalid_code").on_field("code"));
    }
    if !code_store::close_code(&mut tx, &stored.id, now).await? {
        return Err(Error::invalid("code_expired").on_field("code"));
    }
    Ok((tx, stored))
}

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
    let phone = Phone::parse(phone)?;
    let email = Email::parse(email)?;
    let password = Password::new(
        password,
        app.config.accounts.min_password_length,
        &[phone.as_str(), email.as_str()],
    )?;
    let payload = RegistrationPayload {
        email,
        password_hash: password.hash_off_thread().await?,
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

/// Portal step two: the code from the SMS creates the account typed in step one.
pub async fn complete_registration(app: &App, phone: &str, code: &str) -> Result<Account> {
    let phone = Phone::parse(phone)?;
    let tx = app.db.begin().await?;
    let (tx, stored) = verify_code(app, tx, Purpose::Register, phone.as_str(), code).await?;
    let payload: RegistrationPayload = stored
        .payload
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .ok_or_else(|| Error::invalid("registration_incomplete"))?;
    create(
        app,
        tx,
        phone,
        payload.email,
        &payload.password_hash,
        payload.locale,
    )
    .await
}

/// The API's one-step registration: the code was requested first.
pub async fn register(
    app: &App,
    phone: &str,
    email: &str,
    password: &str,
    code: &str,
    locale: Locale,
) -> Result<Account> {
    let phone = Phone::parse(phone)?;
    let email = Email::parse(email)?;
    let password = Password::new(
        password,
        app.config.accounts.min_password_length,
        &[phone.as_str(), email.as_str()],
    )?;
    if !codes::is_well_formed(code.trim()) {
        return Err(Error::invalid("invalid_code").on_field("code"));
    }
    let hash = password.hash_off_thread().await?;
    let tx = app.db.begin().await?;
    let (tx, _) = verify_code(app, tx, Purpose::Register, phone.as_str(), code).await?;
    create(app, tx, phone, email, &hash, locale).await
}

async fn create(
    app: &App,
    mut tx: Tx,
    phone: Phone,
    email: Email,
    password_hash: &str,
    locale: Locale,
) -> Result<Account> {
    let now = app.now();
    let account = Account {
        id: new_id("acc", now),
        phone,
        email,
        locale,
        created_at: now,
    };
    store::insert_account(&mut tx, &account, password_hash).await?;
    tx.commit().await?;
    tracing::info!(account.id = %account.id, "account registered");
    Ok(account)
}

/// Creates an account whose phone is taken as already verified: for the demo seed
/// and for operators' imports, never reachable from a request.
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
    let hash = password.hash_off_thread().await?;
    let tx = app.db.begin().await?;
    create(app, tx, phone, email, &hash, locale).await
}
