//! Cards through our card page and auto-renew by saved card, against localstripe: the
//! test plays the payer's browser (its fake Stripe.js's requests) and the portal's
//! card page through the real router, and moves the clock for auto-renew.
//!
//! - A card saved on the card page renews the line off-session through a time jump.
//! - A saved card that is declined goes to dunning and tells the subscriber each time.
//! - A card whose bank wants the payer (3-D Secure) pays on the page, but fails an
//!   off-session renewal cleanly: the PaymentIntent is cancelled and dunning starts.
//! - Removing a card detaches it at Stripe; auto-renew then fails and says so.
//! - Bad input: someone else's card or payment, card auto-renew with no card, made-up,
//!   foreign, unconfirmed and forged SetupIntents, no CSRF token, posts sent twice.
//! - Migration 0006 keeps the auto-renew rows there were and lets `card` in.
//!
//! Each story runs on SQLite and on PostgreSQL with a localstripe of its own and ends
//! with the ledger check. Without localstripe the stories say SKIPPED and pass, unless
//! `DATACARD_REQUIRE_PROVIDERS=1`.

mod card_page;
mod migration;
mod refusals;
mod renewals;

use std::ops::Deref;

use axum::http::{StatusCode, header};
use chrono::Duration;
use serde_json::{Value, json};
use sqlx::Row;

use datacard::config::Secret;
use datacard::money::Currency;

use crate::support::stripe::localstripe::{LocalStripe, PUBLISHABLE_KEY};
use crate::support::stripe::{SECRET_KEY, WEBHOOK_SECRET};
use crate::support::*;
use card_page::*;

const PLAN: &str = "HK-7D-5G";
/// HK$48.00 and the card's 2.5 % fee.
const CARD_PRICE: i64 = 4_920;
const VISA: &str = "4242424242424242";
/// Set up fine, declined on every charge (localstripe and Stripe alike).
const DECLINES: &str = "4000000000000341";
/// Always asks for 3-D Secure, on the page and off-session.
const THREE_D_SECURE: &str = "4000002760003184";
/// This story's subscribers: +852 614…, card…@example.com, ICCIDs 89852078….
const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852614",
    email: "card",
    iccid: "89852078",
};

/// A localstripe of the story's own, and the app's cards served by Stripe there.
async fn start(backend: Backend) -> Option<(TestApp, LocalStripe)> {
    let stripe = LocalStripe::start()?;
    let app = TestApp::start_with(backend, |config| {
        config.payments.card.provider = datacard::payments::ProviderName::Stripe;
        let settings = &mut config.payments.providers.stripe;
        settings.api_base = stripe.base.clone();
        settings.secret_key = Secret::new(SECRET_KEY);
        settings.webhook_secret = Secret::new(WEBHOOK_SECRET);
        settings.publishable_key = PUBLISHABLE_KEY.into();
        settings.js_url = stripe.js_url();
    })
    .await?;
    Some((app, stripe))
}

/// A [`Subscriber`] signed in to the portal too, as the card page needs.
struct PortalSubscriber {
    sub: Subscriber,
    /// The portal's CSRF token and the `Cookie` header of a portal session.
    csrf: String,
    cookie: String,
}

impl Deref for PortalSubscriber {
    type Target = Subscriber;
    fn deref(&self) -> &Subscriber {
        &self.sub
    }
}

/// A subscriber with one line on [`PLAN`] whose period started 5 days ago (it ends 2
/// days after the story's start), signed in to the API and the portal.
async fn subscriber(app: &TestApp, n: u32) -> PortalSubscriber {
    let starts_at = app.now() - Duration::days(5);
    let sub = app
        .subscriber_with_line(&SUBSCRIBERS, n, PLAN, starts_at, Used::Nothing)
        .await;
    let (csrf, cookie) = app.portal_log_in(&sub.phone, PASSWORD).await;
    PortalSubscriber { sub, csrf, cookie }
}

// ----- the API ------------------------------------------------------------------------

/// A wallet top-up by card, left at the card page: `(order id, payment id)`.
async fn card_top_up(app: &TestApp, sub: &Subscriber, amount: i64) -> (String, String) {
    let (status, _, order) = app
        .post_json(
            "/api/v1/orders",
            json!({ "kind": "wallet_topup", "amount": { "amount": amount, "currency": "HKD" },
                    "payment_method": "card" }),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let payment = order["payment"]["id"]
        .as_str()
        .expect("a payment")
        .to_owned();
    assert_eq!(
        order["payment"]["next_action"]["url"],
        format!("https://datacard.test/pay/stripe/{payment}"),
        "{order}"
    );
    (order["id"].as_str().expect("an id").to_owned(), payment)
}

/// Tops up by card on the card page, expecting `state` for the order.
async fn top_up_with(
    app: &TestApp,
    stripe: &LocalStripe,
    sub: &PortalSubscriber,
    number: &str,
    state: &str,
) -> String {
    let (order, payment) = card_top_up(app, sub, 10_000).await;
    let (_, answer) = pay_on_card_page(app, stripe, sub, &payment, number, true).await;
    assert_eq!(answer["redirect"], format!("/orders/{order}?returned=1"));
    assert_eq!(order_state(app, sub, &order).await, state);
    payment
}

async fn order_state(app: &TestApp, sub: &Subscriber, order: &str) -> String {
    let (status, _, body) = app
        .get_json(
            &format!("/api/v1/orders/{order}"),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["state"].as_str().unwrap_or_default().to_owned()
}

async fn cards(app: &TestApp, sub: &Subscriber) -> Vec<Value> {
    let (status, _, body) = app
        .get_json("/api/v1/me/cards", &[("authorization", &sub.auth())])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["cards"].as_array().cloned().unwrap_or_default()
}

async fn set_auto_renew(app: &TestApp, sub: &Subscriber, body: Value) -> Reply {
    app.request(
        axum::http::Method::PUT,
        &format!("/api/v1/lines/{}/auto-renew", sub.iccid),
        Some(body),
        &[("authorization", &sub.auth())],
    )
    .await
}

async fn enable_card(app: &TestApp, sub: &Subscriber) -> Value {
    let (status, _, body) =
        set_auto_renew(app, sub, json!({ "enabled": true, "method": "card" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["method"], "card");
    body
}

// ----- what happened ------------------------------------------------------------------

async fn scan_and_run(app: &TestApp) -> usize {
    let queued = datacard::auto_renew::scan(app).await.expect("scan");
    datacard::jobs::run_due(app, "card-story")
        .await
        .expect("jobs run");
    queued
}

async fn run_jobs(app: &TestApp) {
    datacard::jobs::run_due(app, "card-story")
        .await
        .expect("jobs run");
}

async fn period_count(app: &TestApp, iccid: &str) -> usize {
    sqlx::query("SELECT id FROM line_periods WHERE iccid = $1")
        .bind(iccid)
        .fetch_all(app.db.reader())
        .await
        .expect("periods")
        .len()
}

/// `(order state, payment state, PaymentIntent)` of each renewal, oldest first.
async fn renewals(app: &TestApp, account_id: &str) -> Vec<(String, String, Option<String>)> {
    sqlx::query(
        "SELECT o.state, p.state AS payment_state, p.provider_ref FROM orders o \
         JOIN payments p ON p.order_id = o.id \
         WHERE o.account_id = $1 AND o.kind = 'renewal' ORDER BY o.created_at",
    )
    .bind(account_id)
    .fetch_all(app.db.reader())
    .await
    .expect("renewals")
    .iter()
    .map(|row| {
        (
            row.get("state"),
            row.get("payment_state"),
            row.get("provider_ref"),
        )
    })
    .collect()
}

/// The auto-renew messages sent to `destination`, oldest first.
async fn renew_messages(app: &TestApp, destination: &str) -> Vec<String> {
    app.messages_to(destination)
        .await
        .into_iter()
        .map(|entry| entry.message.kind)
        .filter(|kind| kind.starts_with("auto_renew"))
        .collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

async fn saved_payment_method(app: &TestApp, card_id: &str) -> String {
    sqlx::query("SELECT provider_ref FROM saved_cards WHERE id = $1")
        .bind(card_id)
        .fetch_one(app.db.reader())
        .await
        .expect("the saved card")
        .get("provider_ref")
}

async fn balance(app: &TestApp, sub: &Subscriber) -> i64 {
    datacard::ledger::wallet_balance(app, &sub.account_id, Currency::HKD)
        .await
        .expect("balance")
        .amount
}
