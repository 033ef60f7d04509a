//! `/pay/stripe/{payment_id}`: where the Stripe adapter sends a card payer
//! ([`crate::payments::stripe::StripeProvider::card_page_url`]).
//!
//! With the real Stripe, our page ([`page`]) mounts Stripe.js's card Element; on Pay
//! it asks us for a SetupIntent ([`pay::setup`]), has Stripe.js confirm it with the
//! card, and posts its id back ([`pay::confirm`]); we set the card on the
//! PaymentIntent and confirm it, and the page does 3-D Secure when the bank asks,
//! then shows the order. The browser's word settles nothing: the order moves only by
//! what Stripe says, through [`crate::orders::apply`]. The same works with
//! localstripe's fake Stripe.js (`js_url`), which the tests use.
//!
//! With the local fake Stripe (demo mode, `crate::demo::fakes`) the page forwards to the
//! fake's hosted card page, which plays Stripe.js's part.

mod page;
pub mod pay;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::App;
use crate::error::{Code, Error, ErrorKind};
use crate::orders::card_checkout::card_payment_of;

use super::{Portal, error_page, render, require_account};

/// Whether paying by card here can save the card for auto-renew: only our own card page
/// with Stripe.js offers "save this card" (the sandbox and the demo's hosted fake do not).
pub fn saves_cards(app: &App) -> bool {
    app.config.payments.card.provider == crate::payments::ProviderName::Stripe
        && app.providers().hosted_card_page.is_none()
}

pub async fn show(
    State(app): State<App>,
    portal: Portal,
    Path(payment_id): Path<String>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let (payment, order) = match card_payment_of(&app, &account.id, &payment_id).await {
        Ok(found) => found,
        Err(error) => return error_page(&portal, &error),
    };
    if !payment.state.is_open() {
        return Redirect::to(&format!("/orders/{}", order.id)).into_response();
    }
    let unavailable = || {
        error_page(
            &portal,
            &Error::new(ErrorKind::Unavailable, Code::PaymentMethodUnavailable),
        )
    };
    if let Some(hosted) = app.providers().hosted_card_page {
        return match hosted_card_page(&app, hosted, &payment.id, order.id.as_str()).await {
            Some(url) => Redirect::to(&url).into_response(),
            None => unavailable(),
        };
    }
    if app
        .config
        .payments
        .providers
        .stripe
        .publishable_key
        .is_empty()
    {
        tracing::warn!(payment.id = %payment.id, "no Stripe publishable key: the card page cannot load Stripe.js");
        return unavailable();
    }
    let title = crate::i18n::t(portal.locale, "card.title");
    render(
        &portal,
        &title,
        page::card_page(&app, &portal, &payment, &order),
    )
}

/// A hosted card page for the payment, which plays Stripe.js (the demo's fake).
async fn hosted_card_page(
    app: &App,
    hosted: crate::payments::registry::HostedCardPage,
    payment_id: &str,
    order_id: &str,
) -> Option<String> {
    let stripe = app.providers().stripe()?;
    let secret = match stripe.client_secret(payment_id).await {
        Ok(secret) => secret,
        Err(error) => {
            tracing::warn!(payment.id = %payment_id, %error, "no client secret for the card page");
            return None;
        }
    };
    // A client secret is `<PaymentIntent id>_secret_<…>`, as Stripe.js reads it.
    let intent_id = secret.split("_secret_").next().unwrap_or_default();
    let return_url = format!("{}/orders/{order_id}?returned=1", app.config.public_url());
    hosted(app, intent_id, &secret, &return_url)
}
