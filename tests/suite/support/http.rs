//! Requests through the whole router (`oneshot`) and reading their answers.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use super::{CLIENT_ADDR, Reply, TestApp};

impl TestApp {
    /// Sends a request through the whole router; the body comes back as bytes.
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
        call(self.router.clone(), request).await
    }

    /// Any method, an optional JSON body, extra headers; the answer parsed as JSON
    /// (`Null` when empty, a string when it is not JSON).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let request = json_request(method, path, body, headers);
        let (status, headers, bytes) = self.send(request).await;
        (status, headers, json_of(&bytes))
    }

    /// A POST with exactly these bytes and this content type (or none).
    pub async fn post_raw(&self, path: &str, content_type: Option<&str>, body: Vec<u8>) -> Reply {
        let mut builder = Request::post(path);
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        let request = builder.body(Body::from(body)).expect("a valid request");
        let (status, headers, bytes) = self.send(request).await;
        (status, headers, json_of(&bytes))
    }

    pub async fn post_json(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Reply {
        self.request(Method::POST, path, Some(body), headers).await
    }

    pub async fn get_json(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.request(Method::GET, path, None, headers).await
    }

    pub async fn delete(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.request(Method::DELETE, path, None, headers).await
    }
}

/// A request with an optional JSON body and extra headers.
pub fn json_request(
    method: Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("a valid request")
}

/// Sends a request through `router` (for tasks of their own; tests use
/// [`TestApp::send`]), from [`CLIENT_ADDR`] unless it says otherwise.
pub async fn call(router: Router, mut request: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
    if !request.headers().contains_key("x-forwarded-for") {
        request.headers_mut().insert(
            "x-forwarded-for",
            header::HeaderValue::from_static(CLIENT_ADDR),
        );
    }
    let response = router
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("read the body")
        .to_bytes();
    (status, headers, body)
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// The `error.code` of an API error body.
pub fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no error code>")
}

/// Asserts the status and the stable error code of an API error.
#[track_caller]
pub fn assert_error(reply: &Reply, status: StatusCode, code: &str) {
    let (actual, _, body) = reply;
    assert_eq!(
        (*actual, error_code(body)),
        (status, code),
        "unexpected answer: {body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "an error carries a message for people: {body}"
    );
}

pub fn json_of(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}
