//! The message log (`sent_messages`): every SMS and email as [`super::Messenger`]
//! sent it — who to, what kind, in which language, the text, and whether the
//! transport took it — so that support can see what a customer was told and send it
//! again. A text that held a one-time code or link is not kept: it is logged as
//! withheld, and cannot be sent again.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::clock::{from_millis, to_millis};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::i18n::Locale;
use crate::ids::new_id;

use super::{Channel, Message};

/// Kinds whose text is a secret for the recipient alone (a verification code, an
/// email-verification link): logged without it.
const SECRET_KINDS: [&str; 2] = ["verification_code", "email_verification"];

/// Longest transport error kept (they can be long; the cause is in the server log).
const MAX_ERROR_CHARS: usize = 300;

pub fn holds_secret(kind: &str) -> bool {
    SECRET_KINDS.contains(&kind)
}

/// One message as it was sent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SentMessage {
    pub id: String,
    pub sent_at: DateTime<Utc>,
    pub channel: Channel,
    /// The E.164 phone number or the email address it went to.
    pub to: String,
    /// What it was about: `verification_code`, `alert_low_data`, `auto_renew_reminder`…
    pub kind: String,
    /// `zh-HK`, `zh-CN` or `en`.
    pub locale: String,
    /// An email's subject; empty for SMS.
    pub subject: String,
    /// The text (an email's plain-text part); empty when withheld.
    pub body: String,
    /// The email also had an HTML part (not kept; a resend sends the text).
    pub had_html: bool,
    /// The text held a one-time code or link and was not kept.
    pub withheld: bool,
    /// `sent` (the transport took it) or `failed`.
    pub result: String,
    /// Why the transport refused it.
    pub error: Option<String>,
    /// The message this one sent again.
    pub resend_of: Option<String>,
    /// The staff member (or operator key) who sent it again.
    pub resent_by: Option<String>,
}

impl SentMessage {
    /// The same text again, to the same address; `None` when it was withheld, or when
    /// it was marketing: the subscriber may have opted out since, and consent is
    /// checked at sending, not by staff (PDPO Part VIA).
    pub fn again(&self) -> Option<Message> {
        if self.withheld || self.kind == "announcement_marketing" {
            return None;
        }
        Some(Message {
            channel: self.channel,
            to: self.to.clone(),
            locale: Locale::parse(&self.locale).unwrap_or(Locale::En),
            kind: self.kind.clone(),
            subject: self.subject.clone(),
            body: self.body.clone(),
            html: None,
            unsubscribe: None,
        })
    }
}

/// Who sent a message again, and which one.
pub struct Resend<'a> {
    pub of: &'a str,
    pub by: &'a str,
}

const COLUMNS: &str = "id, sent_at, channel, recipient, kind, locale, subject, body, had_html, withheld, result, error, resend_of, resent_by";

fn read(row: &sqlx::any::AnyRow) -> Result<SentMessage> {
    let channel: String = row.try_get("channel")?;
    Ok(SentMessage {
        id: row.try_get("id")?,
        sent_at: from_millis(row.try_get("sent_at")?),
        channel: if channel == "email" {
            Channel::Email
        } else {
            Channel::Sms
        },
        to: row.try_get("recipient")?,
        kind: row.try_get("kind")?,
        locale: row.try_get("locale")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        had_html: row.try_get::<i64, _>("had_html")? != 0,
        withheld: row.try_get::<i64, _>("withheld")? != 0,
        result: row.try_get("result")?,
        error: row.try_get("error")?,
        resend_of: row.try_get("resend_of")?,
        resent_by: row.try_get("resent_by")?,
    })
}

/// Logs `message` as the transport answered (`delivery`); returns the entry's id.
pub(super) async fn record(
    db: &Db,
    at: DateTime<Utc>,
    message: &Message,
    delivery: &anyhow::Result<()>,
    resend: Option<&Resend<'_>>,
) -> Result<String> {
    let id = new_id("msg", at);
    let withheld = holds_secret(&message.kind);
    let error = delivery.as_ref().err().map(|error| {
        let text = format!("{error:#}");
        text.chars().take(MAX_ERROR_CHARS).collect::<String>()
    });
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO sent_messages (id, sent_at, channel, recipient, kind, locale, subject, body, had_html, withheld, result, error, resend_of, resent_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&id)
    .bind(to_millis(at))
    .bind(match message.channel {
        Channel::Sms => "sms",
        Channel::Email => "email",
    })
    .bind(&message.to)
    .bind(&message.kind)
    .bind(message.locale.tag())
    .bind(&message.subject)
    .bind(if withheld { "" } else { message.body.as_str() })
    .bind(i64::from(message.html.is_some()))
    .bind(i64::from(withheld))
    .bind(if delivery.is_ok() { "sent" } else { "failed" })
    .bind(error)
    .bind(resend.map(|r| r.of))
    .bind(resend.map(|r| r.by))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn find(db: &Db, id: &str) -> Result<Option<SentMessage>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM sent_messages WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(read).transpose()
}

/// The newest `limit` messages sent to any of `recipients` (a customer's phone and
/// email), newest first.
pub async fn sent_to(db: &Db, recipients: &[&str], limit: i64) -> Result<Vec<SentMessage>> {
    if recipients.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=recipients.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM sent_messages WHERE recipient IN ({}) ORDER BY sent_at DESC, id DESC LIMIT {}",
        placeholders.join(", "),
        limit.max(1)
    );
    let mut query = sqlx::query(&sql);
    for recipient in recipients {
        query = query.bind(*recipient);
    }
    let rows = query.fetch_all(db.reader()).await?;
    rows.iter().map(read).collect()
}

/// The entry `id` as it was just logged (for the one who sent it again).
pub(super) async fn logged(db: &Db, id: &str) -> Result<SentMessage> {
    find(db, id)
        .await?
        .ok_or_else(|| Error::internal(anyhow::anyhow!("message log entry {id} vanished")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_links_are_the_recipients_alone() {
        assert!(holds_secret("verification_code"));
        assert!(holds_secret("email_verification"));
        assert!(!holds_secret("password_changed"));
        assert!(!holds_secret("alert_low_data"));
    }

    #[test]
    fn a_withheld_message_cannot_be_made_again() {
        let mut sent = SentMessage {
            id: "msg_1".into(),
            sent_at: Utc::now(),
            channel: Channel::Email,
            to: "a@example.com".into(),
            kind: "password_changed".into(),
            locale: "zh-HK".into(),
            subject: "密碼已更改".into(),
            body: "你的密碼已更改。".into(),
            had_html: true,
            withheld: false,
            result: "sent".into(),
            error: None,
            resend_of: None,
            resent_by: None,
        };
        let again = sent.again().expect("a text that was kept");
        assert_eq!(again.body, sent.body);
        assert_eq!(again.locale, Locale::ZhHk);
        assert!(again.html.is_none(), "the text alone goes again");
        sent.withheld = true;
        assert!(sent.again().is_none());
    }
}
