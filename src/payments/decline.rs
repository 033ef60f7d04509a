//! Why a payment failed, in the subscriber's words: read from the evidence the
//! provider sent (Stripe's `last_payment_error`, Alipay's `sub_code` / trade status,
//! WeChat Pay's `trade_state`), kept in the payment's events.

use serde_json::Value;

/// A reason a person can act on; each has an `order.reason.<as_str>` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decline {
    InsufficientFunds,
    ExpiredCard,
    /// Number, expiry or security code not accepted.
    CardDetails,
    /// The bank's check (3-D Secure) was not completed.
    Authentication,
    /// The bank said no without saying why.
    Declined,
    /// The payer left the provider's page or it timed out.
    NotCompleted,
    /// Nothing in the evidence says more.
    Unknown,
}

impl Decline {
    pub fn as_str(self) -> &'static str {
        match self {
            Decline::InsufficientFunds => "insufficient_funds",
            Decline::ExpiredCard => "expired_card",
            Decline::CardDetails => "card_details",
            Decline::Authentication => "authentication",
            Decline::Declined => "declined",
            Decline::NotCompleted => "not_completed",
            Decline::Unknown => "unknown",
        }
    }

    /// Reads one piece of stored evidence (JSON, or Alipay's form text).
    pub fn from_evidence(evidence: &str) -> Decline {
        let mut words = Vec::new();
        match serde_json::from_str::<Value>(evidence) {
            Ok(value) => collect(&value, &mut words),
            Err(_) => words.extend(evidence.split(['&', '=', ',']).map(str::to_owned)),
        }
        let has = |w: &str| words.iter().any(|x| x.eq_ignore_ascii_case(w));
        if has("insufficient_funds") || has("ACQ.BUYER_BALANCE_NOT_ENOUGH") {
            Decline::InsufficientFunds
        } else if has("expired_card") {
            Decline::ExpiredCard
        } else if has("incorrect_cvc")
            || has("invalid_cvc")
            || has("incorrect_number")
            || has("invalid_number")
            || has("invalid_expiry_month")
            || has("invalid_expiry_year")
        {
            Decline::CardDetails
        } else if has("authentication_required") || has("payment_intent_authentication_failure") {
            Decline::Authentication
        } else if has("card_declined")
            || has("generic_decline")
            || has("do_not_honor")
            || has("PAYERROR")
            || has("ACQ.PAYMENT_FAIL")
            || has("failed")
        {
            Decline::Declined
        } else if has("TRADE_CLOSED") || has("CLOSED") {
            Decline::NotCompleted
        } else {
            Decline::Unknown
        }
    }
}

/// The string values under the keys providers name their reasons with.
fn collect(value: &Value, words: &mut Vec<String>) {
    const KEYS: [&str; 7] = [
        "code",
        "decline_code",
        "sub_code",
        "trade_status",
        "trade_state",
        "status",
        "local",
    ];
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match child {
                    Value::String(text) if KEYS.contains(&key.as_str()) => words.push(text.clone()),
                    _ => collect(child, words),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect(item, words)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_declines_are_told_apart() {
        let intent = |code: &str| {
            format!(
                r#"{{"type":"payment_intent.payment_failed","data":{{"object":{{"status":"requires_payment_method","last_payment_error":{{"code":"card_declined","decline_code":"{code}"}}}}}}}}"#
            )
        };
        assert_eq!(
            Decline::from_evidence(&intent("insufficient_funds")),
            Decline::InsufficientFunds
        );
        assert_eq!(
            Decline::from_evidence(&intent("generic_decline")),
            Decline::Declined
        );
        assert_eq!(
            Decline::from_evidence(r#"{"last_payment_error":{"code":"expired_card"}}"#),
            Decline::ExpiredCard
        );
    }

    #[test]
    fn wallets_and_the_sandbox_say_not_completed_or_declined() {
        assert_eq!(
            Decline::from_evidence(r#"{"trade_state":"PAYERROR"}"#),
            Decline::Declined
        );
        assert_eq!(
            Decline::from_evidence("trade_status=TRADE_CLOSED&out_trade_no=pay_1"),
            Decline::NotCompleted
        );
        assert_eq!(
            Decline::from_evidence(r#"{"id":"sbx_1","status":"Failed"}"#),
            Decline::Declined
        );
        assert_eq!(Decline::from_evidence("not json at all"), Decline::Unknown);
    }
}
