//! Messages about accounts (codes, email links, notices) leave through the job
//! queue. A request only queues one, the same way whether or not an account
//! exists, so its answer and its timing say nothing; the worker decides what is
//! sent, and the code itself is made only then (no code waits in the queue).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::i18n::Locale;
use crate::jobs::{self, Job};
use crate::messages::{Channel, Message, texts};

use super::code_store;
use super::codes::{self, CodePolicy, Purpose};
use super::{email_verification, store};

pub const MESSAGE_JOB: &str = "accounts.message";

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "send", rename_all = "snake_case")]
pub(super) enum Outgoing {
    /// Whatever the queued code row calls for: a code, a notice, or nothing.
    Code { code_id: String, locale: Locale },
    /// A link that proves the account's email.
    EmailVerification { account_id: String },
    /// Someone tried to register with this account's email.
    RegisterAttempt { account_id: String },
}

/// Queues a message in the caller's transaction; with `unique_key`, at most one
/// such message waits at a time.
pub(super) async fn queue(
    tx: &mut Tx,
    outgoing: &Outgoing,
    unique_key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    jobs::enqueue(tx, MESSAGE_JOB, unique_key, outgoing, now, now).await
}

/// Runs one queued message (the job runner's handler).
pub async fn send_message(app: &App, job: &Job) -> Result<()> {
    let message = match job.payload::<Outgoing>()? {
        Outgoing::Code { code_id, locale } => code_message(app, &code_id, locale).await?,
        Outgoing::EmailVerification { account_id } => {
            email_verification::link_message(app, &account_id).await?
        }
        Outgoing::RegisterAttempt { account_id } => store::find_by_id(app.db.reader(), &account_id)
            .await?
            .map(|owner| {
                texts::register_attempt(
                    owner.email.as_str(),
                    owner.locale,
                    &app.config.public_url(),
                )
            }),
    };
    if let Some(message) = message {
        app.messenger
            .send(&app.db, app.now(), &message)
            .await
            .map_err(Error::internal)?;
    }
    Ok(())
}

/// Decides what a queued code row sends: a code to a new number, a notice to a
/// registered one, a reset code only to an account's phone or verified email.
async fn code_message(app: &App, code_id: &str, locale: Locale) -> Result<Option<Message>> {
    let policy = CodePolicy::from(&app.config.accounts);
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let Some(queued) = code_store::queued_code(&mut tx, code_id).await? else {
        return Ok(None);
    };
    if queued.closed || now >= queued.expires_at {
        return Ok(None);
    }
    let destination = queued.destination.as_str();
    let channel = if destination.starts_with('+') {
        Channel::Sms
    } else {
        Channel::Email
    };
    let existing = store::find_by_login(&mut *tx, destination)
        .await?
        .map(|(account, _)| account);
    let code = codes::generate();
    let minutes = policy.ttl.num_minutes();
    let with_code = |locale| texts::verification_code(channel, destination, locale, &code, minutes);
    let (message, owner) = match (queued.purpose, &existing) {
        (Purpose::Register, Some(owner)) => (
            Some(texts::already_registered(
                destination,
                owner.locale,
                &app.config.public_url(),
            )),
            None,
        ),
        (Purpose::Register, None) => (Some(with_code(locale)), None),
        (Purpose::ResetPassword, Some(owner)) => {
            (Some(with_code(owner.locale)), Some(owner.id.as_str()))
        }
        (Purpose::ChangePhone, None) if queued.account_id.is_some() => {
            (Some(with_code(locale)), None)
        }
        (Purpose::ResetPassword, None) | (Purpose::ChangePhone, _) => (None, None),
    };
    if matches!(&message, Some(m) if m.kind == "verification_code") {
        let hash = codes::hash(&app.secret, queued.purpose, destination, &code);
        code_store::set_sent_code(&mut tx, code_id, &hash, owner).await?;
    }
    tx.commit().await?;
    Ok(message)
}
