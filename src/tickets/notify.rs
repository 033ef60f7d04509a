//! Telling the subscriber: every public staff reply queues a job in the reply's
//! transaction that emails the reply and sends an SMS with the case's short link,
//! in the subscriber's language (the SMS waits out quiet hours). And the background
//! loop's auto-close of cases resolved `[support] auto_close_days` ago.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::audit;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::i18n::tf;
use crate::jobs::{self, Job};
use crate::messages::{Channel, Message as Outgoing};

use super::state::{Event, next};
use super::{Message, Ticket, store};

pub const NOTIFY_JOB: &str = "tickets.notify";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotifyJob {
    pub ticket_id: String,
    pub message_id: String,
    /// The email went already; only the SMS is left (after quiet hours).
    #[serde(default)]
    pub sms_only: bool,
}

pub(super) async fn queue_in(
    tx: &mut Tx,
    ticket: &Ticket,
    message: &Message,
    now: DateTime<Utc>,
) -> Result<()> {
    let job = NotifyJob {
        ticket_id: ticket.id.clone(),
        message_id: message.id.clone(),
        sms_only: false,
    };
    jobs::enqueue(
        tx,
        NOTIFY_JOB,
        Some(&format!("ticket-reply:{}", message.id)),
        &job,
        now,
        now,
    )
    .await
}

pub(super) async fn queue_for(app: &App, ticket: &Ticket, message: &Message) -> Result<()> {
    let mut tx = app.db.begin().await?;
    queue_in(&mut tx, ticket, message, app.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// The short link an SMS carries: `<public_url>/c/<number>`.
pub fn short_link(app: &App, ticket: &Ticket) -> String {
    format!("{}/c/{}", app.config.public_url(), ticket.number)
}

/// Runs one queued notification (the job runner's handler).
pub async fn send_notification(app: &App, job: &Job) -> Result<()> {
    let notice: NotifyJob = job.payload()?;
    let Some(ticket) = store::find(app.db.reader(), &notice.ticket_id).await? else {
        return Ok(());
    };
    let messages = store::messages(app.db.reader(), &ticket.id, false).await?;
    let Some(reply) = messages.iter().find(|m| m.id == notice.message_id) else {
        return Ok(());
    };
    let Some(account) = crate::accounts::find(app, &ticket.account_id).await? else {
        return Ok(());
    };
    let locale = account.locale;
    let reference = ticket.reference();
    let link = format!("{}/support/{}", app.config.public_url(), ticket.id);
    let now = app.now();
    if !notice.sms_only {
        let body = tf(
            locale,
            "tickets.message.email_body",
            &[
                ("reference", &reference),
                ("subject", &ticket.subject),
                ("reply", &reply.body),
                ("link", &link),
            ],
        );
        let email = Outgoing {
            channel: Channel::Email,
            to: account.email.to_string(),
            locale,
            kind: "ticket_reply".into(),
            subject: tf(
                locale,
                "tickets.message.email_subject",
                &[("reference", &reference)],
            ),
            body,
            html: None,
            unsubscribe: None,
        };
        app.messenger
            .send(&app.db, app.now(), &email)
            .await
            .map_err(Error::internal)?;
    }
    let sms_at = crate::messages::quiet_until(now, app.config.time_zone());
    if sms_at > now {
        let later = NotifyJob {
            sms_only: true,
            ..notice
        };
        let mut tx = app.db.begin().await?;
        jobs::enqueue(&mut tx, NOTIFY_JOB, None, &later, sms_at, now).await?;
        tx.commit().await?;
        return Ok(());
    }
    let sms = Outgoing {
        channel: Channel::Sms,
        to: account.phone.to_string(),
        locale,
        kind: "ticket_reply".into(),
        subject: String::new(),
        body: tf(
            locale,
            "tickets.message.sms",
            &[
                ("reference", &reference),
                ("link", &short_link(app, &ticket)),
            ],
        ),
        html: None,
        unsubscribe: None,
    };
    app.messenger
        .send(&app.db, app.now(), &sms)
        .await
        .map_err(Error::internal)?;
    Ok(())
}

/// Closes the cases resolved at least `[support] auto_close_days` ago (guarded: a
/// case the subscriber reopened meanwhile stays open); returns how many.
pub async fn auto_close(app: &App) -> Result<usize> {
    let now = app.now();
    let before = now - Duration::days(app.config.support.auto_close_days);
    let key = audit::Key::from_secret(&app.secret);
    let mut closed = 0;
    for ticket in store::resolved_before(app.db.reader(), before).await? {
        let Some(to) = next(ticket.state, Event::AutoClose) else {
            continue;
        };
        let mut tx = audit::begin(&app.db).await?;
        if store::move_state(&mut tx, &ticket.id, ticket.state, to, false, now).await? {
            audit::record(
                &mut tx,
                &key,
                now,
                "system",
                "ticket.auto_close",
                &ticket.id,
                &format!("resolved {} days ago", app.config.support.auto_close_days),
            )
            .await?;
            closed += 1;
        }
        tx.commit().await?;
    }
    Ok(closed)
}
