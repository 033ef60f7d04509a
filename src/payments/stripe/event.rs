//! Reading a verified Stripe event: which payment it is about and what it says.
//!
//! Lenient: unknown fields are ignored, and `data.object` is read as far as it goes
//! (an expanded PaymentIntent, or only an id, which tells us nothing about which
//! payment it is and is refused so that reconciliation settles the payment).
//! Genuine events that are not about our payments (other event types, a
//! PaymentIntent another system made on the same account) are "not for us": the
//! webhook acknowledges them so Stripe stops resending, and nothing changes.

use serde::Deserialize;
use serde_json::Value;

use crate::payments::provider::{Notification, Observation, ProviderError};
use crate::payments::state::ProviderStatus;

use super::intent::{PaymentIntent, evidence};

#[derive(Debug, Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Debug, Deserialize)]
struct EventData {
    object: Value,
}

/// The event types we act on, and what each says; other `payment_intent.*` events
/// are read from the object's status.
fn status_of_type(kind: &str) -> Option<ProviderStatus> {
    match kind {
        "payment_intent.succeeded" => Some(ProviderStatus::Succeeded),
        "payment_intent.payment_failed" => Some(ProviderStatus::Failed),
        "payment_intent.processing" => Some(ProviderStatus::Pending),
        "payment_intent.canceled" => Some(ProviderStatus::Closed),
        _ => None,
    }
}

/// The notification in a verified event body, or why it says nothing we can apply.
pub fn parse(body: &[u8]) -> Result<Notification, ProviderError> {
    use ProviderError::{NotForUs, Refused};
    let value: Value = serde_json::from_slice(body).map_err(|_| Refused("malformed event"))?;
    let event: Event =
        serde_json::from_value(value.clone()).map_err(|_| Refused("malformed event"))?;
    if !event.kind.starts_with("payment_intent.") {
        return Err(NotForUs("not a payment intent event"));
    }
    let object = match event.data.object {
        Value::Object(object) => object,
        Value::String(_) => return Err(Refused("event object not expanded")),
        _ => return Err(Refused("malformed event object")),
    };
    if object
        .get("object")
        .and_then(Value::as_str)
        .is_some_and(|kind| kind != "payment_intent")
    {
        return Err(Refused("not a payment intent object"));
    }
    let intent: PaymentIntent = serde_json::from_value(Value::Object(object))
        .map_err(|_| Refused("malformed payment intent"))?;
    let payment_id = intent
        .payment_id()
        .ok_or(NotForUs("payment intent without our payment id"))?
        .to_owned();
    let status = status_of_type(&event.kind).unwrap_or_else(|| intent.provider_status());
    Ok(Notification {
        event_id: event.id,
        payment_id,
        observation: Observation {
            status,
            amount: intent.amount(),
            raw: evidence(&value),
        },
    })
}
