//! The order page's ways out: Cancel an order that waits for its payment, and Retry
//! one that failed, expired or was cancelled (a new order for the same choice, made
//! once however often the button is pressed).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use crate::app::App;
use crate::error::{Error, ErrorKind};
use crate::i18n::t;
use crate::orders::cancel::{self, Retried};
use crate::orders::{OrderKind, OrderRequest};
use crate::payments::NextAction;
use crate::web::extract::PayerDevice;

use super::forms::CsrfForm;
use super::orders::Empty;
use super::{Portal, error_page, layout, render, require_account, to_payment_page};

/// `POST /orders/{id}/cancel`.
pub async fn cancel(
    State(app): State<App>,
    portal: Portal,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    match cancel::cancel(&app, &account.id, &id).await {
        Ok(order) => Redirect::to(&format!("/orders/{}", order.id)).into_response(),
        Err(error) => refused(&portal, &id, &error),
    }
}

/// `POST /orders/{id}/retry`: on to the provider with the new order's payment.
pub async fn retry(
    State(app): State<App>,
    portal: Portal,
    Path(id): Path<String>,
    PayerDevice(payer): PayerDevice,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    match cancel::retry(&app, &account.id, &id, &payer).await {
        Ok(Retried::Order(order)) => match order.payment.as_ref().map(|p| &p.next_action) {
            Some(NextAction::Redirect { url })
                if order.payment.as_ref().is_some_and(|p| p.state.is_open()) =>
            {
                to_payment_page(url)
            }
            _ => Redirect::to(&format!("/orders/{}", order.id)).into_response(),
        },
        Ok(Retried::Review(request)) => Redirect::to(&review_link(&request)).into_response(),
        Err(error) => refused(&portal, &id, &error),
    }
}

/// The review of the same choice at today's price.
fn review_link(request: &OrderRequest) -> String {
    let mut query = vec![("method", request.payment_method.as_str().to_owned())];
    match request.kind {
        OrderKind::WalletTopup => {
            let dollars = request.amount.map_or(0, |a| a.amount / 100);
            query.push(("topup", dollars.to_string()));
        }
        _ => {
            query.push(("plan", request.plan_code.clone().unwrap_or_default()));
            query.push((
                "target",
                request.iccid.clone().unwrap_or_else(|| "new".into()),
            ));
            query.push(("periods", request.periods.to_string()));
        }
    }
    format!(
        "/checkout/review?{}",
        serde_urlencoded::to_string(query).unwrap_or_default()
    )
}

/// A refusal (not cancellable, not retryable, someone else's order): what and why,
/// with the way back to the order and the support contact.
fn refused(portal: &Portal, id: &str, error: &Error) -> Response {
    if matches!(error.kind, ErrorKind::NotFound | ErrorKind::Internal) {
        return error_page(portal, error);
    }
    let locale = portal.locale;
    let body = html! {
        h1 { (t(locale, "errorpage.title")) }
        (layout::notice(&t(locale, &format!("error.{}", error.code)), true))
        p { a.button href={ "/orders/" (id) } { (t(locale, "order.back")) } }
        (layout::support(portal))
    };
    let mut response = render(portal, &t(locale, "errorpage.title"), body);
    *response.status_mut() = crate::web::error::status_of(error);
    response
}
