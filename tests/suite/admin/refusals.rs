//! Bad input for every admin write: each gets a clear error (a stable code, a
//! message for people, the problems named in `details`) and changes nothing.

use super::helpers::*;

/// Asserts the refusal, that its message or details mention `needle`, and returns
/// the body.
#[track_caller]
fn refused(reply: &Reply, status: StatusCode, code: &str, needle: &str) {
    assert_error(reply, status, code);
    let text = reply.2["error"]["message"].as_str().unwrap_or_default();
    assert!(text.contains(needle), "{needle:?} not in {}", reply.2);
}

fn promotion(extra: Value) -> Value {
    let mut entry = json!({ "code": "NEW-OFFER", "kind": "first_period", "percent": 20,
        "first_order_of": "any", "names": { "en": "New offer" } });
    for (field, value) in extra.as_object().expect("an object") {
        entry[field] = value.clone();
    }
    entry
}

fn coupon(extra: Value) -> Value {
    let mut entry = json!({ "code": "NEW-COUPON", "percent": 10, "names": { "en": "New coupon" } });
    for (field, value) in extra.as_object().expect("an object") {
        entry[field] = value.clone();
    }
    entry
}

mod callers;
mod plans;
mod promotions;
