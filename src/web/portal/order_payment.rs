//! The payment part of the order page: while it waits, how to pay on this phone (the
//! provider's app or mobile page first, the QR code for another device), what we
//! are waiting for, Refresh and Cancel, and a script that follows the payment by
//! itself; after a failure, why, Retry, another method and the support contact.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde_json::json;

use crate::app::App;
use crate::error::{Code, Error};
use crate::i18n::{t, tf};
use crate::orders::{self, Order, OrderState, Product};
use crate::payments::{Decline, Method, NextAction};

use super::forms::form;
use super::qr;
use super::{PAYMENT_PAGE_REFERRER_POLICY, Portal, layout, require_account};

/// The script that follows a waiting order: served as a file, so that a strict
/// Content-Security-Policy (`script-src 'self'`) allows it.
const SCRIPT: &str = include_str!("order_status.js");

/// How the order page was reached, as far as its payment part cares.
pub struct Visit {
    /// A phone's browser: the provider's app first, the QR code for another device.
    pub mobile: bool,
    /// Back from the provider's page: confirming, no invitation to pay again.
    pub returned: bool,
    /// After Refresh: when we asked.
    pub checked: Option<DateTime<Utc>>,
}

/// The method's name without the wallet's balance placeholder.
pub fn method_name(portal: &Portal, method: Method) -> String {
    t(
        portal.locale,
        &format!("checkout.method_{}", method.as_str()),
    )
    .replace(" ({balance})", "")
    .replace("（{balance}）", "")
}

/// Why the order's payment failed, in the subscriber's words.
pub async fn failure_reason(app: &App, order: &Order) -> Option<Decline> {
    if order.state != OrderState::Failed {
        return None;
    }
    let payment = order.payment.as_ref()?;
    match crate::payments::store::failure_evidence(app, &payment.id).await {
        Ok(evidence) => Some(
            evidence
                .as_deref()
                .map_or(Decline::Unknown, Decline::from_evidence),
        ),
        Err(error) => {
            tracing::warn!(%error, "failure evidence not read");
            Some(Decline::Unknown)
        }
    }
}

/// While the order waits for its payment.
pub fn waiting(app: &App, portal: &Portal, order: &Order, visit: &Visit) -> Markup {
    let locale = portal.locale;
    let method = method_name(portal, order.method);
    let zone = app.config.time_zone();
    let open = order.payment.as_ref().filter(|p| p.state.is_open());
    html! {
        div data-follow={ "/orders/" (order.id) "/status" } data-state=(order.state.as_str()) {
            p data-testid="waiting-for" { strong { (t(locale, &format!("order.waiting.{}", order.method.as_str()))) } }
            @if let Some(checked) = visit.checked {
                p.notice role="status" data-testid="checked" {
                    (tf(locale, "order.checked_waiting", &[("time", &super::format::datetime(locale, checked, zone))]))
                }
            }
            @if !visit.returned {
                p.hint data-testid="pay-by" {
                    (tf(locale, "order.pay_by", &[("time", &super::format::datetime(locale, order.expires_at, zone))]))
                }
                @if let Some(payment) = open {
                    @match &payment.next_action {
                        NextAction::Redirect { url } => {
                            p { a.button.wide href=(url) referrerpolicy=(PAYMENT_PAGE_REFERRER_POLICY) data-testid="pay-here" { (tf(locale, "order.open_app", &[("method", &method)])) } }
                        }
                        NextAction::Qr { data, url } if visit.mobile => {
                            // On the phone that pays: the QR code's own link opens the
                            // app; scanning is for another device.
                            p { a.button.wide href=(url) data-testid="pay-here" { (tf(locale, "order.open_app", &[("method", &method)])) } }
                            details.other-device data-testid="other-device" {
                                summary { (t(locale, "order.other_device")) }
                                p { (tf(locale, "order.scan", &[("method", &method)])) }
                                (qr::svg(data, &method))
                            }
                        }
                        NextAction::Qr { data, url } => {
                            p { (tf(locale, "order.scan", &[("method", &method)])) }
                            (qr::svg(data, &method))
                            p { a href=(url) data-testid="pay-here" { (t(locale, "order.this_device")) } }
                        }
                        NextAction::None => {}
                    }
                }
            }
            p.hint { (t(locale, "order.following")) }
            div.actions {
                (form(portal, &format!("/orders/{}/refresh", order.id), html! {
                    button.secondary type="submit" { (t(locale, "order.refresh")) }
                }))
                @if !visit.returned {
                    (form(portal, &format!("/orders/{}/cancel", order.id), html! {
                        button.secondary type="submit" data-testid="cancel" { (t(locale, "order.cancel")) }
                    }))
                }
            }
            script src="/assets/order-status.js" defer {}
        }
    }
}

/// After Refresh found the order settled.
pub fn checked(app: &App, portal: &Portal, order: &Order, visit: &Visit) -> Markup {
    let Some(checked) = visit.checked else {
        return html! {};
    };
    let locale = portal.locale;
    let time = super::format::datetime(locale, checked, app.config.time_zone());
    let state = t(locale, &format!("order.state.{}", order.state.as_str()));
    html! {
        p.notice role="status" data-testid="checked" { (tf(locale, "order.checked_done", &[("time", &time), ("state", &state)])) }
    }
}

/// A failed, expired or cancelled order: why, and the ways on.
pub fn way_on(portal: &Portal, order: &Order, reason: Option<Decline>) -> Markup {
    if !matches!(
        order.state,
        OrderState::Failed | OrderState::Expired | OrderState::Cancelled
    ) {
        return html! {};
    }
    let locale = portal.locale;
    let method = method_name(portal, order.method);
    html! {
        section.way-on {
            @if let Some(reason) = reason {
                h2 { (t(locale, "order.reason_title")) }
                p data-testid="decline-reason" data-reason=(reason.as_str()) {
                    (tf(locale, &format!("order.reason.{}", reason.as_str()), &[("method", &method)]))
                }
            }
            @if order.method != Method::Wallet {
                (form(portal, &format!("/orders/{}/retry", order.id), html! {
                    button type="submit" data-testid="retry" { (tf(locale, "order.retry", &[("method", &method)])) }
                }))
            }
            p { a.button.secondary href=(other_method_link(order)) data-testid="other-method" { (t(locale, "order.other_method")) } }
        }
        // A failure is a problem someone may need help with; a cancel or an expiry is not.
        @if order.state == OrderState::Failed { (layout::support(portal)) }
    }
}

/// A top-up done, started from a review the wallet could not pay: back to it.
pub fn resume_checkout(portal: &Portal, order: &Order, headers: &axum::http::HeaderMap) -> Markup {
    if order.product != Product::WalletTopup || order.state != OrderState::Fulfilled {
        return html! {};
    }
    match super::checkout::shortfall::resume_link(headers) {
        Some(link) => html! {
            p { a.button.wide href=(link) data-testid="resume-checkout" { (t(portal.locale, "order.resume_checkout")) } }
        },
        None => html! {},
    }
}

/// The checkout's first step with the same choice, to pick another method.
pub fn other_method_link(order: &Order) -> String {
    let b = &order.breakdown;
    let query = match &order.product {
        Product::Renewal { iccid, plan } => vec![
            ("plan", plan.to_string()),
            ("target", iccid.to_string()),
            ("periods", b.periods.to_string()),
        ],
        Product::NewEsim { plan } => vec![
            ("plan", plan.to_string()),
            ("target", "new".into()),
            ("periods", b.periods.to_string()),
        ],
        Product::WalletTopup => vec![("topup", (b.list_price / 100).to_string())],
    };
    format!(
        "/checkout?{}",
        serde_urlencoded::to_string(query).unwrap_or_default()
    )
}

/// `GET /orders/{id}/status`: the order's state, for the page's script. Asks the
/// provider at most every few seconds (the same spacing as Refresh).
pub async fn status(State(app): State<App>, portal: Portal, Path(id): Path<String>) -> Response {
    let Ok(account) = require_account(&portal) else {
        return Error::new(
            crate::error::ErrorKind::Unauthenticated,
            Code::Unauthenticated,
        )
        .into_response();
    };
    match orders::refresh(&app, &account.id, &id).await {
        Ok(order) => Json(json!({
            "state": order.state.as_str(),
            "payment_state": order.payment.as_ref().map(|p| p.state.as_str()),
        }))
        .into_response(),
        Err(error) => error.into_response(),
    }
}

/// `GET /assets/order-status.js`.
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        SCRIPT,
    )
        .into_response()
}
