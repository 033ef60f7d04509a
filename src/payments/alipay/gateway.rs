//! Calls to the Open Platform gateway: the common parameters, the RSA2 signature, a
//! form POST, and the answer checked against Alipay's public key before it is read.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::payments::provider::ProviderError;
use crate::payments::rsa::{SigningKey, VerifyingKey};

use super::sign::{Params, sign_request, verified_response};

/// Alipay's clock, and the one its timestamps are read in.
pub fn beijing_time(at: DateTime<Utc>) -> String {
    // China has no daylight saving: UTC+8 all year.
    (at + chrono::Duration::hours(8))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

pub struct Gateway {
    pub url: String,
    pub app_id: String,
    pub app_key: SigningKey,
    pub alipay_key: VerifyingKey,
    pub timeout: Duration,
    pub client: reqwest::Client,
}

/// A verified answer whose `code` is success (`10000`) or a business failure
/// (`40004`, with its `sub_code`); anything else never gets this far.
#[derive(Debug, Clone)]
pub struct Reply {
    pub code: String,
    pub sub_code: Option<String>,
    pub fields: Map<String, Value>,
    /// The verified `…_response` text, kept as evidence.
    pub raw: String,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        self.code == "10000"
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }

    pub fn failed_with(&self, sub_codes: &[&str]) -> bool {
        self.code == "40004"
            && self
                .sub_code
                .as_deref()
                .is_some_and(|code| sub_codes.contains(&code))
    }
}

impl Gateway {
    /// Every parameter of a call, signed: the common ones, `biz_content`, and `extra`
    /// (`notify_url`, `return_url`).
    pub fn signed_params(
        &self,
        method: &str,
        biz_content: &Value,
        extra: &[(&str, &str)],
        now: DateTime<Utc>,
    ) -> Result<Params, ProviderError> {
        let mut params = Params::new();
        for (key, value) in [
            ("app_id", self.app_id.as_str()),
            ("method", method),
            ("format", "JSON"),
            ("charset", "utf-8"),
            ("sign_type", "RSA2"),
            ("version", "1.0"),
        ]
        .into_iter()
        .chain(extra.iter().copied())
        {
            params.insert(key.to_owned(), value.to_owned());
        }
        params.insert("timestamp".into(), beijing_time(now));
        params.insert("biz_content".into(), biz_content.to_string());
        sign_request(&mut params, &self.app_key)
            .map_err(|error| ProviderError::Unavailable(format!("alipay signing: {error}")))?;
        Ok(params)
    }

    /// The gateway URL with the signed parameters as its query (page and wap pay).
    pub fn url_with(&self, params: &Params) -> Result<String, ProviderError> {
        let query = serde_urlencoded::to_string(params)
            .map_err(|error| ProviderError::Unavailable(format!("alipay url: {error}")))?;
        let separator = if self.url.contains('?') { '&' } else { '?' };
        Ok(format!("{}{separator}{query}", self.url))
    }

    /// POSTs a signed call and returns the verified answer. A timeout, an HTTP error,
    /// an unsigned or badly signed answer, gateway code `20000` (unknown outcome) and
    /// any other refusal are all `Unavailable`: the caller cannot know what happened.
    pub async fn call(&self, method: &str, params: &Params) -> Result<Reply, ProviderError> {
        let response = self
            .client
            .post(&self.url)
            .timeout(self.timeout)
            .form(params)
            .send()
            .await
            .map_err(|error| {
                let what = if error.is_timeout() {
                    "timed out"
                } else {
                    "did not answer"
                };
                ProviderError::Unavailable(format!("alipay {method} {what}"))
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(ProviderError::Unavailable(format!(
                "alipay {method} answered HTTP {status}"
            )));
        }
        let body = response.text().await.map_err(|_| {
            ProviderError::Unavailable(format!("alipay {method}: answer cut short"))
        })?;
        let content = verified_response(&body, method, &self.alipay_key)
            .map_err(|error| ProviderError::Unavailable(format!("alipay {method}: {error}")))?;
        let fields: Map<String, Value> = serde_json::from_str(content).map_err(|_| {
            ProviderError::Unavailable(format!("alipay {method}: answer is not an object"))
        })?;
        let text = |name: &str| fields.get(name).and_then(Value::as_str).map(str::to_owned);
        let code = text("code").unwrap_or_default();
        let sub_code = text("sub_code");
        match code.as_str() {
            "10000" | "40004" => Ok(Reply {
                code,
                sub_code,
                raw: content.to_owned(),
                fields,
            }),
            // "Service unavailable": Alipay may or may not have acted.
            "20000" => Err(ProviderError::Unavailable(format!(
                "alipay {method}: service unavailable (20000 {})",
                sub_code.unwrap_or_default()
            ))),
            other => Err(ProviderError::Unavailable(format!(
                "alipay {method} refused: {other} {}",
                sub_code.unwrap_or_default()
            ))),
        }
    }
}
