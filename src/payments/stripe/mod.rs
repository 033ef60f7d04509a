//! Stripe PaymentIntents: cards, and Alipay and WeChat Pay through Stripe.
//!
//! Our payment id is the create's `Idempotency-Key` and `metadata[payment_id]`;
//! Stripe's PaymentIntent id is our `provider_ref`. Answers, notifications and status
//! queries all become [`Observation`]s for `orders::apply`.
//!
//! **Cards.** The PaymentIntent is created unconfirmed (`requires_payment_method`)
//! and the payer is sent to our card page, [`StripeProvider::card_page_url`]. There
//! Stripe.js collects the card into a SetupIntent we make for the account's Stripe
//! Customer ([`begin_setup`]; `confirmCardSetup`), and we set that card on the
//! PaymentIntent and confirm it on the server ([`pay_with_setup`]); when the bank asks
//! for 3-D Secure, Stripe.js does it (`handleNextAction` with the PaymentIntent's
//! client secret). Card numbers thus never reach our servers (PCI DSS SAQ A). A card
//! the payer asked to save (a SetupIntent for off-session use) is kept in
//! [`crate::payments::saved_cards`] and charged by auto-renew without the payer
//! ([`charge_off_session`]). Client secrets are read from Stripe when the page needs
//! them, never stored: they let anyone holding them confirm, and what we store (the
//! next action, the evidence of every answer) must not carry them. The page itself
//! belongs to the web layer.
//!
//! **Alipay, WeChat Pay.** Created and confirmed at once; the answer's
//! `next_action.alipay_handle_redirect.url` becomes a redirect and
//! `next_action.wechat_pay_display_qr_code.data` a QR code.
//!
//! Checked against localstripe by `tests/suite/stripe/localstripe.rs`, and against
//! Stripe's documented shapes and stripe-python's signatures by the fixtures in
//! `tests/fixtures/stripe/`.

mod api;
mod card_payment;
mod customer;
mod event;
mod intent;
mod lookup;
mod off_session;
mod payment_method;
mod setup;
pub mod signature;

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::app::App;
use crate::config::StripeConfig;
use crate::money::Money;

use super::Method;
use super::provider::{
    CreateRequest, Created, NextAction, Notification, Observation, Provider, ProviderError,
};
use super::state::ProviderStatus;
use api::Api;
pub use api::ApiError;
pub use card_payment::{CardNext, pay_with_setup};
pub use event::parse as parse_event;
pub use intent::{PaymentIntent, create_form};
pub use off_session::{OffSessionCharge, charge_off_session};
pub use payment_method::detach;
pub use setup::begin as begin_setup;

/// Built once at start (see [`crate::payments::registry`]). It holds the app weakly
/// (the app holds it) and its own copy of the settings.
pub struct StripeProvider {
    app: std::sync::Weak<crate::app::Inner>,
    config: StripeConfig,
    public_url: String,
    api: Api,
}

fn unavailable(error: ApiError) -> ProviderError {
    ProviderError::Unavailable(error.to_string())
}

impl StripeProvider {
    pub fn new(app: &App) -> Self {
        Self {
            app: app.downgrade(),
            config: app.config.payments.providers.stripe.clone(),
            public_url: app.config.public_url(),
            api: Api::new(&app.config.payments.providers.stripe),
        }
    }

    fn config(&self) -> &StripeConfig {
        &self.config
    }

    fn app(&self) -> Result<App, ProviderError> {
        App::upgrade(&self.app).ok_or_else(|| ProviderError::Unavailable("shutting down".into()))
    }

    /// Where a card payer goes: our page that confirms with Stripe.js.
    pub fn card_page_url(&self, payment_id: &str) -> String {
        format!("{}/pay/stripe/{payment_id}", self.public_url)
    }

    /// The PaymentIntent's client secret, for the card page's Stripe.js only.
    pub async fn client_secret(&self, payment_id: &str) -> Result<String, ProviderError> {
        let (intent, _) = self
            .intent_of(payment_id)
            .await?
            .ok_or_else(|| ProviderError::Unavailable("no payment intent yet".into()))?;
        intent
            .client_secret
            .ok_or_else(|| ProviderError::Unavailable("no client secret in the answer".into()))
    }

    /// The PaymentIntent that carries `payment_id`, with its JSON: by the stored
    /// PaymentIntent id, or, when the create's answer was lost, by Stripe's search
    /// (which may lag a minute behind; `None` then means "not yet known").
    async fn intent_of(
        &self,
        payment_id: &str,
    ) -> Result<Option<(PaymentIntent, serde_json::Value)>, ProviderError> {
        let value = match lookup::provider_ref(&self.app()?, payment_id).await? {
            Some(pi) => self
                .api
                .get(&format!("/v1/payment_intents/{pi}"), &[])
                .await
                .map_err(unavailable)?,
            None => {
                let query = lookup::search_query(payment_id);
                let found = self
                    .api
                    .get("/v1/payment_intents/search", &[("query", &query)])
                    .await
                    .map_err(unavailable)?;
                match found["data"].as_array().and_then(|data| data.first()) {
                    Some(first) => first.clone(),
                    None => return Ok(None),
                }
            }
        };
        let intent: PaymentIntent = serde_json::from_value(value.clone())
            .map_err(|_| ProviderError::Unavailable("unreadable payment intent".into()))?;
        if intent.payment_id() != Some(payment_id) {
            return Err(ProviderError::Unavailable(
                "the payment intent carries another payment id".into(),
            ));
        }
        Ok(Some((intent, value)))
    }
}

#[async_trait::async_trait]
impl Provider for StripeProvider {
    fn name(&self) -> crate::payments::ProviderName {
        crate::payments::ProviderName::Stripe
    }

    async fn create(&self, request: &CreateRequest) -> Result<Created, ProviderError> {
        let form = intent::create_form(request)
            .map_err(|why| ProviderError::Unavailable(why.to_owned()))?;
        let value = self
            .api
            .post("/v1/payment_intents", &form, Some(&request.payment_id))
            .await
            .map_err(unavailable)?;
        let intent: PaymentIntent = serde_json::from_value(value)
            .map_err(|_| ProviderError::Unavailable("unreadable payment intent".into()))?;
        if intent.id.is_empty() {
            return Err(ProviderError::Unavailable(
                "payment intent without an id".into(),
            ));
        }
        let next_action = match request.method {
            Method::Card => NextAction::Redirect {
                url: self.card_page_url(&request.payment_id),
            },
            method => intent.wallet_next_action(method.as_str()).ok_or_else(|| {
                ProviderError::Unavailable(format!(
                    "no next action for {} in a {} payment intent",
                    method.as_str(),
                    intent.status.as_deref().unwrap_or("statusless")
                ))
            })?,
        };
        Ok(Created {
            provider_ref: intent.id,
            next_action,
        })
    }

    async fn query(&self, payment_id: &str) -> Result<Observation, ProviderError> {
        Ok(match self.intent_of(payment_id).await? {
            Some((intent, value)) => Observation {
                status: intent.provider_status(),
                amount: intent.amount(),
                raw: intent::evidence(&value),
            },
            None => Observation {
                status: ProviderStatus::Unknown,
                amount: None,
                raw: json!({ "search": "no payment intent with this payment id yet" }).to_string(),
            },
        })
    }

    async fn close(&self, payment_id: &str) -> Result<(), ProviderError> {
        let Some((intent, _)) = self.intent_of(payment_id).await? else {
            // Never reached Stripe (or too recently to be found): no page was shown,
            // so nobody can pay it.
            return Ok(());
        };
        let settled = |intent: &PaymentIntent| {
            matches!(intent.status.as_deref(), Some("succeeded" | "canceled"))
        };
        if settled(&intent) {
            return Ok(());
        }
        let cancelled = self
            .api
            .post(
                &format!("/v1/payment_intents/{}/cancel", intent.id),
                &[],
                None,
            )
            .await;
        match cancelled {
            Ok(_) => Ok(()),
            // Refused: it moved meanwhile (paid, cancelled, processing). Settled is
            // fine; anything else is tried again later.
            Err(ApiError::Refused { .. }) => match self.intent_of(payment_id).await? {
                Some((intent, _)) if settled(&intent) => Ok(()),
                _ => Err(ProviderError::Unavailable(
                    "the payment intent cannot be cancelled now".into(),
                )),
            },
            Err(error) => Err(unavailable(error)),
        }
    }

    async fn refund(
        &self,
        payment_id: &str,
        amount: Money,
        refund_id: &str,
    ) -> Result<(), ProviderError> {
        let (intent, _) = self
            .intent_of(payment_id)
            .await?
            .ok_or_else(|| ProviderError::Unavailable("no payment intent to refund".into()))?;
        let form = [
            ("payment_intent".to_owned(), intent.id),
            ("amount".to_owned(), amount.amount.to_string()),
            ("metadata[payment_id]".to_owned(), payment_id.to_owned()),
            ("metadata[refund_id]".to_owned(), refund_id.to_owned()),
        ];
        match self.api.post("/v1/refunds", &form, Some(refund_id)).await {
            Ok(_) => Ok(()),
            // Refunded already (from the Dashboard, say): the money went back.
            Err(error) if error.code() == Some("charge_already_refunded") => Ok(()),
            Err(error) => Err(unavailable(error)),
        }
    }

    fn verify_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Notification, ProviderError> {
        let header = headers
            .get(signature::HEADER)
            .and_then(|value| value.to_str().ok())
            .ok_or(ProviderError::Refused("signature missing"))?;
        signature::verify(self.config().webhook_secret.expose(), header, body, now).map_err(
            |error| {
                ProviderError::Refused(match error {
                    signature::SignatureError::NoSecret => "no webhook secret configured",
                    signature::SignatureError::NoTimestamp => "timestamp missing",
                    signature::SignatureError::NoSignature => "signature missing",
                    signature::SignatureError::Mismatch => "signature mismatch",
                    signature::SignatureError::Stale => "timestamp outside tolerance",
                })
            },
        )?;
        event::parse(body)
    }
}
