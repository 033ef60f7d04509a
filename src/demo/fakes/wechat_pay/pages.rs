//! The page a fake `code_url` opens: the WeChat app after scanning, with "Pay".

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use super::super::page::{self, WECHAT_PAY};
use super::{Fake, Transaction};

fn show(transaction: &Transaction, back: Option<String>) -> Response {
    let amount = transaction
        .money()
        .map(|m| m.to_string())
        .unwrap_or_default();
    let body = html! {
        p.amount data-testid="fake-amount" { (amount) }
        p { (transaction.description) " · " code { (transaction.out_trade_no) } }
        @if transaction.state == "NOTPAY" {
            form method="post" action={ "/fake/wechat_pay/pay/" (transaction.prepay) } {
                @if let Some(back) = &back { input type="hidden" name="back" value=(back); }
                button type="submit" { "Pay · 支付" }
            }
            p.hint { "Paying here plays the payer confirming in the WeChat app; WeChat Pay then notifies the shop." }
        } @else {
            p role="status" { "This order is " (transaction.state) "." }
        }
    };
    page::page(WECHAT_PAY, "scanned in the WeChat app", body)
}

pub async fn scanned(
    State(fake): State<Arc<Fake>>,
    Path(prepay): Path<String>,
    headers: HeaderMap,
) -> Response {
    match fake.by_prepay(&prepay) {
        Some(transaction) => show(&transaction, page::came_from(&fake.app, &headers)),
        None => page::not_found(WECHAT_PAY, "No such payment code."),
    }
}

#[derive(Deserialize)]
pub struct PayForm {
    #[serde(default)]
    back: Option<String>,
}

pub async fn pay(
    State(fake): State<Arc<Fake>>,
    Path(prepay): Path<String>,
    Form(form): Form<PayForm>,
) -> Response {
    let Some((paid, transaction)) = fake.pay(&prepay) else {
        return page::not_found(WECHAT_PAY, "No such payment code.");
    };
    if !paid {
        return show(&transaction, None);
    }
    fake.notify(&transaction);
    page::back_or_say(&fake.app, WECHAT_PAY, form.back.as_deref(), "Paid.")
}
