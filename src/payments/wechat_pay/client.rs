//! The HTTP side of the adapter: signing each call with the merchant key and
//! trusting an answer only once the platform's signature on it checks out.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use rand::RngCore;
use reqwest::Method;
use serde_json::Value;

use super::super::provider::ProviderError;
use super::WechatPayProvider;
use super::sign::{Merchant, authorization, verify_signed};

/// One HTTP answer, not yet trusted.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
}

impl Answer {
    /// `HTTP 400 PARAM_ERROR`: enough to tell the operator, nothing of the payer.
    pub(super) fn refusal(&self) -> String {
        let code = serde_json::from_slice::<Value>(&self.body)
            .ok()
            .and_then(|v| v.get("code").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_default();
        format!("HTTP {} {code}", self.status.as_u16())
    }

    pub(super) fn code_is(&self, codes: &[&str]) -> bool {
        serde_json::from_slice::<Value>(&self.body)
            .ok()
            .and_then(|v| v.get("code").and_then(Value::as_str).map(str::to_owned))
            .is_some_and(|code| codes.contains(&code.as_str()))
    }
}

impl WechatPayProvider {
    pub(super) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Signs and sends one call. A timeout or a broken connection is `Unavailable`:
    /// WeChat Pay may or may not have acted.
    pub(super) async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<Answer, ProviderError> {
        let unavailable = |what: &str| ProviderError::Unavailable(format!("wechat pay {what}"));
        let url = reqwest::Url::parse(&format!("{}{path_and_query}", self.api_base))
            .map_err(|_| unavailable("api_base is not a URL"))?;
        // The signature covers the path and query as sent, after any base path.
        let signed_path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let text = body.map(Value::to_string).unwrap_or_default();
        let mut nonce = [0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        let nonce = hex::encode_upper(nonce);
        let merchant = Merchant {
            mch_id: &self.mch_id,
            serial: &self.merchant_serial,
            key: &self.merchant_key,
        };
        let header = authorization(
            &merchant,
            method.as_str(),
            &signed_path,
            self.now().timestamp(),
            &nonce,
            &text,
        )
        .map_err(|_| unavailable("signing failed"))?;
        let mut request = self
            .client
            .request(method, url)
            .timeout(self.timeout)
            .header("Authorization", header)
            .header("Accept", "application/json");
        if body.is_some() {
            request = request
                .header("Content-Type", "application/json")
                .body(text);
        }
        let response = request.send().await.map_err(|error| {
            unavailable(if error.is_timeout() {
                "timed out"
            } else {
                "did not answer"
            })
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|_| unavailable("answer cut short"))?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// A successful answer, once its platform signature checks out.
    pub(super) fn trusted(&self, answer: &Answer, what: &str) -> Result<(), ProviderError> {
        if !answer.status.is_success() {
            return Err(ProviderError::Unavailable(format!(
                "wechat pay {what} refused: {}",
                answer.refusal()
            )));
        }
        verify_signed(
            &answer.headers,
            &answer.body,
            &self.platform_keys,
            self.now(),
        )
        .map_err(|error| ProviderError::Unavailable(format!("wechat pay {what}: answer {error}")))
    }
}

pub(super) fn field(body: &[u8], name: &str) -> Option<String> {
    serde_json::from_slice::<Value>(body)
        .ok()?
        .get(name)?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}
