//! What the fake's API calls do: PaymentIntents created (cards left for the card
//! page; Alipay and WeChat Pay confirmed at once, with their next action), cancelled,
//! and refunded, with Stripe's error objects for what it refuses.

use serde_json::{Map, Value, json};

use crate::money::Currency;

use super::super::random_id;
use super::Fake;

pub type Form = Vec<(String, String)>;

/// Stripe's error object.
pub fn error(status: u16, kind: &str, code: Option<&str>, message: &str) -> (u16, Value) {
    let mut error = json!({ "type": kind, "message": message });
    if let Some(code) = code {
        error["code"] = json!(code);
    }
    (status, json!({ "error": error }))
}

pub fn invalid(code: &str, message: &str) -> (u16, Value) {
    error(400, "invalid_request_error", Some(code), message)
}

pub fn missing(id: &str) -> (u16, Value) {
    error(
        404,
        "invalid_request_error",
        Some("resource_missing"),
        &format!("No such payment_intent: '{id}'"),
    )
}

fn field<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

fn metadata(form: &Form) -> Map<String, Value> {
    form.iter()
        .filter_map(|(key, value)| {
            let name = key.strip_prefix("metadata[")?.strip_suffix(']')?;
            Some((name.to_owned(), json!(value)))
        })
        .collect()
}

impl Fake {
    pub(super) fn create_intent(&self, form: &Form) -> (u16, Value) {
        const KNOWN: [&str; 8] = [
            "amount",
            "currency",
            "payment_method_types[]",
            "confirm",
            "return_url",
            "description",
            "payment_method_data[type]",
            "payment_method_options[wechat_pay][client]",
        ];
        if let Some((key, _)) = form
            .iter()
            .find(|(key, _)| !KNOWN.contains(&key.as_str()) && !key.starts_with("metadata["))
        {
            return invalid(
                "parameter_unknown",
                &format!("Received unknown parameter: {key}"),
            );
        }
        let Some(amount) = field(form, "amount")
            .and_then(|a| a.parse::<i64>().ok())
            .filter(|a| *a > 0)
        else {
            return invalid("parameter_invalid_integer", "Invalid integer: amount");
        };
        let currency = field(form, "currency").unwrap_or_default();
        if currency.len() != 3
            || currency != currency.to_ascii_lowercase()
            || Currency::parse(&currency.to_ascii_uppercase()).is_err()
        {
            return invalid("parameter_invalid_string", "Invalid currency");
        }
        let types: Vec<&str> = form
            .iter()
            .filter(|(key, _)| key == "payment_method_types[]")
            .map(|(_, value)| value.as_str())
            .collect();
        let method = match types.as_slice() {
            [] => "card",
            [one @ ("card" | "alipay" | "wechat_pay")] => one,
            _ => {
                return invalid(
                    "payment_method_type_invalid",
                    "The fake Stripe takes one of card, alipay, wechat_pay",
                );
            }
        };
        let confirm = field(form, "confirm") == Some("true");
        let id = format!("pi_{}", random_id(24));
        let base = super::super::base(&self.app.config);
        let mut intent = json!({
            "id": id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "capture_method": "automatic",
            "client_secret": format!("{id}_secret_{}", random_id(24)),
            "confirmation_method": "automatic",
            "created": self.app.now().timestamp(),
            "currency": currency,
            "description": field(form, "description"),
            "last_payment_error": null,
            "latest_charge": null,
            "livemode": false,
            "metadata": metadata(form),
            "next_action": null,
            "payment_method": null,
            "payment_method_types": [method],
            "status": "requires_payment_method",
            "canceled_at": null,
            "cancellation_reason": null,
        });
        if confirm {
            if field(form, "payment_method_data[type]") != Some(method) || method == "card" {
                return invalid(
                    "parameter_missing",
                    "The fake confirms alipay and wechat_pay with payment_method_data[type]; cards are confirmed on its card page",
                );
            }
            let authorize = format!("{base}/stripe/authorize/{id}");
            let next = if method == "alipay" {
                let Some(return_url) = field(form, "return_url") else {
                    return invalid("parameter_missing", "Missing required param: return_url.");
                };
                json!({ "type": "alipay_handle_redirect", "alipay_handle_redirect": {
                    "native_data": null, "native_url": null, "return_url": return_url, "url": authorize } })
            } else {
                if field(form, "payment_method_options[wechat_pay][client]") != Some("web") {
                    return invalid(
                        "parameter_missing",
                        "Missing required param: payment_method_options[wechat_pay][client].",
                    );
                }
                json!({ "type": "wechat_pay_display_qr_code", "wechat_pay_display_qr_code": {
                    "data": authorize, "hosted_instructions_url": authorize,
                    "image_data_url": null, "image_url_png": null, "image_url_svg": null } })
            };
            intent["status"] = json!("requires_action");
            intent["payment_method"] = json!(format!("pm_{}", random_id(24)));
            intent["next_action"] = next;
        }
        self.books().intents.insert(id, intent.clone());
        (200, intent)
    }

    pub(super) fn cancel_intent(&self, id: &str) -> (u16, Value) {
        const CANCELABLE: [&str; 4] = [
            "requires_payment_method",
            "requires_capture",
            "requires_confirmation",
            "requires_action",
        ];
        let now = self.app.now().timestamp();
        match self.update(id, &CANCELABLE, |intent| {
            intent["status"] = json!("canceled");
            intent["canceled_at"] = json!(now);
            intent["next_action"] = Value::Null;
        }) {
            Some(intent) => {
                self.notify("payment_intent.canceled", &intent);
                (200, intent)
            }
            None => match self.intent(id) {
                Some(intent) => invalid(
                    "payment_intent_unexpected_state",
                    &format!(
                        "You cannot cancel this PaymentIntent because it has a status of {}.",
                        intent["status"].as_str().unwrap_or("unknown")
                    ),
                ),
                None => missing(id),
            },
        }
    }

    pub(super) fn create_refund(&self, form: &Form) -> (u16, Value) {
        let id = field(form, "payment_intent").unwrap_or_default();
        let Some(intent) = self.intent(id) else {
            return missing(id);
        };
        if intent["status"] != "succeeded" {
            return invalid(
                "payment_intent_unexpected_state",
                &format!("This PaymentIntent ({id}) does not have a successful charge to refund."),
            );
        }
        let charge = intent["latest_charge"].as_str().unwrap_or_default();
        let received = intent["amount_received"].as_i64().unwrap_or(0);
        let mut books = self.books();
        let refunded = books.refunded.get(id).copied().unwrap_or(0);
        let remaining = received - refunded;
        if remaining <= 0 {
            return invalid(
                "charge_already_refunded",
                &format!("Charge {charge} has already been refunded."),
            );
        }
        let amount = match field(form, "amount").map(str::parse::<i64>) {
            None => remaining,
            Some(Ok(amount)) if (1..=remaining).contains(&amount) => amount,
            Some(_) => {
                return invalid(
                    "amount_too_large",
                    "Refund amount is greater than unrefunded amount on charge.",
                );
            }
        };
        books.refunded.insert(id.to_owned(), refunded + amount);
        (
            200,
            json!({
                "id": format!("re_{}", random_id(24)),
                "object": "refund",
                "amount": amount,
                "charge": charge,
                "created": self.app.now().timestamp(),
                "currency": intent["currency"],
                "metadata": metadata(form),
                "payment_intent": id,
                "reason": field(form, "reason"),
                "status": "succeeded",
            }),
        )
    }
}
