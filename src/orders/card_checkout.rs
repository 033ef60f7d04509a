//! Checkout by card on our card page (Stripe): the payment must be one of the account's
//! Stripe card payments; after Stripe confirmed, we ask it what happened, so the order
//! moves by the one door ([`super::apply`]) as it would by a notification.

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::payments::Method;
use crate::payments::store::{self as payments, Payment};
use crate::payments::stripe::{self, CardNext};

use super::{Order, reconcile, store};

/// A Stripe card payment of one of the account's orders, with its order; someone
/// else's payment is as good as none (`payment_not_found`).
pub async fn card_payment_of(
    app: &App,
    account_id: &str,
    payment_id: &str,
) -> Result<(Payment, Order)> {
    let not_found = || Error::not_found(Code::PaymentNotFound);
    let payment = payments::find(app, payment_id)
        .await?
        .filter(|p| p.provider == "stripe" && p.method == Method::Card)
        .ok_or_else(not_found)?;
    let order = store::find_for_account(app, &payment.order_id, account_id)
        .await?
        .ok_or_else(not_found)?;
    Ok((payment, order))
}

/// Pays the account's card payment with the card of the SetupIntent `setup_intent`
/// (see [`stripe::pay_with_setup`]), then asks Stripe where it stands.
pub async fn pay_with_setup(
    app: &App,
    account_id: &str,
    payment_id: &str,
    setup_intent: &str,
) -> Result<CardNext> {
    let (payment, _) = card_payment_of(app, account_id, payment_id).await?;
    let next = stripe::pay_with_setup(app, account_id, &payment, setup_intent).await?;
    // A payment no longer open is not asked about (the query returns at once).
    reconcile::query_now(app, &payment.id).await?;
    Ok(next)
}
