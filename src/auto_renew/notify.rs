//! Auto-renew's messages: each at most once per period per kind (a row in `alerts`),
//! by email at once and by SMS unless the subscriber turned SMS off — outside quiet
//! hours (22:00–08:00 in `locale.time_zone`) unless urgent; a deferred SMS is a job
//! due at 08:00.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::i18n::{Locale, t, tf};
use crate::jobs::{self, Job};
use crate::messages::html::{self, QrWords};
use crate::messages::{Channel, HtmlPart, Message};

pub const NOTIFY_JOB: &str = "auto_renew.notify";

/// No non-urgent SMS from 22:00 until 08:00 local time.
const QUIET_FROM: u32 = 22;
const QUIET_UNTIL: u32 = 8;

#[derive(Debug, Serialize, Deserialize)]
struct NotifyJob {
    period_id: String,
    iccid: String,
    kind: String,
    sms: bool,
}

/// When a non-urgent SMS may go: `now`, or 08:00 local when `now` is in quiet hours.
pub fn quiet_until(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let local = now.with_timezone(&zone);
    let day = match local.hour() {
        h if h >= QUIET_FROM => local.date_naive() + Duration::days(1),
        h if h < QUIET_UNTIL => local.date_naive(),
        _ => return now,
    };
    let eight = day.and_time(NaiveTime::from_hms_opt(QUIET_UNTIL, 0, 0).unwrap_or_default());
    zone.from_local_datetime(&eight)
        .earliest()
        .map_or(now, |at| at.with_timezone(&Utc))
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
    let fresh = sqlx::query(
        "INSERT INTO alerts (period_id, kind, iccid, sent_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (period_id, kind) DO NOTHING",
    )
    .bind(period_id)
    .bind(kind)
    .bind(iccid)
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if !fresh {
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
    let row = sqlx::query(
        "SELECT a.id AS account_id, a.phone, a.email, a.locale, p.plan_version_id, p.ends_at FROM lines l \
         JOIN accounts a ON a.id = l.account_id JOIN line_periods p ON p.id = $1 WHERE l.iccid = $2",
    )
    .bind(&work.period_id)
    .bind(&work.iccid)
    .fetch_optional(app.db.reader())
    .await?;
    let Some(row) = row else { return Ok(()) };
    let settings = super::settings(app, &work.iccid).await?;
    if work.sms && !settings.sms {
        return Ok(());
    }
    let locale = Locale::parse(&row.try_get::<String, _>("locale")?)
        .unwrap_or(app.config.locale.default_language);
    let account_id: String = row.try_get("account_id")?;
    let version_id: String = row.try_get("plan_version_id")?;
    let current_plan = crate::catalog::plan_of_version(app.db.reader(), &version_id)
        .await?
        .as_str()
        .to_owned();
    let ends_at = from_millis(row.try_get("ends_at")?);
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
            to: row.try_get("phone")?,
            locale,
            kind: work.kind.clone(),
            subject: String::new(),
            body,
            html: None,
        }
    } else {
        let subject = t(locale, &format!("{key}.subject"));
        let html = body
            .contains(&link)
            .then(|| link_with_qr(locale, &subject, &body, &link))
            .flatten();
        Message {
            channel: Channel::Email,
            to: row.try_get("email")?,
            locale,
            kind: work.kind.clone(),
            subject,
            body,
            html,
        }
    };
    app.messenger.send(&message).await.map_err(Error::internal)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn hk(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|at| at.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn quiet_hours_defer_to_eight_in_the_morning() {
        let zone = chrono_tz::Asia::Hong_Kong;
        let day = hk("2026-11-25T10:00:00+08:00");
        assert_eq!(quiet_until(day, zone), day);
        assert_eq!(
            quiet_until(hk("2026-11-25T21:59:59+08:00"), zone),
            hk("2026-11-25T21:59:59+08:00")
        );
        assert_eq!(
            quiet_until(hk("2026-11-25T22:00:00+08:00"), zone),
            hk("2026-11-26T08:00:00+08:00")
        );
        assert_eq!(
            quiet_until(hk("2026-11-26T03:30:00+08:00"), zone),
            hk("2026-11-26T08:00:00+08:00")
        );
        assert_eq!(
            quiet_until(hk("2026-11-26T08:00:00+08:00"), zone),
            hk("2026-11-26T08:00:00+08:00")
        );
    }
}
