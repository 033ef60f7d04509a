//! The fake's `/v3/…` API: the `Authorization` signature checked as WeChat Pay
//! checks it, then Native and H5 orders, query by `out_trade_no`, close and refund.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use chrono::DateTime;
use serde_json::{Value, json};

use crate::money::Currency;
use crate::payments::wechat_pay::sign::{SCHEME, TOLERANCE_SECS, request_message};

use super::super::{keys, random_digits, random_id};
use super::{Fake, Surface, Transaction};

impl Fake {
    /// Whether the request carries the merchant's valid signature over what was sent.
    fn authorized(&self, method: &Method, path: &str, headers: &HeaderMap, body: &str) -> bool {
        let Some(params) = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix(SCHEME))
            .and_then(|v| v.strip_prefix(' '))
        else {
            return false;
        };
        let field = |name: &str| {
            params
                .split(',')
                .filter_map(|pair| pair.split_once('='))
                .find(|(key, _)| key.trim() == name)
                .map(|(_, value)| value.trim().trim_matches('"'))
                .unwrap_or_default()
        };
        let Ok(timestamp) = field("timestamp").parse::<i64>() else {
            return false;
        };
        let fresh = (self.app.now().timestamp() - timestamp).abs() <= TOLERANCE_SECS;
        let message = request_message(method.as_str(), path, timestamp, field("nonce_str"), body);
        fresh
            && field("mchid") == keys::WECHAT_MCH_ID
            && field("serial_no").eq_ignore_ascii_case(keys::WECHAT_MERCHANT_SERIAL)
            && !field("nonce_str").is_empty()
            && self
                .merchant_key
                .verify_base64(message.as_bytes(), field("signature"))
    }

    fn create(&self, surface: Surface, h5: bool, body: &Value) -> Response {
        let text = |name: &str| body[name].as_str().unwrap_or_default().to_owned();
        if text("appid") != keys::WECHAT_APP_ID || text("mchid") != keys::WECHAT_MCH_ID {
            return self.error(
                StatusCode::BAD_REQUEST,
                "APPID_MCHID_NOT_MATCH",
                "appid和mch_id不匹配",
            );
        }
        let total = body["amount"]["total"].as_i64().unwrap_or(0);
        let currency = body["amount"]["currency"]
            .as_str()
            .unwrap_or("CNY")
            .to_owned();
        let out_trade_no = text("out_trade_no");
        let valid = total > 0
            && Currency::parse(&currency).is_ok()
            && (surface == Surface::Global || currency == "CNY")
            && (6..=32).contains(&out_trade_no.len())
            && !text("description").is_empty()
            && !text("notify_url").is_empty()
            && (surface == Surface::Mainland
                || (!text("trade_type").is_empty() && !text("merchant_category_code").is_empty()));
        if !valid {
            return self.error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "参数错误");
        }
        let mut transactions = self.transactions();
        let prepay = match transactions.get(&out_trade_no) {
            Some(t)
                if t.state == "NOTPAY"
                    && t.total == total
                    && t.currency == currency
                    && t.surface == surface =>
            {
                t.prepay.clone()
            }
            Some(t) if t.state != "NOTPAY" => {
                return self.error(StatusCode::BAD_REQUEST, "ORDERPAID", "该订单已支付或已关闭");
            }
            Some(_) => {
                return self.error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_REQUEST",
                    "201 商户订单号重复",
                );
            }
            None => {
                let now = self.app.now();
                let transaction = Transaction {
                    surface,
                    out_trade_no: out_trade_no.clone(),
                    transaction_id: format!("42000{}{}", now.format("%Y%m%d"), random_digits(15)),
                    prepay: random_id(28),
                    trade_type: if h5 { "MWEB" } else { "NATIVE" }.into(),
                    description: text("description"),
                    total,
                    currency,
                    notify_url: text("notify_url"),
                    state: "NOTPAY",
                    refunded: 0,
                    expires: DateTime::parse_from_rfc3339(&text("time_expire"))
                        .ok()
                        .map(|at| at.to_utc()),
                    paid: None,
                    openid: format!("oFAKE{}", random_id(23)),
                };
                let prepay = transaction.prepay.clone();
                transactions.insert(out_trade_no, transaction);
                prepay
            }
        };
        drop(transactions);
        let url = format!(
            "{}/wechat_pay/qr/{prepay}",
            super::super::base(&self.app.config)
        );
        let field = if h5 { "h5_url" } else { "code_url" };
        self.json(StatusCode::OK, &json!({ field: url }))
    }

    fn find(&self, surface: Surface, out_trade_no: &str) -> Option<Transaction> {
        self.transactions()
            .get(out_trade_no)
            .filter(|t| t.surface == surface)
            .cloned()
    }

    fn close(&self, surface: Surface, out_trade_no: &str) -> Response {
        let mut transactions = self.transactions();
        let Some(t) = transactions
            .get_mut(out_trade_no)
            .filter(|t| t.surface == surface)
        else {
            drop(transactions);
            return self.error(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在");
        };
        match t.state {
            "NOTPAY" | "CLOSED" => {
                t.state = "CLOSED";
                drop(transactions);
                self.signed(StatusCode::NO_CONTENT, String::new())
            }
            _ => {
                drop(transactions);
                self.error(StatusCode::BAD_REQUEST, "ORDERPAID", "订单已支付")
            }
        }
    }

    fn refund(&self, surface: Surface, body: &Value) -> Response {
        let out_refund_no = body["out_refund_no"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if let Some(answer) = self
            .refunds
            .lock()
            .ok()
            .and_then(|r| r.get(&out_refund_no).cloned())
        {
            return self.json(StatusCode::OK, &answer);
        }
        let out_trade_no = body["out_trade_no"].as_str().unwrap_or_default();
        let refund = body["amount"]["refund"].as_i64().unwrap_or(0);
        let mut transactions = self.transactions();
        let Some(t) = transactions
            .get_mut(out_trade_no)
            .filter(|t| t.surface == surface)
        else {
            drop(transactions);
            return self.error(StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS", "订单不存在");
        };
        let fits = matches!(t.state, "SUCCESS" | "REFUND")
            && body["amount"]["total"].as_i64() == Some(t.total)
            && body["amount"]["currency"]
                .as_str()
                .is_none_or(|c| c == t.currency)
            && refund > 0
            && t.refunded + refund <= t.total;
        if out_refund_no.is_empty() || !fits {
            drop(transactions);
            return self.error(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "退款请求与订单不符",
            );
        }
        t.refunded += refund;
        t.state = "REFUND";
        let now = super::beijing(self.app.now());
        let answer = json!({
            "refund_id": format!("50300{}", random_digits(24)), "out_refund_no": out_refund_no,
            "transaction_id": t.transaction_id, "out_trade_no": t.out_trade_no, "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱", "status": "SUCCESS", "create_time": now, "success_time": now,
            "amount": { "refund": refund, "total": t.total, "currency": t.currency,
                        "payer_refund": refund, "payer_total": t.total },
        });
        drop(transactions);
        if let Ok(mut refunds) = self.refunds.lock() {
            refunds.insert(out_refund_no, answer.clone());
        }
        self.json(StatusCode::OK, &answer)
    }
}

/// Every `/v3/…` call: the signature first, then the route.
pub async fn handle(
    State(fake): State<Arc<Fake>>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signed_path = uri.path_and_query().map(|p| p.as_str()).unwrap_or_default();
    let text = String::from_utf8_lossy(&body).into_owned();
    if !fake.authorized(&method, signed_path, &headers, &text) {
        return fake.error(StatusCode::UNAUTHORIZED, "SIGN_ERROR", "签名错误");
    }
    let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if !body.is_empty() && json.is_null() {
        return fake.error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "请求体不是 JSON");
    }
    let path = uri
        .path()
        .strip_prefix("/fake/wechat_pay")
        .unwrap_or_default();
    let (surface, rest) = if let Some(rest) = path.strip_prefix("/v3/pay/transactions") {
        (Surface::Mainland, rest)
    } else if let Some(rest) = path.strip_prefix("/v3/global/transactions") {
        (Surface::Global, rest)
    } else {
        match path {
            "/v3/refund/domestic/refunds" if method == Method::POST => {
                return fake.refund(Surface::Mainland, &json);
            }
            "/v3/global/refunds" if method == Method::POST => {
                return fake.refund(Surface::Global, &json);
            }
            _ => return fake.error(StatusCode::NOT_FOUND, "NOT_FOUND", "无此接口"),
        }
    };
    // Queries name the merchant in the query string, closes in the body.
    let mchid = format!("mchid={}", keys::WECHAT_MCH_ID);
    let mchid_ok = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .any(|p| p == mchid)
        || json["mchid"] == keys::WECHAT_MCH_ID;
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    match (method.clone(), segments.as_slice()) {
        (Method::POST, ["native"]) => fake.create(surface, false, &json),
        (Method::POST, ["h5"]) => fake.create(surface, true, &json),
        (Method::GET, ["out-trade-no", no]) if mchid_ok => match fake.find(surface, no) {
            Some(t) => fake.json(StatusCode::OK, &Fake::describe(&t)),
            None => fake.error(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在"),
        },
        (Method::POST, ["out-trade-no", no, "close"]) if mchid_ok => fake.close(surface, no),
        (_, ["out-trade-no", ..]) => {
            fake.error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "mchid 不符")
        }
        _ => fake.error(StatusCode::NOT_FOUND, "NOT_FOUND", "无此接口"),
    }
}
