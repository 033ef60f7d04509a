//! Paying a card PaymentIntent with the card the payer set up on our card page.
//!
//! localstripe's `/confirm` refuses a `payment_method` and Stripe accepts either way,
//! so the PaymentIntent gets the card (and the customer it is attached to) by an
//! update, then is confirmed; both keyed by the payment and the SetupIntent, so that
//! a post sent twice confirms once. The caller (orders' card checkout) then asks
//! Stripe what happened, so the order moves by the one door, as it would by a
//! notification.

use crate::app::App;
use crate::error::{Error, Result};
use crate::payments::saved_cards::{self, provider_unavailable};
use crate::payments::store::Payment;

use super::api::{Api, ApiError};
use super::intent::PaymentIntent;
use super::setup::verified;

/// What the card page does after we confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardNext {
    /// Go to the order page, which shows where the payment stands.
    Done,
    /// The bank wants the payer to authenticate (3-D Secure): Stripe.js does it with
    /// this client secret (`handleNextAction`), then the order page.
    Authenticate { client_secret: String },
}

/// Pays the payment with the card of the SetupIntent `setup_intent` (refused with
/// `invalid_setup_intent` unless we made it for this payment and Stripe says it
/// succeeded), saving the card first when the payer asked to. `payment` is one of the
/// account's Stripe card payments (the caller checked).
pub async fn pay_with_setup(
    app: &App,
    account_id: &str,
    payment: &Payment,
    setup_intent: &str,
) -> Result<CardNext> {
    let api = Api::new(&app.config.payments.providers.stripe);
    let setup = verified(app, &api, account_id, payment, setup_intent).await?;
    if setup.save {
        let card =
            super::payment_method::card_of(&api, &setup.payment_method, &setup.customer).await?;
        let saved = saved_cards::save(app, account_id, "stripe", &card).await?;
        tracing::info!(payment.id = %payment.id, card.id = %saved.id, "card saved for auto-renew");
    }
    if !payment.state.is_open() {
        return Ok(CardNext::Done);
    }
    let intent_id = super::lookup::provider_ref(app, &payment.id)
        .await
        .map_err(provider_unavailable)?
        .ok_or_else(|| provider_unavailable("no payment intent for the payment yet"))?;
    let path = format!("/v1/payment_intents/{intent_id}");
    let mut intent = read(api.get(&path, &[]).await.map_err(provider_unavailable)?)?;
    let key = |step: &str| format!("{}-{setup_intent}-{step}", payment.id);
    let status = |intent: &PaymentIntent| intent.status.clone().unwrap_or_default();
    // A PaymentIntent that failed before stays failed (the order with it); one already
    // confirmed (a second post) is left as it is.
    if status(&intent) == "requires_payment_method" && intent.last_payment_error.is_none() {
        let form = [
            ("payment_method".to_owned(), setup.payment_method.clone()),
            ("customer".to_owned(), setup.customer.clone()),
        ];
        intent = read(
            api.post(&path, &form, Some(&key("method")))
                .await
                .map_err(provider_unavailable)?,
        )?;
    }
    if status(&intent) == "requires_confirmation" {
        match api
            .post(&format!("{path}/confirm"), &[], Some(&key("confirm")))
            .await
        {
            Ok(value) => intent = read(value)?,
            // Declined: the PaymentIntent says so, and the query below reads it.
            Err(ApiError::Refused { code, .. }) => {
                tracing::info!(payment.id = %payment.id, %code, "card payment refused")
            }
            // Unknown: the query below, or reconciliation later, finds out.
            Err(error) => tracing::warn!(payment.id = %payment.id, %error, "card confirm failed"),
        }
    }
    Ok(match (status(&intent).as_str(), intent.client_secret) {
        ("requires_action", Some(client_secret)) => CardNext::Authenticate { client_secret },
        _ => CardNext::Done,
    })
}

fn read(value: serde_json::Value) -> Result<PaymentIntent> {
    serde_json::from_value(value)
        .map_err(|_| Error::internal(anyhow::anyhow!("unreadable payment intent")))
}
