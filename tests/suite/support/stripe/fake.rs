//! A fake Stripe on a loopback port for `tests/suite/stripe/wire.rs`: it answers with the
//! recorded PaymentIntents of `tests/fixtures/stripe/`, records every request, keeps
//! Stripe's documented idempotency (the first answer to a key is replayed, 500s
//! included; the same key with other parameters is an `idempotency_error`), and can
//! lose the answer to a create after making its PaymentIntent.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/stripe")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub authorization: String,
    pub idempotency_key: Option<String>,
    pub stripe_version: Option<String>,
    pub form: Vec<(String, String)>,
}

impl Recorded {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// What the next create does after making its PaymentIntent.
#[derive(Debug, Clone, Copy)]
pub enum Mishap {
    Answer500,
    AnswerAfter(Duration),
}

#[derive(Default)]
pub struct Books {
    pub intents: BTreeMap<String, Value>,
    replies: HashMap<String, (String, u16, Value)>,
    requests: Vec<Recorded>,
    mishap: Option<Mishap>,
    refunded: HashSet<String>,
}

#[derive(Clone, Default)]
pub struct Fake(Arc<Mutex<Books>>);

impl Fake {
    pub fn books(&self) -> std::sync::MutexGuard<'_, Books> {
        self.0.lock().expect("the fake's books")
    }

    pub fn creates(&self) -> Vec<Recorded> {
        self.requested("/v1/payment_intents")
    }

    pub fn requested(&self, path: &str) -> Vec<Recorded> {
        self.books()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    pub fn intent(&self, id: &str) -> Value {
        self.books().intents.get(id).cloned().expect("an intent")
    }

    /// The payer (or Stripe) moved the PaymentIntent on.
    pub fn set(&self, id: &str, changes: Value) {
        let mut books = self.books();
        let intent = books.intents.get_mut(id).expect("an intent");
        for (key, value) in changes.as_object().expect("an object") {
            intent[key] = value.clone();
        }
    }

    pub fn misbehave(&self, mishap: Mishap) {
        self.books().mishap = Some(mishap);
    }
}

fn record(fake: &Fake, path: &str, headers: &HeaderMap, body: &str) -> Recorded {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let recorded = Recorded {
        path: path.to_owned(),
        authorization: header("authorization").unwrap_or_default(),
        idempotency_key: header("idempotency-key"),
        stripe_version: header("stripe-version"),
        form: serde_urlencoded::from_str(body).unwrap_or_default(),
    };
    fake.books().requests.push(recorded.clone());
    recorded
}

fn answer(status: u16, body: Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(body),
    )
        .into_response()
}

/// Stripe's idempotency: a replay of the first answer, or the error for a key reused
/// with other parameters; `None` for a new key.
fn replay(fake: &Fake, request: &Recorded, body: &str) -> Option<Response> {
    let key = request.idempotency_key.as_ref()?;
    let (first_body, status, reply) = fake.books().replies.get(key)?.clone();
    if first_body != body {
        return Some(answer(400, fixture("error.idempotency_error.json")));
    }
    let mut response = answer(status, reply);
    response
        .headers_mut()
        .insert("idempotent-replayed", "true".parse().expect("a header"));
    Some(response)
}

async fn create_intent(State(fake): State<Fake>, headers: HeaderMap, body: String) -> Response {
    let request = record(&fake, "/v1/payment_intents", &headers, &body);
    if let Some(replayed) = replay(&fake, &request, &body) {
        return replayed;
    }
    let method = request.field("payment_method_types[]").unwrap_or("card");
    let mut intent = match method {
        "alipay" => fixture("payment_intent.alipay.requires_action.json"),
        "wechat_pay" => fixture("payment_intent.wechat_pay.requires_action.json"),
        _ => fixture("payment_intent.card.requires_payment_method.json"),
    };
    let mishap = {
        let mut books = fake.books();
        let id = format!("pi_wire_{}", books.intents.len() + 1);
        intent["id"] = json!(id);
        intent["client_secret"] = json!(format!("{id}_secret_wire"));
        let amount: i64 = request.field("amount").unwrap_or("0").parse().unwrap_or(0);
        intent["amount"] = json!(amount);
        intent["currency"] = json!(request.field("currency"));
        intent["metadata"] = json!({
            "payment_id": request.field("metadata[payment_id]"),
            "description": request.field("metadata[description]"),
        });
        books.intents.insert(id, intent.clone());
        let mishap = books.mishap.take();
        let (status, reply) = match mishap {
            Some(Mishap::Answer500) => (500, json!({"error": {"type": "api_error"}})),
            _ => (200, intent.clone()),
        };
        if let Some(key) = &request.idempotency_key {
            books.replies.insert(key.clone(), (body, status, reply));
        }
        mishap
    };
    match mishap {
        Some(Mishap::Answer500) => answer(500, json!({"error": {"type": "api_error"}})),
        Some(Mishap::AnswerAfter(delay)) => {
            tokio::time::sleep(delay).await;
            answer(200, intent)
        }
        None => answer(200, intent),
    }
}

async fn search_intents(
    State(fake): State<Fake>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let wanted = query
        .get("query")
        .and_then(|q| q.strip_prefix("metadata['payment_id']:'"))
        .and_then(|q| q.strip_suffix('\''))
        .unwrap_or_default()
        .to_owned();
    let data: Vec<Value> = fake
        .books()
        .intents
        .values()
        .filter(|pi| pi["metadata"]["payment_id"] == wanted.as_str())
        .cloned()
        .collect();
    answer(
        200,
        json!({"object": "search_result", "data": data, "has_more": false,
               "next_page": null, "url": "/v1/payment_intents/search"}),
    )
}

async fn retrieve_intent(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    match fake.books().intents.get(&id) {
        Some(intent) => answer(200, intent.clone()),
        None => answer(
            404,
            json!({"error": {"code": "resource_missing", "type": "invalid_request_error",
                             "message": format!("No such payment_intent: '{id}'")}}),
        ),
    }
}

async fn cancel_intent(
    State(fake): State<Fake>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    record(&fake, "/v1/payment_intents/{id}/cancel", &headers, "");
    let mut books = fake.books();
    let Some(intent) = books.intents.get_mut(&id) else {
        return answer(404, json!({"error": {"code": "resource_missing"}}));
    };
    if matches!(intent["status"].as_str(), Some("succeeded" | "canceled")) {
        return answer(
            400,
            json!({"error": {"code": "payment_intent_unexpected_state",
                             "type": "invalid_request_error"}}),
        );
    }
    intent["status"] = json!("canceled");
    intent["cancellation_reason"] = json!("requested_by_customer");
    answer(200, intent.clone())
}

async fn create_refund(State(fake): State<Fake>, headers: HeaderMap, body: String) -> Response {
    let request = record(&fake, "/v1/refunds", &headers, &body);
    if let Some(replayed) = replay(&fake, &request, &body) {
        return replayed;
    }
    let pi = request
        .field("payment_intent")
        .unwrap_or_default()
        .to_owned();
    let mut books = fake.books();
    let (status, reply) = if books.refunded.insert(pi.clone()) {
        let mut refund = fixture("refund.succeeded.json");
        refund["payment_intent"] = json!(pi);
        refund["amount"] = json!(request.field("amount").and_then(|a| a.parse::<i64>().ok()));
        (200, refund)
    } else {
        (400, fixture("error.charge_already_refunded.json"))
    };
    if let Some(key) = &request.idempotency_key {
        books
            .replies
            .insert(key.clone(), (body, status, reply.clone()));
    }
    answer(status, reply)
}

pub async fn start_fake() -> (Fake, String) {
    let fake = Fake::default();
    let router = Router::new()
        .route("/v1/payment_intents", post(create_intent))
        .route("/v1/payment_intents/search", get(search_intents))
        .route("/v1/payment_intents/{id}", get(retrieve_intent))
        .route("/v1/payment_intents/{id}/cancel", post(cancel_intent))
        .route("/v1/refunds", post(create_refund))
        .with_state(fake.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (fake, base)
}
