//! Alipay Open Platform, RSA2 in public-key mode: `alipay.trade.precreate` (a QR code
//! to scan), `alipay.trade.page.pay` and `alipay.trade.wap.pay` (a signed redirect to
//! the gateway), `alipay.trade.query`, `.close`, `.refund`, and the signed
//! `trade_status_sync` notification, answered with the bare word `success`.
//!
//! Amounts are sent in CNY, Alipay's own currency; a payment in another currency is
//! priced with `trans_currency` (cross-border acquiring) and read back the same way.

pub mod amount;
pub mod gateway;
pub mod notify;
pub mod sign;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::clock::Clock;
use crate::config::AlipayConfig;
use crate::money::Money;

use super::provider::{
    CreateRequest, Created, NextAction, Notification, Observation, Payer, Provider, ProviderError,
};
use super::rsa::{SigningKey, VerifyingKey};
use super::state::ProviderStatus;
use amount::{currency_of, parse_amount};
use gateway::{Gateway, beijing_time};

/// How the payer is sent to Alipay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    /// `alipay.trade.precreate`: a QR code shown on our page (face-to-face pay).
    Qr,
    /// `alipay.trade.page.pay`: Alipay's desktop cashier page.
    Page,
    /// `alipay.trade.wap.pay`: Alipay's mobile cashier page.
    Wap,
    /// The mobile cashier for a payer on a phone, the QR code for everyone else.
    Auto,
}

impl Product {
    /// `payments.providers.alipay.product`.
    pub fn parse(text: &str) -> Option<Product> {
        match text {
            "qr" => Some(Product::Qr),
            "page" => Some(Product::Page),
            "wap" => Some(Product::Wap),
            "auto" => Some(Product::Auto),
            _ => None,
        }
    }

    /// The flow for this payer.
    fn for_payer(self, payer: &Payer) -> Product {
        match self {
            Product::Auto if payer.mobile => Product::Wap,
            Product::Auto => Product::Qr,
            product => product,
        }
    }
}

/// What `Config::validate` asks before `alipay` may serve the Alipay method.
pub fn check_config(config: &AlipayConfig) -> anyhow::Result<()> {
    if config.app_id.is_empty() || config.seller_id.is_empty() {
        anyhow::bail!("payments.providers.alipay.app_id and .seller_id are needed");
    }
    SigningKey::from_pem(config.app_private_key.expose())
        .context("payments.providers.alipay.app_private_key")?;
    VerifyingKey::from_pem(&config.alipay_public_key)
        .context("payments.providers.alipay.alipay_public_key")?;
    Ok(())
}

pub struct AlipayProvider {
    gateway: Gateway,
    seller_id: String,
    notify_url: String,
    clock: Arc<dyn Clock>,
    product: Product,
}

impl AlipayProvider {
    /// The adapter as configured; notifications come to `<public_url>/api/v1/webhooks/alipay`.
    pub fn new(app: &App) -> anyhow::Result<Self> {
        Self::from_config(
            &app.config.payments.providers.alipay,
            format!("{}/api/v1/webhooks/alipay", app.config.public_url()),
            app.clock.clone(),
        )
    }

    pub fn from_config(
        config: &AlipayConfig,
        notify_url: String,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let app_key = SigningKey::from_pem(config.app_private_key.expose())
            .context("payments.providers.alipay.app_private_key")?;
        let alipay_key = VerifyingKey::from_pem(&config.alipay_public_key)
            .context("payments.providers.alipay.alipay_public_key")?;
        let client = crate::payments::http::client();
        Ok(Self {
            gateway: Gateway {
                url: config.gateway.clone(),
                app_id: config.app_id.clone(),
                app_key,
                alipay_key,
                timeout: Duration::from_secs(config.timeout_secs.max(1)),
                client,
            },
            seller_id: config.seller_id.clone(),
            notify_url,
            clock,
            product: Product::parse(&config.product)
                .context("payments.providers.alipay.product must be qr, page, wap or auto")?,
        })
    }

    pub fn with_product(mut self, product: Product) -> Self {
        self.product = product;
        self
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The amount as Alipay reads it, with `trans_currency` when it is not CNY.
    fn price(biz: &mut Map<String, Value>, amount_field: &str, currency_field: &str, money: Money) {
        biz.insert(amount_field.into(), json!(money.decimal()));
        if Some(money.currency) != currency_of(None) {
            biz.insert(currency_field.into(), json!(money.currency.as_str()));
        }
    }

    async fn precreate(
        &self,
        request: &CreateRequest,
        biz: Map<String, Value>,
    ) -> Result<Created, ProviderError> {
        let method = "alipay.trade.precreate";
        let params = self.gateway.signed_params(
            method,
            &Value::Object(biz),
            &[("notify_url", &self.notify_url)],
            self.now(),
        )?;
        let reply = self.gateway.call(method, &params).await?;
        let qr_code = reply
            .field("qr_code")
            .filter(|_| reply.is_success())
            .ok_or_else(|| {
                ProviderError::Unavailable(format!(
                    "alipay precreate refused: {}",
                    reply.sub_code.as_deref().unwrap_or(&reply.code)
                ))
            })?;
        Ok(Created {
            provider_ref: request.payment_id.clone(),
            next_action: NextAction::Qr {
                data: qr_code.to_owned(),
                url: qr_code.to_owned(),
            },
        })
    }

    /// Page and wap pay: nothing is sent now; the payer's browser carries the signed
    /// call to the gateway.
    fn redirect(
        &self,
        request: &CreateRequest,
        mut biz: Map<String, Value>,
        product: Product,
    ) -> Result<Created, ProviderError> {
        let (method, product_code) = match product {
            Product::Wap => ("alipay.trade.wap.pay", "QUICK_WAP_WAY"),
            _ => ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
        };
        biz.insert("product_code".into(), json!(product_code));
        let params = self.gateway.signed_params(
            method,
            &Value::Object(biz),
            &[
                ("notify_url", &self.notify_url),
                ("return_url", &request.return_url),
            ],
            self.now(),
        )?;
        Ok(Created {
            provider_ref: request.payment_id.clone(),
            next_action: NextAction::Redirect {
                url: self.gateway.url_with(&params)?,
            },
        })
    }

    async fn call(&self, method: &str, biz: &Value) -> Result<gateway::Reply, ProviderError> {
        let params = self.gateway.signed_params(method, biz, &[], self.now())?;
        self.gateway.call(method, &params).await
    }
}

#[async_trait::async_trait]
impl Provider for AlipayProvider {
    fn name(&self) -> crate::payments::ProviderName {
        crate::payments::ProviderName::Alipay
    }

    /// Alipay resends until it reads exactly `success`; anything else (we answer
    /// `fail` with the error's status) makes it try again later.
    fn acknowledge(
        &self,
        outcome: Result<crate::payments::provider::Acknowledged, crate::error::Error>,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        match outcome {
            Ok(_) => "success".into_response(),
            Err(error) => (error.into_response().status(), "fail").into_response(),
        }
    }

    async fn create(&self, request: &CreateRequest) -> Result<Created, ProviderError> {
        if request.amount.amount <= 0 {
            return Err(ProviderError::Unavailable(
                "alipay: amount must be positive".into(),
            ));
        }
        let subject = if request.description.is_empty() {
            request.payment_id.as_str()
        } else {
            request.description.as_str()
        };
        let mut biz = Map::new();
        biz.insert("out_trade_no".into(), json!(request.payment_id));
        biz.insert("subject".into(), json!(subject));
        biz.insert(
            "time_expire".into(),
            json!(beijing_time(request.expires_at)),
        );
        Self::price(&mut biz, "total_amount", "trans_currency", request.amount);
        match self.product.for_payer(&request.payer) {
            Product::Qr => self.precreate(request, biz).await,
            product => self.redirect(request, biz, product),
        }
    }

    async fn query(&self, payment_id: &str) -> Result<Observation, ProviderError> {
        let reply = self
            .call("alipay.trade.query", &json!({ "out_trade_no": payment_id }))
            .await?;
        if reply.failed_with(&["ACQ.TRADE_NOT_EXIST"]) {
            // A QR trade exists only once it is scanned, a page trade once the payer
            // logs in: not there yet is still payable until it expires.
            return Ok(Observation {
                status: ProviderStatus::Pending,
                amount: None,
                raw: reply.raw,
            });
        }
        let unexpected = |what: &str| ProviderError::Unavailable(format!("alipay query: {what}"));
        if !reply.is_success() {
            return Err(unexpected(reply.sub_code.as_deref().unwrap_or("refused")));
        }
        if reply.field("out_trade_no") != Some(payment_id) {
            return Err(unexpected("answer about another trade"));
        }
        let status = reply
            .field("trade_status")
            .and_then(notify::status_of)
            .ok_or_else(|| unexpected("unknown trade_status"))?;
        let currency = currency_of(reply.field("trans_currency"))
            .ok_or_else(|| unexpected("malformed trans_currency"))?;
        let amount = reply
            .field("total_amount")
            .and_then(|text| parse_amount(text, currency))
            .ok_or_else(|| unexpected("malformed total_amount"))?;
        Ok(Observation {
            status,
            amount: Some(amount),
            raw: reply.raw,
        })
    }

    async fn close(&self, payment_id: &str) -> Result<(), ProviderError> {
        let reply = self
            .call("alipay.trade.close", &json!({ "out_trade_no": payment_id }))
            .await?;
        // Never scanned, or already paid or closed: nothing left to close; the query
        // that follows tells which.
        if reply.is_success()
            || reply.failed_with(&["ACQ.TRADE_NOT_EXIST", "ACQ.TRADE_STATUS_ERROR"])
        {
            Ok(())
        } else {
            Err(ProviderError::Unavailable(format!(
                "alipay close refused: {}",
                reply.sub_code.as_deref().unwrap_or(&reply.code)
            )))
        }
    }

    async fn refund(
        &self,
        payment_id: &str,
        amount: Money,
        refund_id: &str,
    ) -> Result<(), ProviderError> {
        let mut biz = Map::new();
        biz.insert("out_trade_no".into(), json!(payment_id));
        biz.insert("out_request_no".into(), json!(refund_id));
        Self::price(&mut biz, "refund_amount", "refund_currency", amount);
        let reply = self
            .call("alipay.trade.refund", &Value::Object(biz))
            .await?;
        // `fund_change` "N" on success means this refund was already made (a retry).
        if reply.is_success() {
            Ok(())
        } else {
            Err(ProviderError::Unavailable(format!(
                "alipay refund refused: {}",
                reply.sub_code.as_deref().unwrap_or(&reply.code)
            )))
        }
    }

    fn verify_notification(
        &self,
        _headers: &HeaderMap,
        body: &[u8],
        _now: DateTime<Utc>,
    ) -> Result<Notification, ProviderError> {
        // No freshness check: Alipay resends the same signed notification for a day,
        // and a replay is a duplicate that `apply` ignores.
        notify::read(
            body,
            &notify::Expect {
                app_id: &self.gateway.app_id,
                seller_id: &self.seller_id,
                alipay_key: &self.gateway.alipay_key,
            },
        )
    }
}
