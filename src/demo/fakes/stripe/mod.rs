//! **A fake Stripe, for the demo and tests only** (see [`crate::demo::fakes`]): the
//! PaymentIntents API under `/fake/stripe/v1/…` (form-encoded requests with the
//! secret key, JSON answers, `Idempotency-Key` replays, Stripe's error objects), a
//! hosted card page that plays Stripe.js's `confirmCardPayment`, Stripe's test-mode
//! "Authorize / Fail test payment" page for Alipay and WeChat Pay PaymentIntents, and
//! `payment_intent.*` events signed with `Stripe-Signature`, sent to our webhook.

mod api;
mod intents;
mod pages;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::app::App;
use crate::money::{Currency, Money};
use crate::payments::stripe::signature;

use super::{deliver, keys, random_id};

/// The API version the fake's objects and events say they are.
const API_VERSION: &str = "2024-06-20";

pub struct Fake {
    app: App,
    books: Mutex<Books>,
}

#[derive(Default)]
struct Books {
    intents: BTreeMap<String, Value>,
    /// Idempotency key → (what was asked, the answer's status, the answer).
    replies: HashMap<String, (String, u16, Value)>,
    /// PaymentIntent id → amount refunded so far.
    refunded: HashMap<String, i64>,
}

pub fn routes(app: &App) -> Router<App> {
    let fake = Arc::new(Fake {
        app: app.clone(),
        books: Mutex::new(Books::default()),
    });
    Router::new()
        .route("/fake/stripe/v1/payment_intents", post(api::create))
        .route("/fake/stripe/v1/payment_intents/search", get(api::search))
        .route("/fake/stripe/v1/payment_intents/{id}", get(api::retrieve))
        .route(
            "/fake/stripe/v1/payment_intents/{id}/cancel",
            post(api::cancel),
        )
        .route("/fake/stripe/v1/refunds", post(api::refund))
        .route("/fake/stripe/card/{id}", get(pages::card).post(pages::pay))
        .route(
            "/fake/stripe/authorize/{id}",
            get(pages::authorize).post(pages::authorized),
        )
        .with_state(fake)
}

/// Whether the Stripe adapter of this app talks to the fake.
pub fn serves(app: &App) -> bool {
    super::active(&app.config)
        && app.config.payments.providers.stripe.api_base
            == format!("{}/stripe", super::base(&app.config))
}

/// The fake's hosted card page for a PaymentIntent, when the fake serves Stripe: what
/// our card page forwards to in place of Stripe.js. `None` for the real Stripe.
pub fn card_page_url(
    app: &App,
    intent_id: &str,
    client_secret: &str,
    return_url: &str,
) -> Option<String> {
    serves(app).then(|| {
        super::page::with_query(
            &format!("{}/stripe/card/{intent_id}", super::base(&app.config)),
            &[("client_secret", client_secret), ("return_url", return_url)],
        )
    })
}

impl Fake {
    fn books(&self) -> MutexGuard<'_, Books> {
        self.books
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn intent(&self, id: &str) -> Option<Value> {
        self.books().intents.get(id).cloned()
    }

    /// Changes a PaymentIntent when it is in one of `from`; the new object, or `None`
    /// when it was not (paid meanwhile, cancelled…).
    fn update(&self, id: &str, from: &[&str], change: impl FnOnce(&mut Value)) -> Option<Value> {
        let mut books = self.books();
        let intent = books.intents.get_mut(id)?;
        if !from.contains(&intent["status"].as_str().unwrap_or_default()) {
            return None;
        }
        change(intent);
        Some(intent.clone())
    }

    /// The payer paid: `succeeded`, and `payment_intent.succeeded` on its way.
    fn succeed(&self, id: &str, from: &[&str]) -> Option<Value> {
        let intent = self.update(id, from, |intent| {
            intent["status"] = json!("succeeded");
            intent["amount_received"] = intent["amount"].clone();
            intent["latest_charge"] = json!(format!("ch_{}", random_id(24)));
            intent["payment_method"] = json!(format!("pm_{}", random_id(24)));
            intent["last_payment_error"] = Value::Null;
            intent["next_action"] = Value::Null;
        })?;
        self.notify("payment_intent.succeeded", &intent);
        Some(intent)
    }

    /// The payment failed: back to `requires_payment_method` with the error, and
    /// `payment_intent.payment_failed` on its way.
    fn fail(&self, id: &str, from: &[&str], error: Value) -> Option<Value> {
        let intent = self.update(id, from, |intent| {
            intent["status"] = json!("requires_payment_method");
            intent["latest_charge"] = json!(format!("ch_{}", random_id(24)));
            intent["last_payment_error"] = error;
            intent["payment_method"] = Value::Null;
            intent["next_action"] = Value::Null;
        })?;
        self.notify("payment_intent.payment_failed", &intent);
        Some(intent)
    }

    /// Sends the event to our webhook, signed with the fake's webhook secret.
    fn notify(&self, kind: &str, intent: &Value) {
        let event = json!({
            "id": format!("evt_{}", random_id(24)),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.app.now().timestamp(),
            "data": { "object": intent },
            "livemode": false,
            "pending_webhooks": 1,
            "request": { "id": null, "idempotency_key": null },
            "type": kind,
        });
        let body = event.to_string();
        let url = format!("{}/api/v1/webhooks/stripe", self.app.config.public_url());
        deliver::send(
            &self.app,
            format!("stripe {kind}"),
            move |client, app| {
                let header = signature::sign(
                    keys::STRIPE_WEBHOOK_SECRET,
                    app.now().timestamp(),
                    body.as_bytes(),
                );
                Ok(client
                    .post(&url)
                    .header("content-type", "application/json; charset=utf-8")
                    .header(
                        "user-agent",
                        "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                    )
                    .header(signature::HEADER, header)
                    .body(body.clone()))
            },
            |status, _| (200..300).contains(&status),
        );
    }
}

/// A PaymentIntent's amount in our money, for the pages.
fn amount_of(intent: &Value) -> Option<Money> {
    let currency = Currency::parse(&intent["currency"].as_str()?.to_ascii_uppercase()).ok()?;
    Some(Money::new(intent["amount"].as_i64()?, currency))
}
