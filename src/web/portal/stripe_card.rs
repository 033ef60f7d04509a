//! `GET /pay/stripe/{payment_id}`: where the Stripe adapter sends a card payer
//! ([`crate::payments::stripe::StripeProvider::card_page_url`]).
//!
//! For the real Stripe this is to be our page that collects the card with Stripe.js
//! and confirms with the PaymentIntent's client secret; that page is not built yet,
//! so until it is, card payments through the real Stripe stop here with "not
//! available". With the local fake Stripe (demo mode, [`crate::fakes`]) the page
//! forwards to the fake's hosted card page, which plays Stripe.js's part.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::App;
use crate::error::{Error, ErrorKind};
use crate::orders;
use crate::payments::store as payments;
use crate::payments::stripe::StripeProvider;

use super::{Portal, error_page, require_account};

pub async fn show(
    State(app): State<App>,
    portal: Portal,
    Path(payment_id): Path<String>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let payment = match payments::find(&app, &payment_id).await {
        Ok(Some(payment)) if payment.provider == "stripe" && payment.method == "card" => payment,
        Ok(_) => return error_page(&portal, &Error::not_found("payment_not_found")),
        Err(error) => return error_page(&portal, &error),
    };
    // Someone else's payment is as good as none.
    let order = match orders::store::find_for_account(&app, &payment.order_id, &account.id).await {
        Ok(Some(order)) => order,
        Ok(None) => return error_page(&portal, &Error::not_found("payment_not_found")),
        Err(error) => return error_page(&portal, &error),
    };
    if !payment.state.is_open() {
        return Redirect::to(&format!("/orders/{}", order.id)).into_response();
    }
    let unavailable = || {
        error_page(
            &portal,
            &Error::new(ErrorKind::Unavailable, "payment_method_unavailable"),
        )
    };
    if !crate::fakes::stripe::serves(&app) {
        tracing::warn!(payment.id = %payment.id, "the Stripe.js card page is not built yet");
        return unavailable();
    }
    let secret = match StripeProvider::new(&app).client_secret(&payment.id).await {
        Ok(secret) => secret,
        Err(error) => {
            tracing::warn!(payment.id = %payment.id, %error, "no client secret for the card page");
            return unavailable();
        }
    };
    // A client secret is `<PaymentIntent id>_secret_<…>`, as Stripe.js reads it.
    let intent_id = secret.split("_secret_").next().unwrap_or_default();
    let return_url = format!("{}/orders/{}?returned=1", app.config.public_url(), order.id);
    match crate::fakes::stripe::card_page_url(&app, intent_id, &secret, &return_url) {
        Some(url) => Redirect::to(&url).into_response(),
        None => unavailable(),
    }
}
