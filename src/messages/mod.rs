//! Outbound messages to subscribers (SMS and email) behind one sender trait.
//!
//! Demo and tests use the file outbox; production uses an HTTP SMS gateway and SMTP.

pub mod html;
mod http_sms;
pub mod log;
mod outbox;
mod qr;
mod quiet;
mod smtp;
pub mod texts;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::db::Db;
use crate::error::{Code, Error};
use crate::i18n::Locale;

pub use html::{HtmlPart, InlineImage};
pub use http_sms::HttpSmsSender;
pub use log::SentMessage;
pub use outbox::{FileOutbox, OutboxEntry};
pub use quiet::quiet_until;
pub use smtp::SmtpSender;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Email,
}

/// One message, already rendered in the recipient's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub channel: Channel,
    /// E.164 phone number or email address.
    pub to: String,
    pub locale: Locale,
    /// What the message is about, e.g. `verification_code`; for logs and the outbox.
    pub kind: String,
    /// Email subject; empty for SMS.
    pub subject: String,
    /// The text: all of an SMS, and the plain-text part of an email.
    pub body: String,
    /// An email's HTML alternative to `body`, with its inline images; `None` for
    /// SMS and for text-only email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<HtmlPart>,
    /// A marketing message's one-click opt-out link: email carries it also as
    /// `List-Unsubscribe` (RFC 2369) with `List-Unsubscribe-Post` (RFC 8058), so the
    /// reader's mail app can offer "Unsubscribe" itself. `None` for service messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe: Option<String>,
}

#[async_trait::async_trait]
pub trait Sender: Send + Sync + 'static {
    async fn send(&self, message: &Message) -> anyhow::Result<()>;
}

/// Routes each message to the sender for its channel.
#[derive(Clone)]
pub struct Messenger {
    sms: Arc<dyn Sender>,
    email: Arc<dyn Sender>,
    outbox: Option<Arc<FileOutbox>>,
}

impl Messenger {
    pub fn new(sms: Arc<dyn Sender>, email: Arc<dyn Sender>) -> Self {
        Self {
            sms,
            email,
            outbox: None,
        }
    }

    /// Every message to the file outbox (demo mode and tests).
    pub fn outbox_only(outbox: FileOutbox) -> Self {
        let outbox = Arc::new(outbox);
        Self {
            sms: outbox.clone(),
            email: outbox.clone(),
            outbox: Some(outbox),
        }
    }

    /// The transports the configuration names.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let outbox = Arc::new(FileOutbox::new(config.data_dir.join("outbox.jsonl")));
        let sms: Arc<dyn Sender> = match config.messages.sms_transport.as_str() {
            "http" => Arc::new(HttpSmsSender::new(&config.messages.sms)?),
            _ => outbox.clone(),
        };
        let email: Arc<dyn Sender> = match config.messages.email_transport.as_str() {
            "smtp" => Arc::new(SmtpSender::new(&config.messages.smtp)?),
            _ => outbox.clone(),
        };
        let uses_outbox = config.messages.sms_transport == "outbox"
            || config.messages.email_transport == "outbox";
        Ok(Self {
            sms,
            email,
            outbox: uses_outbox.then_some(outbox),
        })
    }

    /// Sends `message` and logs it in the message log (`at` is the log's time), the
    /// one way out for every message. The transport's answer is returned; a log that
    /// cannot be written is only warned about, so that a sent message is not retried.
    pub async fn send(&self, db: &Db, at: DateTime<Utc>, message: &Message) -> anyhow::Result<()> {
        let delivery = self.deliver(message).await;
        if let Err(error) = log::record(db, at, message, &delivery, None).await {
            tracing::warn!(message.kind = %message.kind, %error, "message not logged");
        }
        delivery
    }

    /// Sends the logged message `id` again, the same text to the same address, logged
    /// as a resend by `by`. Refused for a message whose text was withheld (a one-time
    /// code or link); the new entry says whether the transport took it.
    pub async fn resend(
        &self,
        db: &Db,
        at: DateTime<Utc>,
        id: &str,
        by: &str,
    ) -> crate::error::Result<SentMessage> {
        let original = log::find(db, id)
            .await?
            .ok_or_else(|| Error::not_found(Code::MessageNotFound))?;
        let message = original
            .again()
            .ok_or_else(|| Error::conflict(Code::MessageNotResendable))?;
        let delivery = self.deliver(&message).await;
        let resend = log::Resend { of: id, by };
        let logged = log::record(db, at, &message, &delivery, Some(&resend)).await?;
        log::logged(db, &logged).await
    }

    async fn deliver(&self, message: &Message) -> anyhow::Result<()> {
        let sender = match message.channel {
            Channel::Sms => &self.sms,
            Channel::Email => &self.email,
        };
        sender.send(message).await?;
        tracing::info!(message.kind = %message.kind, message.channel = ?message.channel, "message sent");
        Ok(())
    }

    /// The file outbox, when one is in use (shown at `/dev/outbox` in demo mode).
    pub fn outbox(&self) -> Option<&FileOutbox> {
        self.outbox.as_deref()
    }
}
