//! **A fake WeChat Pay API v3, for the demo and tests only** (see [`crate::demo::fakes`]):
//! under `/fake/wechat_pay/v3/…`, the mainland (`/v3/pay/transactions/…`,
//! `/v3/refund/domestic/refunds`) and Hong Kong (`/v3/global/…`) surfaces. It checks
//! our `WECHATPAY2-SHA256-RSA2048` request signatures with the merchant's public key,
//! answers signed with the platform key (`Wechatpay-Serial` and friends), opens a
//! page for each `code_url` that plays the WeChat app after scanning, and sends the
//! `TRANSACTION.SUCCESS` notification, its resource sealed with `AEAD_AES_256_GCM`
//! under the APIv3 key, until our webhook answers 2xx.

mod api;
mod pages;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::app::App;
use crate::money::{Currency, Money};
use crate::payments::rsa::{SigningKey, VerifyingKey};
use crate::payments::wechat_pay::aead::ApiV3Key;
use crate::payments::wechat_pay::sign::platform_headers;

use super::{deliver, keys, random_digits, random_id};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surface {
    Mainland,
    Global,
}

#[derive(Debug, Clone)]
struct Transaction {
    surface: Surface,
    out_trade_no: String,
    transaction_id: String,
    /// The opaque part of `code_url`.
    prepay: String,
    trade_type: String,
    description: String,
    total: i64,
    currency: String,
    notify_url: String,
    /// `NOTPAY`, `SUCCESS`, `CLOSED` or `REFUND`.
    state: &'static str,
    refunded: i64,
    expires: Option<DateTime<Utc>>,
    paid: Option<DateTime<Utc>>,
    openid: String,
}

impl Transaction {
    fn money(&self) -> Option<Money> {
        Currency::parse(&self.currency)
            .ok()
            .map(|currency| Money::new(self.total, currency))
    }
}

pub struct Fake {
    app: App,
    platform_key: SigningKey,
    merchant_key: VerifyingKey,
    api_v3_key: ApiV3Key,
    transactions: Mutex<BTreeMap<String, Transaction>>,
    /// `out_refund_no` → the answer given.
    refunds: Mutex<HashMap<String, Value>>,
}

pub fn routes(app: &App) -> Router<App> {
    let (Ok(platform_key), Ok(merchant_key), Ok(api_v3_key)) = (
        SigningKey::from_pem(keys::WECHAT_PLATFORM_PRIVATE_KEY),
        VerifyingKey::from_pem(keys::WECHAT_MERCHANT_PUBLIC_KEY),
        ApiV3Key::new(keys::WECHAT_API_V3_KEY),
    ) else {
        tracing::error!("the fake WeChat Pay's embedded keys do not load");
        return Router::new();
    };
    let fake = Arc::new(Fake {
        app: app.clone(),
        platform_key,
        merchant_key,
        api_v3_key,
        transactions: Mutex::new(BTreeMap::new()),
        refunds: Mutex::new(HashMap::new()),
    });
    Router::new()
        .route("/fake/wechat_pay/v3/{*path}", any(api::handle))
        .route("/fake/wechat_pay/qr/{prepay}", get(pages::scanned))
        .route("/fake/wechat_pay/pay/{prepay}", post(pages::pay))
        .with_state(fake)
}

/// WeChat Pay's time format, in Beijing time: `2026-11-25T10:00:06+08:00`.
fn beijing(at: DateTime<Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S+08:00")
        .to_string()
}

fn state_desc(state: &str) -> &'static str {
    match state {
        "SUCCESS" => "支付成功",
        "CLOSED" => "订单已关闭",
        "REFUND" => "转入退款",
        _ => "订单未支付",
    }
}

impl Fake {
    fn transactions(&self) -> MutexGuard<'_, BTreeMap<String, Transaction>> {
        self.transactions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn by_prepay(&self, prepay: &str) -> Option<Transaction> {
        self.transactions()
            .values()
            .find(|t| t.prepay == prepay)
            .cloned()
    }

    /// An answer signed with the platform key, as every WeChat Pay answer is.
    fn signed(&self, status: StatusCode, body: String) -> Response {
        let nonce = random_id(32);
        let headers = platform_headers(
            &self.platform_key,
            keys::WECHAT_PLATFORM_SERIAL,
            self.app.now().timestamp(),
            &nonce,
            body.as_bytes(),
        );
        let mut response = if body.is_empty() {
            status.into_response()
        } else {
            (status, [("content-type", "application/json")], body).into_response()
        };
        for (name, value) in headers.unwrap_or_default() {
            if let Ok(value) = value.parse() {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }

    fn json(&self, status: StatusCode, body: &Value) -> Response {
        self.signed(status, body.to_string())
    }

    fn error(&self, status: StatusCode, code: &str, message: &str) -> Response {
        self.json(status, &json!({ "code": code, "message": message }))
    }

    /// The transaction as the query and the notification describe it.
    fn describe(transaction: &Transaction) -> Value {
        let t = transaction;
        let mut value = json!({
            "appid": keys::WECHAT_APP_ID, "mchid": keys::WECHAT_MCH_ID,
            "out_trade_no": t.out_trade_no, "trade_type": t.trade_type,
            "trade_state": t.state, "trade_state_desc": state_desc(t.state),
            "bank_type": "OTHERS", "attach": "",
            "amount": { "total": t.total, "currency": t.currency },
        });
        let id_field = match t.surface {
            Surface::Mainland => "transaction_id",
            Surface::Global => "id",
        };
        value[id_field] = json!(t.transaction_id);
        if let Some(paid) = t.paid {
            value["success_time"] = json!(beijing(paid));
            value["payer"] = json!({ "openid": t.openid });
            value["amount"]["payer_total"] = json!(t.total);
            value["amount"]["payer_currency"] = json!(t.currency);
        }
        value
    }

    /// The payer paid in the "app": `SUCCESS` (or `CLOSED` when past `time_expire`).
    /// Whether this call paid it, and the transaction as it is now.
    fn pay(&self, prepay: &str) -> Option<(bool, Transaction)> {
        let now = self.app.now();
        let mut transactions = self.transactions();
        let t = transactions.values_mut().find(|t| t.prepay == prepay)?;
        let open = t.state == "NOTPAY";
        if open && t.expires.is_some_and(|at| at <= now) {
            t.state = "CLOSED";
        } else if open {
            t.state = "SUCCESS";
            t.paid = Some(now);
        }
        Some((open && t.state == "SUCCESS", t.clone()))
    }

    /// Sends `TRANSACTION.SUCCESS` to the transaction's `notify_url`.
    fn notify(&self, transaction: &Transaction) {
        let plain = Self::describe(transaction).to_string();
        let nonce = random_id(12);
        let Ok(ciphertext) = self
            .api_v3_key
            .encrypt(&nonce, "transaction", plain.as_bytes())
        else {
            tracing::error!("the fake WeChat Pay cannot seal");
            return;
        };
        let body = json!({
            "id": format!("{}-{}-{}", random_id(8), random_digits(4), random_id(12)).to_ascii_lowercase(),
            "create_time": beijing(self.app.now()),
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": { "original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                          "ciphertext": ciphertext, "associated_data": "transaction", "nonce": nonce },
        })
        .to_string();
        let url = transaction.notify_url.clone();
        let platform_key = SigningKey::from_pem(keys::WECHAT_PLATFORM_PRIVATE_KEY);
        deliver::send(
            &self.app,
            format!("wechat_pay {} SUCCESS", transaction.out_trade_no),
            move |client, app| {
                let key = platform_key.as_ref().map_err(|e| e.to_string())?;
                let headers = platform_headers(
                    key,
                    keys::WECHAT_PLATFORM_SERIAL,
                    app.now().timestamp(),
                    &random_id(32),
                    body.as_bytes(),
                )
                .map_err(|e| e.to_string())?;
                let mut request = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone());
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                Ok(request)
            },
            |status, _| (200..300).contains(&status),
        );
    }
}
