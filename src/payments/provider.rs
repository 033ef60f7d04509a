//! The trait every payment provider adapter implements: redirect and QR flows,
//! asynchronous signed notifications, status query, close, refund.

use axum::Json;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub use crate::config::ProviderName;
use crate::money::Money;

use super::state::ProviderStatus;

/// What we ask a provider to collect.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    /// Our payment id: the provider's merchant reference and idempotency key.
    pub payment_id: String,
    pub amount: Money,
    pub method: super::Method,
    pub description: String,
    /// Where the payer comes back to after the provider's page.
    pub return_url: String,
    /// When the order expires: the provider should stop taking the payment then.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The payer's device, for providers whose flow depends on it.
    pub payer: Payer,
}

/// What we know of the payer's device when the order is made (nothing, for an
/// auto-renewal).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Payer {
    /// The client's IP address (WeChat Pay H5 requires it).
    pub ip: Option<String>,
    /// A phone's browser: redirect flows fit better than a QR code to scan.
    pub mobile: bool,
}

impl Payer {
    /// Reads a `User-Agent` the way payment pages do: phones and tablets say `Mobile`,
    /// `Android` or `iPhone`.
    pub fn from_user_agent(ip: Option<String>, user_agent: &str) -> Payer {
        let mobile = ["Mobile", "Android", "iPhone", "iPad"]
            .iter()
            .any(|word| user_agent.contains(word));
        Payer { ip, mobile }
    }
}

/// How the payer continues.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NextAction {
    /// Open the provider's page.
    Redirect { url: String },
    /// Show this text as a QR code to scan with the wallet app.
    Qr { data: String, url: String },
    /// Nothing to do (paid from the wallet).
    None,
}

#[derive(Debug, Clone)]
pub struct Created {
    pub provider_ref: String,
    pub next_action: NextAction,
}

/// A provider's word on a payment, with the raw evidence kept for the operator.
#[derive(Debug, Clone)]
pub struct Observation {
    pub status: ProviderStatus,
    /// What the provider says was paid, checked against the order.
    pub amount: Option<Money>,
    pub raw: String,
}

impl Observation {
    /// An observation our own code makes (expiry, an accepted refund), in the same
    /// shape as a provider's.
    pub fn local(status: ProviderStatus, why: &str) -> Observation {
        Observation {
            status,
            amount: None,
            raw: format!("{{\"local\":\"{why}\"}}"),
        }
    }
}

/// A verified notification.
#[derive(Debug, Clone)]
pub struct Notification {
    /// The provider's event id, for de-duplication.
    pub event_id: String,
    /// Our payment id as the provider echoes it.
    pub payment_id: String,
    pub observation: Observation,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The signature, timestamp or shape of a notification is wrong: nothing changes.
    #[error("notification refused: {0}")]
    Refused(&'static str),
    /// The provider did not answer or answered with an error: the outcome is unknown.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    /// A genuine, verified notification about something that is not one of our
    /// payments (another event type, a payment another system made on the same
    /// account): acknowledged so the provider stops resending, and nothing changes.
    #[error("notification not for us: {0}")]
    NotForUs(&'static str),
}

#[async_trait::async_trait]
pub trait Provider: Send + Sync + 'static {
    fn name(&self) -> ProviderName;
    async fn create(&self, request: &CreateRequest) -> Result<Created, ProviderError>;
    async fn query(&self, payment_id: &str) -> Result<Observation, ProviderError>;
    /// Stops the payer from paying (before we expire an order).
    async fn close(&self, payment_id: &str) -> Result<(), ProviderError>;
    async fn refund(
        &self,
        payment_id: &str,
        amount: Money,
        refund_id: &str,
    ) -> Result<(), ProviderError>;
    /// Checks the signature and reads the event.
    fn verify_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Notification, ProviderError>;

    /// Our answer to a notification, in the words this provider waits for before it
    /// stops resending: JSON by default (Alipay wants the bare text `success`,
    /// WeChat Pay a 2xx).
    fn acknowledge(&self, outcome: Result<Acknowledged, crate::error::Error>) -> Response {
        match outcome {
            Ok(Acknowledged::Applied { duplicate }) => {
                Json(json!({ "received": true, "duplicate": duplicate })).into_response()
            }
            Ok(Acknowledged::NotForUs) => {
                Json(json!({ "received": true, "ignored": true })).into_response()
            }
            Err(error) => error.into_response(),
        }
    }
}

/// What came of a verified notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acknowledged {
    /// Applied to one of our payments (or a copy of an event applied before).
    Applied { duplicate: bool },
    /// Genuine, but not about one of our payments.
    NotForUs,
}
