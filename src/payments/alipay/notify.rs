//! Alipay's asynchronous notification (`trade_status_sync`): a form POST, verified
//! with Alipay's public key, then checked to be for our app and merchant. Whether
//! `out_trade_no` is one of our payments and `total_amount` its amount is decided by
//! `orders::apply`, which refuses both mismatches.

use crate::payments::provider::{Notification, Observation, ProviderError};
use crate::payments::rsa::VerifyingKey;
use crate::payments::state::ProviderStatus;

use super::amount::{currency_of, parse_amount};
use super::sign::{Params, notification_is_signed};

/// What a notification must match besides its signature.
pub struct Expect<'a> {
    pub app_id: &'a str,
    pub seller_id: &'a str,
    pub alipay_key: &'a VerifyingKey,
}

/// `trade_status` in our words; `None` for a status we do not know.
pub fn status_of(trade_status: &str) -> Option<ProviderStatus> {
    match trade_status {
        "WAIT_BUYER_PAY" => Some(ProviderStatus::Pending),
        "TRADE_SUCCESS" | "TRADE_FINISHED" => Some(ProviderStatus::Succeeded),
        "TRADE_CLOSED" => Some(ProviderStatus::Closed),
        _ => None,
    }
}

/// The form fields, refusing repeated names (which one would be signed?).
pub fn form_params(body: &[u8]) -> Result<Params, ProviderError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|_| ProviderError::Refused("malformed body"))?;
    let mut params = Params::new();
    for (key, value) in pairs {
        if params.insert(key, value).is_some() {
            return Err(ProviderError::Refused("malformed body"));
        }
    }
    Ok(params)
}

pub fn read(body: &[u8], expect: &Expect<'_>) -> Result<Notification, ProviderError> {
    let params = form_params(body)?;
    let field = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    if field("sign").is_none() {
        return Err(ProviderError::Refused("signature missing"));
    }
    if field("sign_type").is_some_and(|t| t != "RSA2") {
        return Err(ProviderError::Refused("unsupported sign_type"));
    }
    if field("charset").is_some_and(|c| !c.eq_ignore_ascii_case("utf-8")) {
        return Err(ProviderError::Refused("unsupported charset"));
    }
    if !notification_is_signed(&params, expect.alipay_key) {
        return Err(ProviderError::Refused("signature mismatch"));
    }
    if field("app_id") != Some(expect.app_id) {
        return Err(ProviderError::Refused("notification for another app"));
    }
    if field("seller_id") != Some(expect.seller_id) {
        return Err(ProviderError::Refused("notification for another merchant"));
    }
    let payment_id = field("out_trade_no").ok_or(ProviderError::Refused("out_trade_no missing"))?;
    let event_id = field("notify_id").ok_or(ProviderError::Refused("notify_id missing"))?;
    let mut status = field("trade_status")
        .and_then(status_of)
        .ok_or(ProviderError::Refused("unknown trade_status"))?;
    let currency =
        currency_of(field("trans_currency")).ok_or(ProviderError::Refused("malformed currency"))?;
    let amount = field("total_amount")
        .and_then(|text| parse_amount(text, currency))
        .ok_or(ProviderError::Refused("malformed total_amount"))?;
    // A trade closed after money was refunded in full is a refund, not an expiry.
    let refunded = field("refund_fee").and_then(|text| parse_amount(text, currency));
    if status == ProviderStatus::Closed && refunded.is_some_and(|r| r.amount > 0 && r == amount) {
        status = ProviderStatus::Refunded;
    }
    Ok(Notification {
        event_id: event_id.to_owned(),
        payment_id: payment_id.to_owned(),
        observation: Observation {
            status,
            amount: Some(amount),
            raw: String::from_utf8_lossy(body).into_owned(),
        },
    })
}
