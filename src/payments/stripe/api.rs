//! Stripe's HTTP API: form-encoded requests with the secret key, JSON answers, and
//! which failures leave the outcome unknown.

use std::time::Duration;

use serde_json::Value;

use crate::config::{Secret, StripeConfig};
use crate::payments::http;

/// How a request went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No answer, a timeout, a 5xx, 409 or 429, or an answer we cannot read: Stripe may or
    /// may not have acted.
    #[error("Stripe unavailable: {0}")]
    Unavailable(String),
    /// A 4xx with Stripe's error object: the request was refused as it was.
    #[error("Stripe refused the request ({status}, {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
        /// Stripe's error object as it came (a declined confirm's carries the
        /// PaymentIntent).
        detail: Value,
    },
}

impl ApiError {
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Refused { code, .. } => Some(code),
            ApiError::Unavailable(_) => None,
        }
    }
}

#[derive(Clone)]
pub struct Api {
    base: String,
    key: Secret,
    version: String,
    timeout: Duration,
}

impl Api {
    pub fn new(config: &StripeConfig) -> Self {
        Self {
            base: config.api_base.trim_end_matches('/').to_owned(),
            key: config.secret_key.clone(),
            version: config.api_version.clone(),
            timeout: Duration::from_secs(config.timeout_secs.max(1)),
        }
    }

    /// `POST {path}` with a form body; `idempotency_key` makes a retry safe (Stripe
    /// replays the first answer to the same key for 24 hours).
    pub async fn post(
        &self,
        path: &str,
        form: &[(String, String)],
        idempotency_key: Option<&str>,
    ) -> Result<Value, ApiError> {
        let body = serde_urlencoded::to_string(form)
            .map_err(|_| ApiError::Unavailable("cannot encode the form".into()))?;
        let mut request = http::client()
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        self.send(request).await
    }

    /// `GET {path}` with a query string.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, ApiError> {
        self.send(
            http::client()
                .get(format!("{}{path}", self.base))
                .query(query),
        )
        .await
    }

    async fn send(&self, mut request: reqwest::RequestBuilder) -> Result<Value, ApiError> {
        if !self.version.is_empty() {
            request = request.header("stripe-version", &self.version);
        }
        let response = request
            .bearer_auth(self.key.expose())
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|error| ApiError::Unavailable(describe(&error)))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|error| ApiError::Unavailable(describe(&error)))?;
        // 409: another request with the same idempotency key is still running.
        if status.is_server_error() || matches!(status.as_u16(), 409 | 429) {
            return Err(ApiError::Unavailable(format!("answered {status}")));
        }
        let body: Value = serde_json::from_str(&text)
            .map_err(|_| ApiError::Unavailable(format!("answered {status} with no JSON")))?;
        if status.is_success() {
            return Ok(body);
        }
        let error = &body["error"];
        Err(ApiError::Refused {
            status: status.as_u16(),
            // Some errors (`idempotency_error`) carry a type and no code.
            code: error["code"]
                .as_str()
                .or(error["type"].as_str())
                .unwrap_or("none")
                .to_owned(),
            message: error["message"].as_str().unwrap_or("no message").to_owned(),
            detail: error.clone(),
        })
    }
}

/// A transport error in a few words, without the URL.
fn describe(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "answer cut short"
    } else {
        "request failed"
    };
    format!(
        "{what}: {}",
        std::error::Error::source(error).map_or_else(String::new, |s| s.to_string())
    )
}
