//! **A fake Alipay Open Platform gateway, for the demo and tests only** (see
//! [`crate::demo::fakes`]): `/fake/alipay/gateway.do` checks our RSA2 request signatures
//! with the app's public key and answers `alipay.trade.precreate`, `.query`, `.close`
//! and `.refund` with `…_response` objects signed by "Alipay"'s key; it takes
//! `alipay.trade.page.pay` / `.wap.pay` redirects to its cashier page; its QR code
//! opens a page that plays the Alipay app after scanning; and it sends the
//! `trade_status_sync` notification, RSA2-signed, to the `notify_url` until it hears
//! `success`.
//!
//! As at Alipay, a QR trade exists only once it is scanned (before that a query says
//! `ACQ.TRADE_NOT_EXIST`), and a full refund closes the trade with a `TRADE_CLOSED`
//! notification carrying `refund_fee`.

mod gateway;
mod pages;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::app::App;
use crate::money::Money;
use crate::payments::alipay::gateway::beijing_time;
use crate::payments::alipay::sign::{Params, sign_notification, signed_answer};
use crate::payments::rsa::{SigningKey, VerifyingKey};

use super::{deliver, keys, random_digits, random_id};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Precreated, not scanned yet: Alipay has no trade to show.
    Unscanned,
    WaitBuyerPay,
    Success,
    Closed,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Unscanned | Status::WaitBuyerPay => "WAIT_BUYER_PAY",
            Status::Success => "TRADE_SUCCESS",
            Status::Closed => "TRADE_CLOSED",
        }
    }
}

#[derive(Debug, Clone)]
struct Trade {
    out_trade_no: String,
    trade_no: String,
    subject: String,
    /// `total_amount` as the merchant sent it, and in our money.
    total_amount: String,
    trans_currency: Option<String>,
    money: Money,
    notify_url: Option<String>,
    return_url: Option<String>,
    status: Status,
    refunded: i64,
    /// `out_request_no` of the refunds made.
    refunds: Vec<String>,
    created: DateTime<Utc>,
    paid: Option<DateTime<Utc>>,
    expires: Option<DateTime<Utc>>,
}

pub struct Fake {
    app: App,
    /// "Alipay"'s own key: answers and notifications.
    alipay_key: SigningKey,
    /// The merchant app's public key: request signatures.
    app_key: VerifyingKey,
    trades: Mutex<BTreeMap<String, Trade>>,
}

pub fn routes(app: &App) -> Router<App> {
    let (Ok(alipay_key), Ok(app_key)) = (
        SigningKey::from_pem(keys::ALIPAY_PRIVATE_KEY),
        VerifyingKey::from_pem(keys::ALIPAY_APP_PUBLIC_KEY),
    ) else {
        tracing::error!("the fake Alipay's embedded keys do not load");
        return Router::new();
    };
    let fake = Arc::new(Fake {
        app: app.clone(),
        alipay_key,
        app_key,
        trades: Mutex::new(BTreeMap::new()),
    });
    Router::new()
        .route(
            "/fake/alipay/gateway.do",
            get(gateway::redirected).post(gateway::posted),
        )
        .route("/fake/alipay/qr/{trade_no}", get(pages::scanned))
        .route("/fake/alipay/cashier/{trade_no}", get(pages::cashier))
        .route("/fake/alipay/pay/{trade_no}", post(pages::pay))
        .with_state(fake)
}

impl Fake {
    fn trades(&self) -> MutexGuard<'_, BTreeMap<String, Trade>> {
        self.trades
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn by_trade_no(&self, trade_no: &str) -> Option<Trade> {
        self.trades()
            .values()
            .find(|trade| trade.trade_no == trade_no)
            .cloned()
    }

    /// Moves a trade from one of `from` to `to` (closing it instead when its
    /// `time_expire` has passed): whether it moved to `to`, and the trade as it is now.
    fn advance(&self, out_trade_no: &str, from: &[Status], to: Status) -> Option<(bool, Trade)> {
        let now = self.app.now();
        let mut trades = self.trades();
        let trade = trades.get_mut(out_trade_no)?;
        let open = from.contains(&trade.status);
        if open {
            let expired = trade.expires.is_some_and(|at| at <= now);
            trade.status = if expired { Status::Closed } else { to };
            if trade.status == Status::Success {
                trade.paid = Some(now);
            }
        }
        Some((open && trade.status == to, trade.clone()))
    }

    fn base(&self) -> String {
        format!("{}/alipay", super::base(&self.app.config))
    }

    /// A gateway answer, signed as Alipay signs them.
    fn answer(&self, method: &str, content: &Value) -> Response {
        match signed_answer(method, &content.to_string(), &self.alipay_key) {
            Ok(body) => ([("content-type", "text/html;charset=utf-8")], body).into_response(),
            Err(_) => axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }

    /// The amounts and ids every answer and notification about a trade carries.
    fn trade_fields(trade: &Trade) -> Vec<(&'static str, String)> {
        let paid = if trade.status == Status::Success || trade.paid.is_some() {
            trade.total_amount.clone()
        } else {
            "0.00".into()
        };
        let mut fields = vec![
            ("trade_no", trade.trade_no.clone()),
            ("out_trade_no", trade.out_trade_no.clone()),
            ("trade_status", trade.status.as_str().to_owned()),
            ("total_amount", trade.total_amount.clone()),
            ("receipt_amount", paid.clone()),
            ("buyer_pay_amount", paid.clone()),
            ("invoice_amount", paid),
            ("point_amount", "0.00".into()),
        ];
        if let Some(currency) = &trade.trans_currency {
            fields.push(("trans_currency", currency.clone()));
        }
        fields
    }

    /// Sends `trade_status_sync` to the trade's `notify_url`, signed with Alipay's key,
    /// until our webhook answers exactly `success`.
    fn notify(&self, trade: &Trade, extra: &[(&'static str, String)]) {
        let Some(url) = trade.notify_url.clone() else {
            return;
        };
        let now = self.app.now();
        let mut params = Params::new();
        for (key, value) in Self::trade_fields(trade)
            .into_iter()
            .chain(extra.iter().cloned())
        {
            params.insert(key.to_owned(), value);
        }
        for (key, value) in [
            ("notify_type", "trade_status_sync".to_owned()),
            ("notify_id", random_id(34).to_ascii_lowercase()),
            ("notify_time", beijing_time(now)),
            ("app_id", keys::ALIPAY_APP_ID.to_owned()),
            ("auth_app_id", keys::ALIPAY_APP_ID.to_owned()),
            ("seller_id", keys::ALIPAY_SELLER_ID.to_owned()),
            ("buyer_id", format!("2088{}", random_digits(12))),
            ("charset", "utf-8".to_owned()),
            ("version", "1.0".to_owned()),
            ("sign_type", "RSA2".to_owned()),
            ("subject", trade.subject.clone()),
            ("gmt_create", beijing_time(trade.created)),
        ] {
            params.insert(key.to_owned(), value);
        }
        if let Some(paid) = trade.paid {
            params.insert("gmt_payment".into(), beijing_time(paid));
            let bill = json!([{ "amount": trade.total_amount, "fundChannel": "ALIPAYACCOUNT" }]);
            params.insert("fund_bill_list".into(), bill.to_string());
        }
        if sign_notification(&mut params, &self.alipay_key).is_err() {
            tracing::error!("the fake Alipay cannot sign");
            return;
        }
        let what = format!("alipay {} {}", trade.out_trade_no, trade.status.as_str());
        deliver::send(
            &self.app,
            what,
            move |client, _| Ok(client.post(&url).form(&params)),
            |status, body| status == 200 && body == "success",
        );
    }
}
