//! A small local Alipay gateway for the tests: it checks our request signatures and
//! answers as Alipay does, signed with the test "Alipay" key, or fails as told.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Router};
use chrono::{TimeZone, Utc};
use serde_json::Value;

use datacard::clock::ManualClock;
use datacard::config::{AlipayConfig, Secret};
use datacard::payments::alipay::AlipayProvider;
use datacard::payments::alipay::sign::{Params, sign_content, signed_answer};
use datacard::payments::rsa::{SigningKey, VerifyingKey};

pub const PAYMENT_ID: &str = "pay_01JTEST0000000000000000000";

pub fn key(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/fixtures/alipay/test_only_{name}.pem")),
    )
    .unwrap()
}

/// How the fake gateway answers the next calls.
#[derive(Clone)]
pub enum Answer {
    /// Signed `…_response` content.
    Content(String),
    Status(StatusCode),
    Slow(Duration),
    Unsigned(String),
    SignedByAnother(String),
    CutShort(String),
}

#[derive(Clone)]
pub struct Gateway {
    pub answer: Arc<Mutex<Answer>>,
    pub calls: Arc<Mutex<Vec<Params>>>,
}

async fn gateway(State(gateway): State<Gateway>, Form(params): Form<Params>) -> Response {
    // Every call must carry a signature the app's public key verifies.
    let app = VerifyingKey::from_pem(&key("app_public_key")).unwrap();
    if !app.verify_base64(sign_content(&params).as_bytes(), &params["sign"]) {
        return (StatusCode::BAD_REQUEST, "bad request signature").into_response();
    }
    let method = params["method"].clone();
    gateway.calls.lock().unwrap().push(params);
    let alipay = SigningKey::from_pem(&key("alipay_private_key")).unwrap();
    let answer = gateway.answer.lock().unwrap().clone();
    match answer {
        Answer::Content(content) => signed_answer(&method, &content, &alipay)
            .unwrap()
            .into_response(),
        Answer::Status(status) => status.into_response(),
        Answer::Slow(delay) => {
            tokio::time::sleep(delay).await;
            "too late".into_response()
        }
        Answer::Unsigned(content) => {
            format!("{{\"{}_response\":{content}}}", method.replace('.', "_")).into_response()
        }
        Answer::SignedByAnother(content) => {
            let other = SigningKey::from_pem(&key("app_private_key")).unwrap();
            signed_answer(&method, &content, &other)
                .unwrap()
                .into_response()
        }
        Answer::CutShort(content) => {
            let body = signed_answer(&method, &content, &alipay).unwrap();
            body[..body.len() - 10].to_owned().into_response()
        }
    }
}

pub struct Fake {
    pub gateway: Gateway,
    pub url: String,
}

impl Fake {
    pub async fn start() -> Fake {
        let gateway = Gateway {
            answer: Arc::new(Mutex::new(Answer::Status(StatusCode::NOT_FOUND))),
            calls: Arc::new(Mutex::new(Vec::new())),
        };
        let router = Router::new()
            .route("/gateway.do", axum::routing::post(self::gateway))
            .with_state(gateway.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/gateway.do", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Fake { gateway, url }
    }

    pub fn answer(&self, answer: Answer) {
        *self.gateway.answer.lock().unwrap() = answer;
    }

    pub fn content(&self, content: &str) {
        self.answer(Answer::Content(content.to_owned()));
    }

    pub fn last_call(&self) -> (Params, Value) {
        let params = self.gateway.calls.lock().unwrap().last().unwrap().clone();
        let biz = serde_json::from_str(&params["biz_content"]).unwrap();
        (params, biz)
    }

    /// The configuration that points at this gateway.
    pub fn config(&self) -> AlipayConfig {
        AlipayConfig {
            gateway: self.url.clone(),
            app_id: "2021000000000000".into(),
            seller_id: "2088000000000002".into(),
            app_private_key: Secret::new(key("app_private_key_pkcs8")),
            alipay_public_key: key("alipay_public_key"),
            timeout_secs: 1,
            ..AlipayConfig::default()
        }
    }

    pub fn provider(&self) -> AlipayProvider {
        AlipayProvider::from_config(
            &self.config(),
            "https://shop.example.com/api/v1/webhooks/alipay".into(),
            Arc::new(ManualClock::new(
                Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap(),
            )),
        )
        .unwrap()
    }
}
