//! PaymentMethods: what a card the payer set up is (brand, last four digits, expiry,
//! as Stripe tells it), and detaching one the subscriber removed.

use serde::Deserialize;

use crate::app::App;
use crate::error::Result;
use crate::payments::saved_cards::{NewCard, provider_unavailable};

use super::api::{Api, ApiError};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PaymentMethod {
    id: String,
    card: Option<Card>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Card {
    brand: Option<String>,
    last4: Option<String>,
    exp_month: Option<i64>,
    exp_year: Option<i64>,
}

/// The card behind `payment_method`, as it would be saved for `customer`.
pub(super) async fn card_of(api: &Api, payment_method: &str, customer: &str) -> Result<NewCard> {
    let value = api
        .get(&format!("/v1/payment_methods/{payment_method}"), &[])
        .await
        .map_err(provider_unavailable)?;
    let method: PaymentMethod = serde_json::from_value(value).unwrap_or_default();
    let card = method.card.unwrap_or_default();
    Ok(NewCard {
        provider_ref: if method.id.is_empty() {
            payment_method.to_owned()
        } else {
            method.id
        },
        customer_ref: customer.to_owned(),
        brand: card
            .brand
            .unwrap_or_else(|| "unknown".into())
            .to_ascii_lowercase(),
        last4: card.last4.unwrap_or_default(),
        exp_month: card.exp_month,
        exp_year: card.exp_year,
    })
}

/// Detaches the payment method from its customer, so that it cannot be charged again.
/// A refusal means Stripe has it attached to nobody already (detached from the
/// Dashboard, or never attached): as good as done.
pub async fn detach(app: &App, payment_method: &str) -> Result<()> {
    let api = Api::new(&app.config.payments.providers.stripe);
    match api
        .post(
            &format!("/v1/payment_methods/{payment_method}/detach"),
            &[],
            None,
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(ApiError::Refused { code, .. }) => {
            tracing::info!(%code, "Stripe refused the detach; the card is attached to nobody");
            Ok(())
        }
        Err(error) => Err(provider_unavailable(error)),
    }
}
