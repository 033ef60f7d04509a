//! The fake Alipay's payer side: the page its QR code opens (the Alipay app after
//! scanning) and the cashier of page and wap pay, each with "Pay".

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::payments::alipay::gateway::beijing_time;
use crate::payments::alipay::sign::{Params, sign_notification};

use super::super::keys;
use super::super::page::{self, ALIPAY};
use super::{Fake, Status, Trade};

fn show(trade: &Trade, back: Option<String>, title: &str) -> Response {
    let open = trade.status == Status::WaitBuyerPay;
    let body = html! {
        p.amount data-testid="fake-amount" { (trade.money) }
        p { (trade.subject) " · " code { (trade.out_trade_no) } }
        @if open {
            form method="post" action={ "/fake/alipay/pay/" (trade.trade_no) } {
                @if let Some(back) = &back { input type="hidden" name="back" value=(back); }
                button type="submit" { "Pay · 付款" }
            }
            p.hint { "Paying here plays the payer confirming in the Alipay app; Alipay then notifies the shop." }
        } @else {
            p role="status" { "This trade is " (trade.status.as_str()) "." }
        }
    };
    page::page(ALIPAY, title, body)
}

/// The QR code was scanned: the trade exists at Alipay from now on.
pub async fn scanned(
    State(fake): State<Arc<Fake>>,
    Path(trade_no): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(trade) = fake.by_trade_no(&trade_no) else {
        return page::not_found(ALIPAY, "No such QR code.");
    };
    let Some((_, trade)) = fake.advance(
        &trade.out_trade_no,
        &[Status::Unscanned],
        Status::WaitBuyerPay,
    ) else {
        return page::not_found(ALIPAY, "No such QR code.");
    };
    show(
        &trade,
        page::came_from(&fake.app, &headers),
        "scanned in the Alipay app",
    )
}

pub async fn cashier(State(fake): State<Arc<Fake>>, Path(trade_no): Path<String>) -> Response {
    match fake.by_trade_no(&trade_no) {
        Some(trade) => {
            let back = trade.return_url.clone();
            show(&trade, back, "cashier")
        }
        None => page::not_found(ALIPAY, "No such trade."),
    }
}

#[derive(Deserialize)]
pub struct PayForm {
    #[serde(default)]
    back: Option<String>,
}

pub async fn pay(
    State(fake): State<Arc<Fake>>,
    Path(trade_no): Path<String>,
    Form(form): Form<PayForm>,
) -> Response {
    let Some(trade) = fake.by_trade_no(&trade_no) else {
        return page::not_found(ALIPAY, "No such trade.");
    };
    let Some((paid, trade)) = fake.advance(
        &trade.out_trade_no,
        &[Status::WaitBuyerPay],
        Status::Success,
    ) else {
        return page::not_found(ALIPAY, "No such trade.");
    };
    if !paid {
        return show(&trade, None, "not paid");
    }
    fake.notify(&trade, &[]);
    // Page and wap pay come back to `return_url` with Alipay's signed sync parameters.
    if let Some(return_url) = trade.return_url.as_deref()
        && page::on_our_site(&fake.app, return_url)
    {
        return Redirect::to(&sync_return(&fake, &trade, return_url)).into_response();
    }
    page::back_or_say(&fake.app, ALIPAY, form.back.as_deref(), "Paid.")
}

/// `return_url` with what Alipay adds to it, signed as its notifications are (without
/// `sign` and `sign_type`); only a hint: the shop waits for the notification or asks.
fn sync_return(fake: &Fake, trade: &Trade, return_url: &str) -> String {
    let mut params = Params::new();
    for (key, value) in [
        ("app_id", keys::ALIPAY_APP_ID.to_owned()),
        ("auth_app_id", keys::ALIPAY_APP_ID.to_owned()),
        ("seller_id", keys::ALIPAY_SELLER_ID.to_owned()),
        ("method", "alipay.trade.page.pay.return".to_owned()),
        ("charset", "utf-8".to_owned()),
        ("version", "1.0".to_owned()),
        ("sign_type", "RSA2".to_owned()),
        ("timestamp", beijing_time(fake.app.now())),
        ("out_trade_no", trade.out_trade_no.clone()),
        ("trade_no", trade.trade_no.clone()),
        ("total_amount", trade.total_amount.clone()),
    ] {
        params.insert(key.to_owned(), value);
    }
    let _ = sign_notification(&mut params, &fake.alipay_key);
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    page::with_query(return_url, &pairs)
}
