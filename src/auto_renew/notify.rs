//! Auto-renew's messages: each at most once per period per kind (a row in `alerts`),
//! by email at once and by SMS unless the subscriber turned SMS off — outside quiet
//! hours (22:00–08:00 in `locale.time_zone`) unless urgent; a deferred SMS is a job
//! due at 08:00.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::i18n::{Locale, t, tf};
use crate::jobs::{self, Job};
use crate::messages::html::{self, QrWords};
use crate::messages::{Channel, HtmlPart, Message, quiet_until};
use crate::usage::alert_log;

pub const NOTIFY_JOB: &str = "auto_renew.notify";

#[derive(Debug, Serialize, Deserialize)]
struct NotifyJob {
    period_id: String,
    iccid: String,
    kind: String,
    sms: bool,
}

/// Records the reminder for the period and queues its email (now) and SMS (now if
/// urgent, else after quiet hours), in the caller's transaction. Nothing happens
/// when this kind was sent for this period before; returns whether it was new.
#[expect(clippy::too_many_arguments, reason = "one reminder, fully described")]
pub(super) async fn remind(
    tx: &mut Tx,
    app: &App,
    period_id: &str,
    iccid: &str,
    kind: &str,
    urgent: bool,
    sms: bool,
    now: DateTime<Utc>,
) -> Result<bool> {
    if !alert_log::mark_once(tx, period_id, kind, iccid, now).await? {
        return Ok(false);
    }
    let job = |sms| NotifyJob {
        period_id: period_id.to_owned(),
        iccid: iccid.to_owned(),
        kind: kind.to_owned(),
        sms,
    };
    jobs::enqueue(tx, NOTIFY_JOB, None, &job(false), now, now).await?;
    if sms {
        let at = if urgent {
            now
        } else {
            quiet_until(now, app.config.time_zone())
        };
        jobs::enqueue(tx, NOTIFY_JOB, None, &job(true), at, now).await?;
    }
    Ok(true)
}

/// Sends one queued reminder by one channel.
pub async fn send_notification(app: &App, job: &Job) -> Result<()> {
    let work: NotifyJob = job.payload()?;
    let Some(period) = crate::lines::period_of_line(app, &work.period_id, &work.iccid).await?
    else {
        return Ok(());
    };
    let Some(account_id) = period.account_id.as_ref().map(|id| id.as_str().to_owned()) else {
        return Ok(());
    };
    let Some(account) = crate::accounts::find(app, &account_id).await? else {
        return Ok(());
    };
    let settings = super::settings(app, &work.iccid).await?;
    if work.sms && !settings.sms {
        return Ok(());
    }
    // Reminders and failures follow the subscriber's alert channels; a renewal done is
    // the receipt of a charge and always goes.
    let receipt =
        work.kind.starts_with("auto_renew_done") || work.kind.starts_with("auto_renew_card_done");
    let channel = if work.sms {
        Channel::Sms
    } else {
        Channel::Email
    };
    if !receipt
        && !crate::preferences::alert_channels(app, &account_id)
            .await?
            .get(channel)
    {
        return Ok(());
    }
    let locale = account.locale;
    let current_plan = period.plan_code;
    let ends_at = period.ends_at;
    let request = super::request_for(&settings, &current_plan);
    let plan = request.plan_code.clone().unwrap_or(current_plan);
    let amount = crate::orders::quote(app, &account_id, &request)
        .await
        .map(|q| q.total().to_string())
        .unwrap_or_default();
    let link = format!(
        "{}/checkout?plan={plan}&iccid={}",
        app.config.public_url(),
        work.iccid
    );
    let tail = &work.iccid[work.iccid.len().saturating_sub(4)..];
    let ends = ends_at
        .with_timezone(&app.config.time_zone())
        .format("%Y-%m-%d %H:%M")
        .to_string();
    // `auto_renew_failed_0`, `_1`, … share one text, and so do the card's.
    let text = ["auto_renew_failed", "auto_renew_card_failed"]
        .into_iter()
        .find(|text| work.kind.starts_with(&format!("{text}_")))
        .unwrap_or(work.kind.as_str());
    let key = format!("renew.{text}");
    let body = tf(
        locale,
        &format!("{key}.body"),
        &[
            ("line", tail),
            ("link", &link),
            ("amount", &amount),
            ("ends", &ends),
        ],
    );
    let message = if work.sms {
        Message {
            channel: Channel::Sms,
            to: account.phone.to_string(),
            locale,
            kind: work.kind.clone(),
            subject: String::new(),
            body,
            html: None,
            unsubscribe: None,
        }
    } else {
        let subject = t(locale, &format!("{key}.subject"));
        let html = body
            .contains(&link)
            .then(|| link_with_qr(locale, &subject, &body, &link))
            .flatten();
        Message {
            channel: Channel::Email,
            to: account.email.to_string(),
            locale,
            kind: work.kind.clone(),
            subject,
            body,
            html,
            unsubscribe: None,
        }
    };
    app.messenger
        .send(&app.db, app.now(), &message)
        .await
        .map_err(Error::internal)
}

/// An email that offers the pre-filled checkout also shows it as a QR code: read on
/// a computer, the link is easier to open on the phone that pays (Alipay and WeChat
/// Pay live there). Should the code fail (not for a link of ours), the text goes alone.
fn link_with_qr(locale: Locale, subject: &str, body: &str, link: &str) -> Option<HtmlPart> {
    let (caption, alt) = (t(locale, "renew.qr.caption"), t(locale, "renew.qr.alt"));
    let words = QrWords {
        caption: &caption,
        alt: &alt,
    };
    match html::with_link_qr(locale, subject, body, link, &words) {
        Ok(part) => Some(part),
        Err(error) => {
            tracing::warn!(error = %error, "reminder email sent without its QR code");
            None
        }
    }
}
