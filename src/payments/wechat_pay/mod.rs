//! WeChat Pay API v3, direct merchant, on the mainland surface
//! (`/v3/pay/transactions/…`, CNY) or the Hong Kong cross-border one
//! (`/v3/global/transactions/…`) by configuration: Native pay (a `code_url` shown as a
//! QR code), H5 pay (a redirect to `h5_url`), query by `out_trade_no`, close, refund,
//! and the signed, encrypted payment notification, answered 204.

pub mod aead;
mod client;
pub mod notify;
pub mod sign;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::clock::Clock;
use crate::config::WechatPayConfig;
use crate::money::Money;

use super::provider::{
    CreateRequest, Created, NextAction, Notification, Observation, Provider, ProviderError,
};
use super::rsa::{SigningKey, VerifyingKey};
use super::state::ProviderStatus;
use aead::ApiV3Key;
use client::field;
use notify::{Transaction, evidence, status_of};
use sign::PlatformKeys;

/// The merchant category the cross-border API asks for: 4814, telecommunication
/// services (prepaid data plans).
pub const MERCHANT_CATEGORY_CODE: &str = "4814";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `api.mch.weixin.qq.com/v3/pay/…`: mainland merchants, CNY only.
    Mainland,
    /// `apihk.mch.weixin.qq.com/v3/global/…`: cross-border merchants, e.g. in HKD.
    HongKong,
}

impl Surface {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "mainland" => Some(Surface::Mainland),
            "hongkong" => Some(Surface::HongKong),
            _ => None,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Surface::Mainland => "/v3/pay/transactions",
            Surface::HongKong => "/v3/global/transactions",
        }
    }

    fn refunds(self) -> &'static str {
        match self {
            Surface::Mainland => "/v3/refund/domestic/refunds",
            Surface::HongKong => "/v3/global/refunds",
        }
    }
}

/// What `Config::validate` asks before `wechat_pay` may serve the WeChat Pay method;
/// `currency` is the one orders are priced in.
pub fn check_config(config: &WechatPayConfig, currency: &str) -> anyhow::Result<()> {
    if config.mch_id.is_empty() || config.app_id.is_empty() || config.merchant_serial.is_empty() {
        bail!("payments.providers.wechat_pay.mch_id, .app_id and .merchant_serial are needed");
    }
    let surface = Surface::parse(&config.surface)
        .context("payments.providers.wechat_pay.surface must be mainland or hongkong")?;
    if surface == Surface::Mainland && currency != "CNY" {
        bail!(
            "WeChat Pay's mainland surface takes CNY only; prices are in {currency} (use surface = \"hongkong\")"
        );
    }
    let clock: Arc<dyn Clock> = Arc::new(crate::clock::SystemClock);
    WechatPayProvider::from_config(config, String::new(), clock).map(|_| ())
}

pub struct WechatPayProvider {
    api_base: String,
    surface: Surface,
    mch_id: String,
    app_id: String,
    merchant_serial: String,
    merchant_key: SigningKey,
    api_v3_key: ApiV3Key,
    platform_keys: PlatformKeys,
    notify_url: String,
    clock: Arc<dyn Clock>,
    /// Payers on a phone go to H5 pay instead of a QR code (mainland only).
    h5: bool,
    timeout: Duration,
    client: reqwest::Client,
}

impl WechatPayProvider {
    /// The adapter as configured; notifications come to `<public_url>/api/v1/webhooks/wechat_pay`.
    pub fn new(app: &App) -> anyhow::Result<Self> {
        Self::from_config(
            &app.config.payments.providers.wechat_pay,
            format!("{}/api/v1/webhooks/wechat_pay", app.config.public_url()),
            app.clock.clone(),
        )
    }

    pub fn from_config(
        config: &WechatPayConfig,
        notify_url: String,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let Some(surface) = Surface::parse(&config.surface) else {
            bail!("payments.providers.wechat_pay.surface must be mainland or hongkong");
        };
        let merchant_key = SigningKey::from_pem(config.merchant_private_key.expose())
            .context("payments.providers.wechat_pay.merchant_private_key")?;
        let api_v3_key = ApiV3Key::new(config.api_v3_key.expose())
            .context("payments.providers.wechat_pay.api_v3_key")?;
        let mut keys = Vec::new();
        for (serial, pem) in &config.platform_public_keys {
            let key = VerifyingKey::from_pem(pem).with_context(|| {
                format!("payments.providers.wechat_pay.platform_public_keys.{serial}")
            })?;
            keys.push((serial.clone(), key));
        }
        if keys.is_empty() {
            bail!("payments.providers.wechat_pay.platform_public_keys is empty");
        }
        let client = crate::payments::http::client();
        Ok(Self {
            api_base: config.api_base.trim_end_matches('/').to_owned(),
            surface,
            mch_id: config.mch_id.clone(),
            app_id: config.app_id.clone(),
            merchant_serial: config.merchant_serial.clone(),
            merchant_key,
            api_v3_key,
            platform_keys: PlatformKeys::new(keys),
            notify_url,
            clock,
            h5: config.h5 && surface == Surface::Mainland,
            timeout: Duration::from_secs(config.timeout_secs.max(1)),
            client,
        })
    }

    fn order_body(&self, request: &CreateRequest) -> Result<Map<String, Value>, ProviderError> {
        let money = request.amount;
        if money.amount <= 0 {
            return Err(ProviderError::Unavailable(
                "wechat pay: amount must be positive".into(),
            ));
        }
        if self.surface == Surface::Mainland && money.currency.as_str() != "CNY" {
            return Err(ProviderError::Unavailable(
                "wechat pay: the mainland surface takes CNY only".into(),
            ));
        }
        let description: String = if request.description.is_empty() {
            request.payment_id.clone()
        } else {
            request.description.chars().take(127).collect()
        };
        let expires = (request.expires_at + chrono::Duration::hours(8))
            .naive_utc()
            .format("%Y-%m-%dT%H:%M:%S+08:00")
            .to_string();
        let mut body = Map::new();
        body.insert("appid".into(), json!(self.app_id));
        body.insert("mchid".into(), json!(self.mch_id));
        body.insert("description".into(), json!(description));
        body.insert("out_trade_no".into(), json!(request.payment_id));
        body.insert("time_expire".into(), json!(expires));
        body.insert("notify_url".into(), json!(self.notify_url));
        body.insert(
            "amount".into(),
            json!({ "total": money.amount, "currency": money.currency.as_str() }),
        );
        Ok(body)
    }

    /// H5 pay: a page on WeChat Pay that opens the app; needs the payer's IP.
    pub async fn create_h5(
        &self,
        request: &CreateRequest,
        payer_client_ip: &str,
    ) -> Result<Created, ProviderError> {
        let mut body = self.order_body(request)?;
        body.insert(
            "scene_info".into(),
            json!({ "payer_client_ip": payer_client_ip, "h5_info": { "type": "Wap" } }),
        );
        if self.surface == Surface::HongKong {
            body.insert("trade_type".into(), json!("MWEB"));
            body.insert(
                "merchant_category_code".into(),
                json!(MERCHANT_CATEGORY_CODE),
            );
        }
        let path = format!("{}/h5", self.surface.prefix());
        let answer = self
            .send(Method::POST, &path, Some(&Value::Object(body)))
            .await?;
        self.trusted(&answer, "h5")?;
        let url = field(&answer.body, "h5_url")
            .ok_or_else(|| ProviderError::Unavailable("wechat pay h5: no h5_url".into()))?;
        Ok(Created {
            provider_ref: request.payment_id.clone(),
            next_action: NextAction::Redirect { url },
        })
    }
}

#[async_trait::async_trait]
impl Provider for WechatPayProvider {
    fn name(&self) -> crate::payments::ProviderName {
        crate::payments::ProviderName::WechatPay
    }

    /// WeChat Pay takes any 2xx as received; a 4xx/5xx with `{"code":"FAIL"}` makes
    /// it retry.
    fn acknowledge(
        &self,
        outcome: Result<crate::payments::provider::Acknowledged, crate::error::Error>,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        match outcome {
            Ok(_) => axum::http::StatusCode::NO_CONTENT.into_response(),
            Err(error) => {
                let body = serde_json::json!({ "code": "FAIL", "message": error.code.as_str() });
                (error.into_response().status(), axum::Json(body)).into_response()
            }
        }
    }

    async fn create(&self, request: &CreateRequest) -> Result<Created, ProviderError> {
        if self.h5
            && request.payer.mobile
            && let Some(ip) = &request.payer.ip
        {
            return self.create_h5(request, ip).await;
        }
        let mut body = self.order_body(request)?;
        if self.surface == Surface::HongKong {
            body.insert("trade_type".into(), json!("NATIVE"));
            body.insert(
                "merchant_category_code".into(),
                json!(MERCHANT_CATEGORY_CODE),
            );
        }
        let path = format!("{}/native", self.surface.prefix());
        let answer = self
            .send(Method::POST, &path, Some(&Value::Object(body)))
            .await?;
        self.trusted(&answer, "create")?;
        let code_url = field(&answer.body, "code_url")
            .ok_or_else(|| ProviderError::Unavailable("wechat pay create: no code_url".into()))?;
        Ok(Created {
            provider_ref: request.payment_id.clone(),
            next_action: NextAction::Qr {
                data: code_url.clone(),
                url: code_url,
            },
        })
    }

    async fn query(&self, payment_id: &str) -> Result<Observation, ProviderError> {
        let path = format!(
            "{}/out-trade-no/{payment_id}?mchid={}",
            self.surface.prefix(),
            self.mch_id
        );
        let answer = self.send(Method::GET, &path, None).await?;
        if answer.status == StatusCode::NOT_FOUND
            && answer.code_is(&["ORDER_NOT_EXIST", "ORDERNOTEXIST"])
        {
            // The create never reached WeChat Pay: nothing to pay yet; expiry closes it.
            return Ok(Observation {
                status: ProviderStatus::Pending,
                amount: None,
                raw: String::from_utf8_lossy(&answer.body).into_owned(),
            });
        }
        self.trusted(&answer, "query")?;
        let unexpected =
            |what: &str| ProviderError::Unavailable(format!("wechat pay query: {what}"));
        let transaction: Transaction =
            serde_json::from_slice(&answer.body).map_err(|_| unexpected("malformed answer"))?;
        if transaction.out_trade_no != payment_id || transaction.mchid != self.mch_id {
            return Err(unexpected("answer about another trade"));
        }
        let status =
            status_of(&transaction.trade_state).ok_or_else(|| unexpected("unknown trade_state"))?;
        let amount = transaction.money().map_err(unexpected)?;
        Ok(Observation {
            status,
            amount,
            raw: evidence(&answer.body),
        })
    }

    async fn close(&self, payment_id: &str) -> Result<(), ProviderError> {
        let path = format!("{}/out-trade-no/{payment_id}/close", self.surface.prefix());
        let answer = self
            .send(Method::POST, &path, Some(&json!({ "mchid": self.mch_id })))
            .await?;
        // Already paid, closed, or never created: nothing left to close; the query
        // that follows tells which.
        if answer.status.is_success()
            || (answer.status.is_client_error()
                && answer.code_is(&[
                    "ORDERPAID",
                    "ORDER_CLOSED",
                    "ORDERNOTEXIST",
                    "ORDER_NOT_EXIST",
                ]))
        {
            Ok(())
        } else {
            Err(ProviderError::Unavailable(format!(
                "wechat pay close refused: {}",
                answer.refusal()
            )))
        }
    }

    async fn refund(
        &self,
        payment_id: &str,
        amount: Money,
        refund_id: &str,
    ) -> Result<(), ProviderError> {
        // Refunds are whole: the amount refunded is the order's total.
        let mut body = Map::new();
        if self.surface == Surface::HongKong {
            body.insert("mchid".into(), json!(self.mch_id));
            body.insert("appid".into(), json!(self.app_id));
        }
        body.insert("out_trade_no".into(), json!(payment_id));
        body.insert("out_refund_no".into(), json!(refund_id));
        body.insert(
            "amount".into(),
            json!({ "refund": amount.amount, "total": amount.amount, "currency": amount.currency.as_str() }),
        );
        let answer = self
            .send(
                Method::POST,
                self.surface.refunds(),
                Some(&Value::Object(body)),
            )
            .await?;
        self.trusted(&answer, "refund")?;
        match field(&answer.body, "status").as_deref() {
            Some("SUCCESS" | "PROCESSING") => Ok(()),
            other => Err(ProviderError::Unavailable(format!(
                "wechat pay refund: status {}",
                other.unwrap_or("missing")
            ))),
        }
    }

    fn verify_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Notification, ProviderError> {
        notify::read(
            headers,
            body,
            now,
            &notify::Expect {
                mch_id: &self.mch_id,
                app_id: &self.app_id,
                platform_keys: &self.platform_keys,
                api_v3_key: &self.api_v3_key,
            },
        )
    }
}
