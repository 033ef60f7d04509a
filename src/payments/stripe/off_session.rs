//! Charging a saved card without the payer (auto-renew): a PaymentIntent created and
//! confirmed at once, `off_session=true`, with the customer and the saved payment
//! method, keyed by our payment id as every create is.
//!
//! Stripe answers at once: `succeeded`; a decline as a 402 whose error carries the
//! PaymentIntent (localstripe's carries none); `authentication_required` (402) when
//! the bank wants the payer, which localstripe answers as a `requires_action`
//! PaymentIntent instead. Either of the last two is a failed attempt for auto-renew.

use serde_json::{Value, json};

use crate::app::App;
use crate::payments::provider::{Observation, ProviderError};
use crate::payments::saved_cards::SavedCard;
use crate::payments::state::ProviderStatus;
use crate::payments::store::Payment;

use super::api::{Api, ApiError};
use super::intent::{PAYMENT_ID_KEY, PaymentIntent, evidence};

/// What Stripe said to an off-session charge.
#[derive(Debug, Clone)]
pub struct OffSessionCharge {
    /// The PaymentIntent, when the answer names it.
    pub provider_ref: Option<String>,
    pub observation: Observation,
    /// The bank wants the payer to authenticate; nobody is there to.
    pub needs_authentication: bool,
}

/// Charges `payment` to the saved `card`. `Err` only when the outcome is unknown
/// (no answer): reconciliation asks later, by our payment id.
pub async fn charge_off_session(
    app: &App,
    payment: &Payment,
    description: &str,
    card: &SavedCard,
) -> Result<OffSessionCharge, ProviderError> {
    let api = Api::new(&app.config.payments.providers.stripe);
    let form: Vec<(String, String)> = vec![
        ("amount".into(), payment.amount.amount.to_string()),
        (
            "currency".into(),
            payment.amount.currency.as_str().to_ascii_lowercase(),
        ),
        ("payment_method_types[]".into(), "card".into()),
        ("customer".into(), card.customer_ref.clone()),
        ("payment_method".into(), card.provider_ref.clone()),
        ("confirm".into(), "true".into()),
        ("off_session".into(), "true".into()),
        (format!("metadata[{PAYMENT_ID_KEY}]"), payment.id.clone()),
        (
            "metadata[description]".into(),
            description.chars().take(500).collect(),
        ),
    ];
    match api
        .post("/v1/payment_intents", &form, Some(&payment.id))
        .await
    {
        Ok(value) => {
            let intent: PaymentIntent = serde_json::from_value(value.clone())
                .map_err(|_| ProviderError::Unavailable("unreadable payment intent".into()))?;
            let status = intent.provider_status();
            Ok(OffSessionCharge {
                needs_authentication: intent.status.as_deref() == Some("requires_action"),
                provider_ref: (!intent.id.is_empty()).then_some(intent.id.clone()),
                observation: Observation {
                    status,
                    amount: intent.amount(),
                    raw: evidence(&value),
                },
            })
        }
        // Declined (402), or refused as asked (a card detached meanwhile): nothing was
        // charged.
        Err(ApiError::Refused {
            status,
            code,
            detail,
            ..
        }) => {
            let intent = detail
                .get("payment_intent")
                .and_then(Value::as_object)
                .and_then(|pi| pi.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            tracing::info!(payment.id = %payment.id, status, %code, "off-session card charge refused");
            Ok(OffSessionCharge {
                provider_ref: intent,
                needs_authentication: code == "authentication_required",
                observation: Observation {
                    status: ProviderStatus::Failed,
                    amount: None,
                    raw: evidence(&json!({ "status": status, "error": detail })),
                },
            })
        }
        Err(error) => Err(ProviderError::Unavailable(error.to_string())),
    }
}
