//! SetupIntents: how the card page gets a card from Stripe.js without the number ever
//! reaching us. The page asks us for one when the payer presses Pay (for the
//! account's customer, `usage=off_session` when the payer ticked "save this card");
//! Stripe.js confirms it with the card (`confirmCardSetup`, 3-D Secure included); the
//! page then posts its id back, and we believe nothing the browser says about it: the
//! SetupIntent is read from Stripe and must be for this payment, this account and
//! this account's customer, and have succeeded.

use serde::Deserialize;
use serde_json::Value;

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::payments::saved_cards::provider_unavailable;
use crate::payments::store::Payment;

use super::api::{Api, ApiError};
use super::customer::customer_for;

/// The fields of a SetupIntent we read; everything optional, unknown fields ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SetupIntent {
    id: String,
    status: Option<String>,
    client_secret: Option<String>,
    usage: Option<String>,
    /// An id, or the expanded object.
    customer: Option<Value>,
    payment_method: Option<Value>,
    metadata: Option<serde_json::Map<String, Value>>,
}

/// An id, whether Stripe sent the id or the expanded object.
fn id_of(value: Option<&Value>) -> Option<&str> {
    match value? {
        Value::String(id) => Some(id),
        Value::Object(object) => object.get("id")?.as_str(),
        _ => None,
    }
}

impl SetupIntent {
    fn metadata(&self, key: &str) -> Option<&str> {
        self.metadata.as_ref()?.get(key)?.as_str()
    }
}

/// A SetupIntent we made for the payment and Stripe says succeeded.
#[derive(Debug, Clone)]
pub(super) struct Verified {
    pub payment_method: String,
    pub customer: String,
    /// Set up for off-session use because the payer asked to save the card.
    pub save: bool,
}

/// A new SetupIntent for the card page, for the account's customer; its client
/// secret, for Stripe.js only (never stored, never logged).
pub async fn begin(app: &App, account_id: &str, payment: &Payment, save: bool) -> Result<String> {
    let api = Api::new(&app.config.payments.providers.stripe);
    let customer = customer_for(app, &api, account_id).await?;
    let usage = if save { "off_session" } else { "on_session" };
    let form = [
        ("customer", customer.as_str()),
        ("usage", usage),
        ("payment_method_types[]", "card"),
        ("metadata[payment_id]", payment.id.as_str()),
        ("metadata[account_id]", account_id),
        ("metadata[save]", if save { "1" } else { "0" }),
    ]
    .map(|(key, value)| (key.to_owned(), value.to_owned()));
    let value = api
        .post("/v1/setup_intents", &form, None)
        .await
        .map_err(provider_unavailable)?;
    let intent: SetupIntent = serde_json::from_value(value).unwrap_or_default();
    intent
        .client_secret
        .filter(|secret| secret.starts_with(&format!("{}_secret_", intent.id)))
        .ok_or_else(|| Error::internal(anyhow::anyhow!("SetupIntent without a client secret")))
}

/// Whether `id` can be a SetupIntent id at all (and is safe in a URL path).
fn looks_like_setup_intent(id: &str) -> bool {
    id.len() <= 255
        && id.strip_prefix("seti_").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// The SetupIntent `id`, read from Stripe, when it is one we made for this payment of
/// this account and it succeeded; `invalid_setup_intent` for anything else (made up,
/// another payment's or account's, not confirmed yet, failed).
pub(super) async fn verified(
    app: &App,
    api: &Api,
    account_id: &str,
    payment: &Payment,
    id: &str,
) -> Result<Verified> {
    let refused = |why: &str| {
        tracing::info!(payment.id = %payment.id, why, "setup intent refused");
        Error::invalid(Code::InvalidSetupIntent)
    };
    if !looks_like_setup_intent(id) {
        return Err(refused("not a setup intent id"));
    }
    let value = match api.get(&format!("/v1/setup_intents/{id}"), &[]).await {
        Ok(value) => value,
        Err(ApiError::Refused { .. }) => return Err(refused("unknown to Stripe")),
        Err(error) => return Err(provider_unavailable(error)),
    };
    let intent: SetupIntent = serde_json::from_value(value).unwrap_or_default();
    if intent.id != id {
        return Err(refused("another id in the answer"));
    }
    if intent.metadata("payment_id") != Some(payment.id.as_str())
        || intent.metadata("account_id") != Some(account_id)
    {
        return Err(refused("made for another payment or account"));
    }
    let ours = crate::payments::saved_cards::customer_ref(app, account_id, "stripe").await?;
    let customer = id_of(intent.customer.as_ref());
    if customer.is_none() || customer != ours.as_deref() {
        return Err(refused("for another customer"));
    }
    if intent.status.as_deref() != Some("succeeded") {
        return Err(refused("not succeeded"));
    }
    let payment_method = id_of(intent.payment_method.as_ref())
        .ok_or_else(|| refused("no payment method"))?
        .to_owned();
    Ok(Verified {
        payment_method,
        customer: customer.unwrap_or_default().to_owned(),
        save: intent.metadata("save") == Some("1")
            && intent.usage.as_deref() == Some("off_session"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn setup_intent_ids() {
        assert!(looks_like_setup_intent("seti_1PqRsT2eZvKYlo2C"));
        assert!(looks_like_setup_intent("seti_abc_def"));
        for bad in [
            "",
            "seti_",
            "pi_123",
            "seti_../../v1/customers",
            "seti_a/b",
            "seti_a?b=c",
            "seti_ä",
        ] {
            assert!(!looks_like_setup_intent(bad), "{bad}");
        }
        assert!(!looks_like_setup_intent(&format!(
            "seti_{}",
            "a".repeat(300)
        )));
    }

    #[test]
    fn ids_or_expanded_objects() {
        assert_eq!(id_of(Some(&json!("cus_1"))), Some("cus_1"));
        assert_eq!(
            id_of(Some(&json!({"id": "pm_1", "object": "payment_method"}))),
            Some("pm_1")
        );
        assert_eq!(id_of(Some(&Value::Null)), None);
        assert_eq!(id_of(None), None);
    }
}
