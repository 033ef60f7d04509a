//! The sandbox provider's adapter: a hosted pay page, signed asynchronous
//! notifications, status query, close and refund, like a real provider.

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::error::Code;
use crate::money::{Currency, Money};

use super::bank::{self, BankStatus, Event, SIGNATURE_HEADER};
use crate::payments::Method;
use crate::payments::provider::{
    CreateRequest, Created, NextAction, Notification, Observation, Provider, ProviderError,
};
use crate::payments::state::ProviderStatus;

/// Notifications older than this are refused (replays).
const TOLERANCE_SECS: i64 = 300;

/// Built once at start in demo mode; its "remote side" is [`bank`]. It holds the
/// app weakly (the app holds it).
pub struct SandboxProvider {
    app: std::sync::Weak<crate::app::Inner>,
}

impl SandboxProvider {
    pub fn new(app: &App) -> Self {
        Self {
            app: app.downgrade(),
        }
    }

    fn app(&self) -> Result<App, ProviderError> {
        App::upgrade(&self.app).ok_or_else(|| ProviderError::Unavailable("shutting down".into()))
    }
}

fn status_of(status: BankStatus) -> ProviderStatus {
    match status {
        BankStatus::Pending => ProviderStatus::Pending,
        BankStatus::Succeeded => ProviderStatus::Succeeded,
        BankStatus::Failed => ProviderStatus::Failed,
        BankStatus::Closed => ProviderStatus::Closed,
        BankStatus::Refunded => ProviderStatus::Refunded,
    }
}

fn unavailable(error: crate::error::Error) -> ProviderError {
    ProviderError::Unavailable(error.to_string())
}

#[async_trait::async_trait]
impl Provider for SandboxProvider {
    fn name(&self) -> crate::payments::ProviderName {
        crate::payments::ProviderName::Sandbox
    }

    async fn create(&self, request: &CreateRequest) -> Result<Created, ProviderError> {
        let app = self.app()?;
        let payment = bank::create(
            &app,
            &request.payment_id,
            request.amount,
            request.method.as_str(),
            &request.description,
            &request.return_url,
        )
        .await
        .map_err(unavailable)?;
        let url = format!(
            "{}/sandbox/pay/{}",
            app.config.public_url(),
            request.payment_id
        );
        // Like Alipay's wap pay and WeChat Pay's H5 pay: a payer on a phone goes to the
        // provider's mobile page, everyone else scans a QR code.
        let next_action = match request.method {
            Method::Alipay | Method::WechatPay if !request.payer.mobile => NextAction::Qr {
                data: url.clone(),
                url,
            },
            _ => NextAction::Redirect { url },
        };
        Ok(Created {
            provider_ref: payment.id,
            next_action,
        })
    }

    async fn query(&self, payment_id: &str) -> Result<Observation, ProviderError> {
        let app = self.app()?;
        match bank::find(&app, payment_id).await.map_err(unavailable)? {
            Some(payment) => Ok(Observation {
                status: status_of(payment.status),
                amount: Some(payment.amount),
                raw: format!(
                    "{{\"id\":\"{}\",\"status\":\"{:?}\"}}",
                    payment.id, payment.status
                ),
            }),
            // A real provider answers "no such trade" when the create never reached it.
            None => Ok(Observation {
                status: ProviderStatus::Closed,
                amount: None,
                raw: "{\"error\":\"no_such_payment\"}".into(),
            }),
        }
    }

    async fn close(&self, payment_id: &str) -> Result<(), ProviderError> {
        let app = self.app()?;
        match bank::close(&app, payment_id).await {
            Ok(_) => Ok(()),
            Err(error) if error.code == Code::PaymentNotFound => Ok(()),
            Err(error) => Err(unavailable(error)),
        }
    }

    async fn refund(
        &self,
        payment_id: &str,
        _amount: Money,
        _refund_id: &str,
    ) -> Result<(), ProviderError> {
        let app = self.app()?;
        bank::refund(&app, payment_id).await.map_err(unavailable)?;
        Ok(())
    }

    fn verify_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Notification, ProviderError> {
        let app = self.app()?;
        let header = headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or(ProviderError::Refused("signature missing"))?;
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
                Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or(ProviderError::Refused("timestamp missing"))?;
        if (now.timestamp() - timestamp).abs() > TOLERANCE_SECS {
            return Err(ProviderError::Refused("timestamp outside tolerance"));
        }
        let expected = bank::mac(&super::webhook_secret(&app), timestamp, body);
        if !signatures
            .iter()
            .any(|s| bool::from(s.as_slice().ct_eq(&expected)))
        {
            return Err(ProviderError::Refused("signature mismatch"));
        }
        let event: Event =
            serde_json::from_slice(body).map_err(|_| ProviderError::Refused("malformed body"))?;
        let currency = Currency::parse(&event.data.currency)
            .map_err(|_| ProviderError::Refused("malformed currency"))?;
        Ok(Notification {
            event_id: event.id,
            payment_id: event.data.merchant_ref,
            observation: Observation {
                status: status_of(event.data.status),
                amount: Some(Money::new(event.data.amount, currency)),
                raw: String::from_utf8_lossy(body).into_owned(),
            },
        })
    }
}
