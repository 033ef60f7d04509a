//! Asking for a verification code, and checking one that was entered.

use crate::app::App;
use crate::db::Tx;
use crate::error::{Code, Error, Result};
use crate::i18n::Locale;
use crate::ids::new_id;

use super::code_store::{self, NewCode, StoredCode};
use super::codes::{self, CodeCheck, CodePolicy, Purpose};
use super::outgoing::{self, Outgoing};
use super::{Destination, Phone};

pub struct CodeRequest {
    pub destination: Destination,
    pub purpose: Purpose,
    /// Language of the message when there is no account to take it from.
    pub locale: Locale,
    pub client: String,
    /// The signed-in account, for `change_phone`.
    pub account_id: Option<String>,
}

/// Queues a code if one may be sent; answers, and works, the same whether or not an
/// account exists (the job decides what is sent). Returns the seconds the code
/// stays valid.
pub async fn request_code(app: &App, request: CodeRequest) -> Result<i64> {
    issue_code(app, request, None).await
}

/// Refuses early, reading only, when no code could be sent to `phone` from
/// `client` now: the portal checks this before it spends a hash on the form.
pub(super) async fn may_send(app: &App, phone: &Phone, client: &str) -> Result<()> {
    match code_wait(app, phone.as_str(), client).await? {
        0 => Ok(()),
        wait => Err(Error::rate_limited(Code::TooManyCodes, wait)),
    }
}

/// Seconds until another code may be sent to `destination` from `client` (0: now),
/// by the same limits [`request_code`] applies: for a "send a new code" button that
/// says when it can be used.
pub async fn code_wait(app: &App, destination: &str, client: &str) -> Result<i64> {
    let policy = CodePolicy::from(&app.config.accounts);
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let history = code_store::send_history(&mut tx, destination, client, now).await?;
    drop(tx);
    Ok(policy.may_send(&history, now).err().unwrap_or(0))
}

pub(super) async fn issue_code(
    app: &App,
    request: CodeRequest,
    payload: Option<String>,
) -> Result<i64> {
    let policy = CodePolicy::from(&app.config.accounts);
    let now = app.now();
    let destination = request.destination.as_str();
    match (&request.purpose, &request.destination) {
        (Purpose::Register | Purpose::ChangePhone, Destination::Email(_)) => {
            return Err(Error::invalid(Code::InvalidPhone).on_field("phone"));
        }
        (Purpose::ChangePhone, _) if request.account_id.is_none() => {
            return Err(Error::unauthenticated(Code::Unauthenticated));
        }
        _ => {}
    }

    let mut tx = app.db.begin().await?;
    code_store::serialise_sends(&mut tx, app.db.backend(), destination).await?;
    let history = code_store::send_history(&mut tx, destination, &request.client, now).await?;
    if let Err(wait) = policy.may_send(&history, now) {
        return Err(Error::rate_limited(Code::TooManyCodes, wait));
    }
    // The row holds the hash of a code nobody has until the job sends a real one, so
    // that it counts against the limits and an entry before then fails like any
    // wrong code.
    let id = new_id("vc", now);
    let unknown = codes::generate() + "x";
    code_store::insert_code(
        &mut tx,
        &NewCode {
            id: &id,
            destination,
            purpose: request.purpose,
            code_hash: &codes::hash(&app.secret, request.purpose, destination, &unknown),
            account_id: request.account_id.as_deref(),
            payload: payload.as_deref(),
            client: &request.client,
            created_at: now,
            expires_at: now + policy.ttl,
        },
    )
    .await?;
    let message = Outgoing::Code {
        code_id: id,
        locale: request.locale,
    };
    outgoing::queue(&mut tx, &message, None, now).await?;
    tx.commit().await?;
    Ok(policy.ttl.num_seconds())
}

/// Checks an entered code inside `tx`, taking one of its tries first. A wrong entry
/// is committed (the try stays used) before the error is returned; a right one
/// comes back with the try taken, still open: the caller closes it with
/// [`use_code`] in the transaction that does what the code was for.
pub(super) async fn verify_code(
    app: &App,
    mut tx: Tx,
    purpose: Purpose,
    destination: &str,
    entered: &str,
) -> Result<(Tx, StoredCode)> {
    let entered = entered.trim();
    if !codes::is_well_formed(entered) {
        return Err(Error::invalid(Code::InvalidCode).on_field("code"));
    }
    let now = app.now();
    let Some(stored) = code_store::latest_code(&mut tx, destination, purpose).await? else {
        return Err(Error::invalid(Code::InvalidCode).on_field("code"));
    };
    let expected = codes::hash(&app.secret, purpose, destination, entered);
    let matches: bool =
        subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), stored.code_hash.as_bytes()).into();
    let policy = CodePolicy::from(&app.config.accounts);
    if let failed @ (CodeCheck::Expired | CodeCheck::Exhausted) =
        policy.check(&stored.record, true, now)
        && let Some(code) = failed.error_code()
    {
        return Err(Error::invalid(code).on_field("code"));
    }
    // Each entry takes one of the tries first, in a statement that checks the limit, so
    // that guesses sent in parallel cannot get more tries than allowed.
    if !code_store::take_attempt(&mut tx, &stored.id, policy.max_attempts).await? {
        return Err(Error::invalid(Code::CodeAttemptsExceeded).on_field("code"));
    }
    if !matches {
        tx.commit().await?;
        return Err(Error::invalid(Code::InvalidCode).on_field("code"));
    }
    Ok((tx, stored))
}

/// Closes a code that was checked right; `code_expired` when another request used
/// it first.
pub(super) async fn use_code(tx: &mut Tx, stored: &StoredCode, app: &App) -> Result<()> {
    if code_store::close_code(tx, &stored.id, app.now()).await? {
        Ok(())
    } else {
        Err(Error::invalid(Code::CodeExpired).on_field("code"))
    }
}
