//! A small local WeChat Pay API for the tests: it checks our `Authorization`
//! signatures and answers as WeChat Pay does, signed with the test platform key, or
//! fails as told.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::DateTime;
use serde_json::Value;

use datacard::clock::ManualClock;
use datacard::config::{Secret, WechatPayConfig};
use datacard::payments::rsa::{SigningKey, VerifyingKey};
use datacard::payments::wechat_pay::WechatPayProvider;
use datacard::payments::wechat_pay::sign::{platform_headers, request_message};

pub const PAYMENT_ID: &str = "pay_01JTEST0000000000000000000";
pub const MCH_ID: &str = "1900000109";
pub const APP_ID: &str = "wxd678efh567hg6787";
pub const SERIAL: &str = "PUB_KEY_ID_0114232134912410000000000000";
pub const NOW: i64 = 1_795_600_000;

pub fn pem(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/fixtures/wechat_pay/test_only_{name}.pem")),
    )
    .unwrap()
}

#[derive(Clone)]
pub enum Answer {
    Signed(StatusCode, String),
    /// Error answers may come without a signature.
    Plain(StatusCode, String),
    Slow(Duration),
    Stale(String),
    UnknownSerial(String),
    SignedByAnother(String),
}

#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub body: Value,
}

#[derive(Clone)]
pub struct Api {
    /// The time the answers are signed at (the adapter's clock must agree).
    pub at: i64,
    answer: Arc<Mutex<Answer>>,
    calls: Arc<Mutex<Vec<Call>>>,
}

pub fn signed(
    key: &SigningKey,
    serial: &str,
    at: i64,
    status: StatusCode,
    body: String,
) -> Response {
    let mut response = (status, body.clone()).into_response();
    for (name, value) in platform_headers(key, serial, at, "ANSWERNONCE", body.as_bytes()).unwrap()
    {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

/// Checks the `Authorization` header the way WeChat Pay does.
fn authorized(method: &Method, path: &str, headers: &HeaderMap, body: &str) -> bool {
    let Some(header) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(params) = header.strip_prefix("WECHATPAY2-SHA256-RSA2048 ") else {
        return false;
    };
    let fields: BTreeMap<&str, &str> = params
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k, v.trim_matches('"')))
        .collect();
    let message = request_message(
        method.as_str(),
        path,
        fields["timestamp"].parse().unwrap(),
        fields["nonce_str"],
        body,
    );
    fields["mchid"] == MCH_ID
        && VerifyingKey::from_pem(&pem("merchant_public_key"))
            .unwrap()
            .verify_base64(message.as_bytes(), fields["signature"])
}

async fn api(
    State(api): State<Api>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().unwrap().to_string();
    let text = String::from_utf8(body.to_vec()).unwrap();
    if !authorized(&method, &path, &headers, &text) {
        return (
            StatusCode::UNAUTHORIZED,
            r#"{"code":"SIGN_ERROR","message":"签名错误"}"#,
        )
            .into_response();
    }
    api.calls.lock().unwrap().push(Call {
        method: method.to_string(),
        path,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    });
    let platform = SigningKey::from_pem(&pem("platform_private_key")).unwrap();
    let answer = api.answer.lock().unwrap().clone();
    match answer {
        Answer::Signed(status, body) => signed(&platform, SERIAL, api.at, status, body),
        Answer::Plain(status, body) => (status, body).into_response(),
        Answer::Slow(delay) => {
            tokio::time::sleep(delay).await;
            StatusCode::NO_CONTENT.into_response()
        }
        Answer::Stale(body) => signed(&platform, SERIAL, api.at - 600, StatusCode::OK, body),
        Answer::UnknownSerial(body) => {
            signed(&platform, "PUB_KEY_ID_0000", api.at, StatusCode::OK, body)
        }
        Answer::SignedByAnother(body) => {
            let merchant = SigningKey::from_pem(&pem("merchant_private_key")).unwrap();
            signed(&merchant, SERIAL, api.at, StatusCode::OK, body)
        }
    }
}

pub struct Fake {
    pub api: Api,
    pub base: String,
}

impl Fake {
    pub async fn start() -> Fake {
        Self::start_at(NOW).await
    }

    pub async fn start_at(at: i64) -> Fake {
        let api = Api {
            at,
            answer: Arc::new(Mutex::new(Answer::Plain(
                StatusCode::NOT_FOUND,
                String::new(),
            ))),
            calls: Arc::new(Mutex::new(Vec::new())),
        };
        let router = Router::new().fallback(self::api).with_state(api.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Fake { api, base }
    }

    pub fn answer(&self, answer: Answer) {
        *self.api.answer.lock().unwrap() = answer;
    }

    pub fn signed(&self, status: u16, body: Value) {
        self.answer(Answer::Signed(
            StatusCode::from_u16(status).unwrap(),
            body.to_string(),
        ));
    }

    pub fn calls(&self) -> Vec<Call> {
        self.api.calls.lock().unwrap().clone()
    }

    pub fn last_call(&self) -> Call {
        self.calls().last().unwrap().clone()
    }

    /// The configuration that points at this API.
    pub fn config(&self, surface: &str) -> WechatPayConfig {
        let mut keys = BTreeMap::new();
        keys.insert(SERIAL.to_owned(), pem("platform_public_key"));
        WechatPayConfig {
            api_base: format!("{}/", self.base),
            surface: surface.into(),
            mch_id: MCH_ID.into(),
            app_id: APP_ID.into(),
            merchant_serial: "3775B6A45ACD588826D15E583A95F5DD12345678".into(),
            merchant_private_key: Secret::new(pem("merchant_private_key")),
            api_v3_key: Secret::new("0123456789abcdef0123456789abcdef"),
            platform_public_keys: keys,
            timeout_secs: 1,
            ..WechatPayConfig::default()
        }
    }

    pub fn provider(&self, surface: &str) -> WechatPayProvider {
        WechatPayProvider::from_config(
            &self.config(surface),
            "https://shop.example.com/api/v1/webhooks/wechat_pay".into(),
            Arc::new(ManualClock::new(DateTime::from_timestamp(NOW, 0).unwrap())),
        )
        .unwrap()
    }
}
