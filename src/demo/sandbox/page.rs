//! The sandbox provider's hosted page, `GET/POST /sandbox/pay/{payment_id}`: what a
//! payer sees at a real provider, with "Pay" and "Decline". It is the provider's
//! page, not the portal's, so it has its own plain look and no portal session.

use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{DOCTYPE, html};
use serde::Deserialize;

use super::bank;
use crate::app::App;
use crate::error::{Code, Error};

pub fn routes() -> Router<App> {
    Router::new().route("/sandbox/pay/{payment_id}", get(page).post(pay))
}

async fn page(State(app): State<App>, Path(payment_id): Path<String>) -> Response {
    let payment = match bank::find(&app, &payment_id).await {
        Ok(Some(payment)) => payment,
        Ok(None) => return Error::not_found(Code::PaymentNotFound).into_response(),
        Err(error) => return error.into_response(),
    };
    let open = payment.status == bank::BankStatus::Pending;
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Sandbox payment · 模擬付款" }
                style { "body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
                    .box{border:2px dashed #8a4b00;border-radius:.6rem;padding:1rem}
                    button{font:inherit;font-weight:600;padding:.7rem 1.2rem;border-radius:.4rem;margin:.25rem .5rem .25rem 0;cursor:pointer}
                    .pay{background:#1d6b3a;color:#fff;border:2px solid #1d6b3a}.decline{background:#fff;color:#b3261e;border:2px solid #b3261e}
                    .amount{font-size:1.8rem;font-weight:700;margin:.25rem 0}" }
            }
            body {
                main.box {
                    h1 { "Sandbox payment · 模擬付款" }
                    p { "This is the sandbox provider's test page: no real money moves. 此為測試付款頁面，不涉及真實款項。" }
                    p.amount data-testid="sandbox-amount" { (payment.amount) }
                    p { (payment.description) " · " (payment.method) }
                    @if open {
                        form method="post" {
                            button.pay type="submit" name="outcome" value="succeed" { "Pay · 付款" }
                            button.decline type="submit" name="outcome" value="fail" { "Decline · 拒絕" }
                        }
                    } @else {
                        p role="status" { "Status · 狀態: " (format!("{:?}", payment.status).to_lowercase()) }
                        p { a href=(payment.return_url) { "Back to the shop · 返回商店" } }
                    }
                }
            }
        }
    };
    Html(markup.into_string()).into_response()
}

#[derive(Deserialize)]
struct Outcome {
    outcome: String,
}

async fn pay(
    State(app): State<App>,
    Path(payment_id): Path<String>,
    Form(form): Form<Outcome>,
) -> Response {
    let succeed = match form.outcome.as_str() {
        "succeed" => true,
        "fail" => false,
        _ => return Error::invalid(Code::InvalidOutcome).into_response(),
    };
    let payment = match bank::find(&app, &payment_id).await {
        Ok(Some(payment)) => payment,
        Ok(None) => return Error::not_found(Code::PaymentNotFound).into_response(),
        Err(error) => return error.into_response(),
    };
    match bank::pay(&app, &payment_id, succeed).await {
        Ok(true) => Redirect::to(&payment.return_url).into_response(),
        Ok(false) => (
            StatusCode::CONFLICT,
            Html("This payment is no longer open. 此付款已結束。"),
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}
