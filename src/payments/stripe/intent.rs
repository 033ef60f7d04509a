//! PaymentIntents as we read and create them: a lenient reading of Stripe's object
//! (unknown fields ignored, every field optional, nested objects as ids or
//! expanded), its status in our words, where the payer goes next, and the form we
//! create one with.

use serde::Deserialize;
use serde_json::Value;

use crate::money::{Currency, Money};
use crate::payments::provider::{CreateRequest, NextAction};
use crate::payments::state::ProviderStatus;

/// The fields of a PaymentIntent we use. Anything else Stripe sends is ignored, and
/// anything missing or `null` reads as absent: API versions add and drop fields, and
/// `latest_charge`, `payment_method` and `customer` come as ids or expanded objects
/// depending on the request (we read none of them).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PaymentIntent {
    pub id: String,
    pub status: Option<String>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub metadata: Option<serde_json::Map<String, Value>>,
    pub last_payment_error: Option<Value>,
    pub next_action: Option<StripeNextAction>,
    pub client_secret: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StripeNextAction {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub alipay_handle_redirect: Option<AlipayHandleRedirect>,
    pub wechat_pay_display_qr_code: Option<WechatPayDisplayQrCode>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AlipayHandleRedirect {
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WechatPayDisplayQrCode {
    /// The text to encode in the QR code (a `weixin://` link).
    pub data: Option<String>,
    /// Stripe's page that shows the code, for a payer on another device.
    pub hosted_instructions_url: Option<String>,
}

/// The metadata key that carries our payment id.
pub const PAYMENT_ID_KEY: &str = "payment_id";

impl PaymentIntent {
    /// Our payment id, as we put it in the metadata.
    pub fn payment_id(&self) -> Option<&str> {
        self.metadata.as_ref()?.get(PAYMENT_ID_KEY)?.as_str()
    }

    /// What Stripe says was asked for, in our money.
    pub fn amount(&self) -> Option<Money> {
        let currency = Currency::parse(&self.currency.as_deref()?.to_ascii_uppercase()).ok()?;
        Some(Money::new(self.amount?, currency))
    }

    /// The status in our words. A PaymentIntent back at `requires_payment_method`
    /// with a `last_payment_error` was declined (or failed authentication): failed
    /// for us, as a Decline at the sandbox is, although Stripe would let the payer
    /// try another card on the same PaymentIntent; a new order starts a new one.
    pub fn provider_status(&self) -> ProviderStatus {
        match self.status.as_deref().unwrap_or_default() {
            "succeeded" => ProviderStatus::Succeeded,
            "canceled" => ProviderStatus::Closed,
            "requires_payment_method" if self.last_payment_error.is_some() => {
                ProviderStatus::Failed
            }
            "requires_payment_method"
            | "requires_confirmation"
            | "requires_action"
            | "processing"
            | "requires_capture" => ProviderStatus::Pending,
            _ => ProviderStatus::Unknown,
        }
    }

    /// Where the payer goes after an Alipay or WeChat Pay PaymentIntent was created
    /// and confirmed; `None` when Stripe did not say.
    pub fn wallet_next_action(&self, method: &str) -> Option<NextAction> {
        let next = self.next_action.as_ref()?;
        match method {
            "alipay" => {
                let url = next.alipay_handle_redirect.as_ref()?.url.clone()?;
                Some(NextAction::Redirect { url })
            }
            "wechat_pay" => {
                let qr = next.wechat_pay_display_qr_code.as_ref()?;
                let data = qr.data.clone()?;
                let url = qr
                    .hosted_instructions_url
                    .clone()
                    .unwrap_or_else(|| data.clone());
                Some(NextAction::Qr { data, url })
            }
            _ => None,
        }
    }
}

/// The form of `POST /v1/payment_intents` for `request`, or why Stripe cannot take it.
///
/// - card: left unconfirmed; the payer's browser confirms it with Stripe.js (see
///   [`super`] for why).
/// - alipay, wechat_pay: confirmed at once with `payment_method_data[type]`, so that
///   the answer carries the redirect URL or the QR code text.
///
/// Only fields localstripe also accepts are sent for cards (it refuses unknown ones,
/// `description` among them), so the description goes in the metadata.
pub fn create_form(request: &CreateRequest) -> Result<Vec<(String, String)>, &'static str> {
    if request.amount.amount <= 0 {
        return Err("the amount must be positive");
    }
    let method = request.method.as_str();
    let mut form = vec![
        ("amount".to_owned(), request.amount.amount.to_string()),
        (
            "currency".to_owned(),
            request.amount.currency.as_str().to_ascii_lowercase(),
        ),
        ("payment_method_types[]".to_owned(), method.to_owned()),
        (
            format!("metadata[{PAYMENT_ID_KEY}]"),
            request.payment_id.clone(),
        ),
        (
            "metadata[description]".to_owned(),
            // Stripe keeps metadata values up to 500 characters.
            request.description.chars().take(500).collect(),
        ),
    ];
    match method {
        "card" => {}
        "alipay" => form.extend([
            ("confirm".to_owned(), "true".to_owned()),
            ("payment_method_data[type]".to_owned(), "alipay".to_owned()),
            ("return_url".to_owned(), request.return_url.clone()),
        ]),
        "wechat_pay" => form.extend([
            ("confirm".to_owned(), "true".to_owned()),
            (
                "payment_method_data[type]".to_owned(),
                "wechat_pay".to_owned(),
            ),
            // The QR flow; the app flows need an app id of ours.
            (
                "payment_method_options[wechat_pay][client]".to_owned(),
                "web".to_owned(),
            ),
        ]),
        _ => return Err("Stripe serves card, alipay and wechat_pay only"),
    }
    Ok(form)
}

/// A PaymentIntent's JSON as we keep it for the operator: `client_secret` (which lets
/// anyone holding it confirm the payment) replaced wherever it appears.
pub fn evidence(value: &Value) -> String {
    fn scrub(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    if key == "client_secret" && child.is_string() {
                        *child = Value::String("[redacted]".into());
                    } else {
                        scrub(child);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    let mut copy = value.clone();
    scrub(&mut copy);
    copy.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn intent(value: Value) -> PaymentIntent {
        serde_json::from_value(value).unwrap_or_default()
    }

    #[test]
    fn statuses() {
        let status = |value: Value| intent(value).provider_status();
        assert_eq!(
            status(json!({"status": "requires_payment_method"})),
            ProviderStatus::Pending
        );
        assert_eq!(
            status(json!({"status": "requires_payment_method", "last_payment_error": null})),
            ProviderStatus::Pending
        );
        assert_eq!(
            status(json!({"status": "requires_payment_method",
                          "last_payment_error": {"code": "card_declined"}})),
            ProviderStatus::Failed
        );
        for pending in ["requires_confirmation", "requires_action", "processing"] {
            assert_eq!(
                status(json!({ "status": pending })),
                ProviderStatus::Pending
            );
        }
        assert_eq!(
            status(json!({"status": "succeeded"})),
            ProviderStatus::Succeeded
        );
        assert_eq!(
            status(json!({"status": "canceled"})),
            ProviderStatus::Closed
        );
        assert_eq!(
            status(json!({"status": "on_fire"})),
            ProviderStatus::Unknown
        );
        assert_eq!(status(json!({})), ProviderStatus::Unknown);
    }

    #[test]
    fn lenient_reading() {
        let pi = intent(json!({
            "id": "pi_1", "object": "payment_intent", "amount": 8800, "currency": "hkd",
            "metadata": {"payment_id": "pay_1", "other": 3},
            "latest_charge": "ch_1", "payment_method": {"id": "pm_1", "object": "payment_method"},
            "brand_new_field": {"nested": [1, 2]}, "next_action": null, "status": "succeeded"
        }));
        assert_eq!(pi.payment_id(), Some("pay_1"));
        assert_eq!(pi.amount(), Some(Money::new(8800, Currency::HKD)));
        let bare = intent(json!({"id": "pi_2", "metadata": null, "currency": "not a currency"}));
        assert_eq!(bare.payment_id(), None);
        assert_eq!(bare.amount(), None);
    }

    #[test]
    fn evidence_hides_the_client_secret() {
        let kept = evidence(&json!({"id": "pi_1", "client_secret": "pi_1_secret_abc",
                                    "data": [{"client_secret": "pi_2_secret_def"}]}));
        assert!(
            !kept.contains("secret_abc") && !kept.contains("secret_def"),
            "{kept}"
        );
        assert!(kept.contains("pi_1"));
    }
}
