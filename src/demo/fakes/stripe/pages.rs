//! The fake Stripe's pages: the hosted card page (what Stripe.js's
//! `confirmCardPayment` does on our card page, with Stripe's test card numbers) and
//! the test-mode page that authorizes or fails an Alipay or WeChat Pay PaymentIntent.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::page::{self, STRIPE};
use super::{Fake, amount_of};

/// Statuses in which a card can still be tried.
const OPEN_FOR_CARDS: [&str; 2] = ["requires_payment_method", "requires_confirmation"];

#[derive(Deserialize)]
pub struct CardQuery {
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    return_url: String,
}

#[derive(Deserialize)]
pub struct CardForm {
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    return_url: String,
    #[serde(default)]
    number: String,
}

/// The PaymentIntent, when `client_secret` is its own (as Stripe.js requires).
fn with_secret(fake: &Fake, id: &str, client_secret: &str) -> Option<Value> {
    fake.intent(id)
        .filter(|intent| !client_secret.is_empty() && intent["client_secret"] == client_secret)
}

fn card_form(
    intent: &Value,
    client_secret: &str,
    return_url: &str,
    error: Option<&str>,
) -> Response {
    let amount = amount_of(intent).map(|m| m.to_string()).unwrap_or_default();
    let body = html! {
        p.amount data-testid="fake-amount" { (amount) }
        p { (intent["metadata"]["description"].as_str().unwrap_or_default()) " · " code { (intent["id"].as_str().unwrap_or_default()) } }
        @if let Some(error) = error { p.error role="alert" { (error) } }
        form method="post" {
            input type="hidden" name="client_secret" value=(client_secret);
            input type="hidden" name="return_url" value=(return_url);
            label for="number" { "Card number" }
            input #number name="number" inputmode="numeric" autocomplete="off" value="4242 4242 4242 4242";
            label for="expiry" { "Expiry (MM / YY)" }
            input #expiry name="expiry" autocomplete="off" value="12 / 34";
            label for="cvc" { "CVC" }
            input #cvc name="cvc" inputmode="numeric" autocomplete="off" value="123";
            button type="submit" { "Pay " (amount) }
        }
        p.hint { "Stripe's test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined; "
            "4000 0000 0000 9995 is declined for insufficient funds. Any expiry in the future and any CVC." }
        p.hint { "A real deployment collects the card with Stripe.js on the shop's own page; this page plays that part." }
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, page::page(STRIPE, "card payment", body)).into_response()
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn declined(decline_code: &str, message: &str) -> Value {
    json!({ "type": "card_error", "code": "card_declined", "decline_code": decline_code,
            "message": message, "doc_url": "https://stripe.com/docs/error-codes/card-declined" })
}

pub async fn card(
    State(fake): State<Arc<Fake>>,
    Path(id): Path<String>,
    Query(query): Query<CardQuery>,
) -> Response {
    let Some(intent) = with_secret(&fake, &id, &query.client_secret) else {
        return page::not_found(STRIPE, "No such PaymentIntent, or not its client secret.");
    };
    let open = OPEN_FOR_CARDS.contains(&intent["status"].as_str().unwrap_or_default())
        && intent["last_payment_error"].is_null();
    if open {
        return card_form(&intent, &query.client_secret, &query.return_url, None);
    }
    let status = intent["status"].as_str().unwrap_or("unknown").to_owned();
    page::back_or_say(
        &fake.app,
        STRIPE,
        Some(&query.return_url),
        &format!("This payment is no longer open ({status})."),
    )
}

/// "Pay": confirms the PaymentIntent with the card, then back to the shop.
pub async fn pay(
    State(fake): State<Arc<Fake>>,
    Path(id): Path<String>,
    Form(form): Form<CardForm>,
) -> Response {
    let Some(intent) = with_secret(&fake, &id, &form.client_secret) else {
        return page::not_found(STRIPE, "No such PaymentIntent, or not its client secret.");
    };
    let number: String = form.number.chars().filter(|c| !c.is_whitespace()).collect();
    if !(12..=19).contains(&number.len())
        || !number.bytes().all(|b| b.is_ascii_digit())
        || !luhn(&number)
    {
        return card_form(
            &intent,
            &form.client_secret,
            &form.return_url,
            Some("Your card number is invalid."),
        );
    }
    let done = match number.as_str() {
        "4000000000000002" => fake.fail(
            &id,
            &OPEN_FOR_CARDS,
            declined("generic_decline", "Your card was declined."),
        ),
        "4000000000009995" => fake.fail(
            &id,
            &OPEN_FOR_CARDS,
            declined("insufficient_funds", "Your card has insufficient funds."),
        ),
        _ => fake.succeed(&id, &OPEN_FOR_CARDS),
    };
    let said = match done {
        Some(intent) if intent["status"] == "succeeded" => "Paid.",
        Some(_) => "Your card was declined.",
        None => "This payment is no longer open.",
    };
    page::back_or_say(&fake.app, STRIPE, Some(&form.return_url), said)
}

#[derive(Deserialize)]
pub struct Outcome {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    back: Option<String>,
}

/// Stripe's test-mode page for Alipay and WeChat Pay PaymentIntents.
pub async fn authorize(
    State(fake): State<Arc<Fake>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(intent) = fake
        .intent(&id)
        .filter(|i| i["status"] == "requires_action")
    else {
        return page::not_found(STRIPE, "No PaymentIntent waiting for authorization here.");
    };
    let method = intent["payment_method_types"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let amount = amount_of(&intent)
        .map(|m| m.to_string())
        .unwrap_or_default();
    let back = page::came_from(&fake.app, &headers);
    let body = html! {
        p.amount data-testid="fake-amount" { (amount) }
        p { (method) " · " code { (id) } }
        form method="post" {
            @if let Some(back) = &back { input type="hidden" name="back" value=(back); }
            button type="submit" name="outcome" value="authorize" { "Authorize test payment" }
            button.secondary type="submit" name="outcome" value="fail" { "Fail test payment" }
        }
    };
    page::page(STRIPE, &format!("{method} test payment"), body)
}

pub async fn authorized(
    State(fake): State<Arc<Fake>>,
    Path(id): Path<String>,
    Form(form): Form<Outcome>,
) -> Response {
    // Alipay PaymentIntents go back to their return_url, with what Stripe adds to it.
    let return_url = fake
        .intent(&id)
        .and_then(|i| {
            i["next_action"]["alipay_handle_redirect"]["return_url"]
                .as_str()
                .map(str::to_owned)
        })
        .or_else(|| form.back.clone());
    let waiting = ["requires_action"];
    let done = match form.outcome.as_str() {
        "authorize" => fake.succeed(&id, &waiting),
        "fail" => fake.fail(
            &id,
            &waiting,
            json!({ "type": "invalid_request_error",
            "code": "payment_intent_payment_attempt_failed", "message": "The payment failed." }),
        ),
        _ => return page::not_found(STRIPE, "Authorize or fail, nothing else."),
    };
    let Some(intent) = done else {
        return page::not_found(
            STRIPE,
            "This payment is no longer waiting for authorization.",
        );
    };
    let redirect_status = if intent["status"] == "succeeded" {
        "succeeded"
    } else {
        "failed"
    };
    match return_url.filter(|url| page::on_our_site(&fake.app, url)) {
        Some(url) => Redirect::to(&page::with_query(
            &url,
            &[
                ("payment_intent", &id),
                ("redirect_status", redirect_status),
            ],
        ))
        .into_response(),
        None => page::back_or_say(
            &fake.app,
            STRIPE,
            None,
            &format!("Test payment {redirect_status}."),
        ),
    }
}
