//! The fake's `/v1/…` API over HTTP: the secret key, `Idempotency-Key` replays and
//! Stripe's JSON answers; what each call does is in [`super::intents`].

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::keys;
use super::intents::{Form, error, invalid, missing};
use super::{API_VERSION, Fake};

fn answer(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        "stripe-version",
        axum::http::HeaderValue::from_static(API_VERSION),
    );
    response
}

/// Every call carries the secret key as a bearer token; the refusal otherwise.
fn authorized(headers: &HeaderMap) -> Result<(), Box<Response>> {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer == Some(keys::STRIPE_SECRET_KEY) {
        return Ok(());
    }
    let (status, body) = error(
        401,
        "invalid_request_error",
        None,
        "Invalid API Key provided: the fake Stripe takes its own test key only.",
    );
    Err(Box::new(answer(status, body)))
}

impl Fake {
    /// Runs `act` once per idempotency key: later calls with the same key get the
    /// first answer again, or an `idempotency_error` when they ask something else.
    fn idempotent(
        &self,
        headers: &HeaderMap,
        request: String,
        act: impl FnOnce(&Fake) -> (u16, Value),
    ) -> Response {
        let key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(key) = &key {
            let first = self.books().replies.get(key).cloned();
            if let Some((asked, status, body)) = first {
                if asked != request {
                    let (status, body) = error(
                        400,
                        "idempotency_error",
                        None,
                        "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                    );
                    return answer(status, body);
                }
                let mut response = answer(status, body);
                response.headers_mut().insert(
                    "idempotent-replayed",
                    axum::http::HeaderValue::from_static("true"),
                );
                return response;
            }
        }
        let (status, body) = act(self);
        if let Some(key) = key {
            self.books()
                .replies
                .insert(key, (request, status, body.clone()));
        }
        answer(status, body)
    }
}

pub async fn create(State(fake): State<Arc<Fake>>, headers: HeaderMap, body: String) -> Response {
    if let Err(refused) = authorized(&headers) {
        return *refused;
    }
    let form: Form = serde_urlencoded::from_str(&body).unwrap_or_default();
    fake.idempotent(
        &headers,
        format!("POST /v1/payment_intents {body}"),
        |fake| fake.create_intent(&form),
    )
}

pub async fn retrieve(
    State(fake): State<Arc<Fake>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = authorized(&headers) {
        return *refused;
    }
    let (status, body) = fake.intent(&id).map_or_else(|| missing(&id), |i| (200, i));
    answer(status, body)
}

/// Search, for the one query the adapter makes: `metadata['key']:'value'`.
pub async fn search(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(refused) = authorized(&headers) {
        return *refused;
    }
    let text = query.get("query").map(String::as_str).unwrap_or_default();
    let parsed = text
        .strip_prefix("metadata['")
        .and_then(|rest| rest.split_once("']:'"))
        .and_then(|(key, value)| Some((key, value.strip_suffix('\'')?)));
    let Some((key, value)) = parsed else {
        let (status, body) = invalid(
            "parameter_invalid_string",
            "The fake Stripe searches by metadata['key']:'value' only",
        );
        return answer(status, body);
    };
    let value = value.replace("\\'", "'").replace("\\\\", "\\");
    let data: Vec<Value> = fake
        .books()
        .intents
        .values()
        .filter(|intent| intent["metadata"][key].as_str() == Some(value.as_str()))
        .cloned()
        .collect();
    answer(
        200,
        json!({ "object": "search_result", "url": "/v1/payment_intents/search",
                "has_more": false, "next_page": null, "data": data }),
    )
}

pub async fn cancel(
    State(fake): State<Arc<Fake>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Err(refused) = authorized(&headers) {
        return *refused;
    }
    fake.idempotent(&headers, format!("POST /cancel {id} {body}"), |fake| {
        fake.cancel_intent(&id)
    })
}

pub async fn refund(State(fake): State<Arc<Fake>>, headers: HeaderMap, body: String) -> Response {
    if let Err(refused) = authorized(&headers) {
        return *refused;
    }
    let form: Form = serde_urlencoded::from_str(&body).unwrap_or_default();
    fake.idempotent(&headers, format!("POST /v1/refunds {body}"), |fake| {
        fake.create_refund(&form)
    })
}
