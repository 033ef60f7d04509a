//! WeChat Pay's payment notification: the `Wechatpay-*` signature over the raw body
//! (checked first, with a 300 s window), then the `resource` opened with the APIv3
//! key, then checked to be for our merchant and app. Whether `out_trade_no` is one of
//! our payments and the amount and currency ours is decided by
//! `orders::apply`.

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::money::{Currency, Money};
use crate::payments::provider::{Notification, Observation, ProviderError};
use crate::payments::state::ProviderStatus;

use super::aead::ApiV3Key;
use super::sign::{PlatformKeys, verify_signed};

pub struct Expect<'a> {
    pub mch_id: &'a str,
    pub app_id: &'a str,
    pub platform_keys: &'a PlatformKeys,
    pub api_v3_key: &'a ApiV3Key,
}

#[derive(Debug, Deserialize)]
struct Envelope {
    id: String,
    /// `TRANSACTION.SUCCESS` for payments; `REFUND.*` for refunds, which we do not read.
    #[serde(default)]
    event_type: String,
    resource: Resource,
}

#[derive(Debug, Deserialize)]
struct Resource {
    algorithm: String,
    ciphertext: String,
    #[serde(default)]
    associated_data: String,
    nonce: String,
}

/// A transaction as the query and the notification describe it (the fields we use).
#[derive(Debug, Deserialize)]
pub struct Transaction {
    pub mchid: String,
    pub appid: String,
    pub out_trade_no: String,
    pub trade_state: String,
    pub amount: Option<Amount>,
}

#[derive(Debug, Deserialize)]
pub struct Amount {
    pub total: i64,
    pub currency: String,
}

impl Transaction {
    /// The amount in our terms, if the transaction says one.
    pub fn money(&self) -> Result<Option<Money>, &'static str> {
        self.amount
            .as_ref()
            .map(|a| {
                Currency::parse(&a.currency)
                    .map(|currency| Money::new(a.total, currency))
                    .map_err(|_| "malformed currency")
            })
            .transpose()
    }
}

/// `trade_state` in our words; `None` for a state we do not know.
pub fn status_of(trade_state: &str) -> Option<ProviderStatus> {
    match trade_state {
        "SUCCESS" => Some(ProviderStatus::Succeeded),
        "NOTPAY" | "USERPAYING" | "ACCEPT" => Some(ProviderStatus::Pending),
        "PAYERROR" => Some(ProviderStatus::Failed),
        // REVOKED: a reversed code-pay trade, closed like any other.
        "CLOSED" | "REVOKED" => Some(ProviderStatus::Closed),
        "REFUND" => Some(ProviderStatus::Refunded),
        _ => None,
    }
}

/// The transaction as evidence, without the payer's identifiers.
pub fn evidence(plain: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(plain) {
        Ok(mut value) => {
            if let Some(object) = value.as_object_mut() {
                object.remove("payer");
            }
            value.to_string()
        }
        Err(_) => String::new(),
    }
}

pub fn read(
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
    expect: &Expect<'_>,
) -> Result<Notification, ProviderError> {
    verify_signed(headers, body, expect.platform_keys, now)
        .map_err(|error| ProviderError::Refused(error.reason()))?;
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|_| ProviderError::Refused("malformed body"))?;
    if envelope.event_type.starts_with("REFUND.") {
        return Err(ProviderError::NotForUs("refund notification"));
    }
    let resource = &envelope.resource;
    if resource.algorithm != "AEAD_AES_256_GCM" {
        return Err(ProviderError::Refused("unsupported resource algorithm"));
    }
    let plain = expect
        .api_v3_key
        .decrypt(
            &resource.nonce,
            &resource.associated_data,
            &resource.ciphertext,
        )
        .map_err(|_| ProviderError::Refused("decryption failed"))?;
    let transaction: Transaction =
        serde_json::from_slice(&plain).map_err(|_| ProviderError::Refused("malformed resource"))?;
    if transaction.mchid != expect.mch_id {
        return Err(ProviderError::Refused("notification for another merchant"));
    }
    if transaction.appid != expect.app_id {
        return Err(ProviderError::Refused("notification for another app"));
    }
    let status =
        status_of(&transaction.trade_state).ok_or(ProviderError::Refused("unknown trade_state"))?;
    let amount = transaction.money().map_err(ProviderError::Refused)?;
    if amount.is_none() {
        return Err(ProviderError::Refused("amount missing"));
    }
    Ok(Notification {
        event_id: envelope.id,
        payment_id: transaction.out_trade_no,
        observation: Observation {
            status,
            amount,
            raw: evidence(&plain),
        },
    })
}
