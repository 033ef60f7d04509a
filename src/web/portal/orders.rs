//! Order history and the order page: what is happening, its payment
//! ([`super::order_payment`]), and for a new eSIM the activation QR.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use crate::app::App;
use crate::error::{Code, Error};
use crate::i18n::{t, tf};
use crate::orders::{self, Order, OrderState};
use crate::promotions::name_in;

use super::format::{datetime, day};
use super::forms::CsrfForm;
use super::install;
use super::order_payment;
use super::{Portal, error_page, render, require_account};
use crate::web::extract::PayerDevice;

pub async fn list(State(app): State<App>, portal: Portal) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let locale = portal.locale;
    let orders = match orders::store::list_for_account(&app, &account.id, 100).await {
        Ok(orders) => orders,
        Err(error) => return error_page(&portal, &error),
    };
    let body = html! {
        h1 { (t(locale, "orders.title")) }
        p { a href="/history" { (t(locale, "records.history_title")) } " · " a href="/statements" { (t(locale, "records.statements_title")) } }
        @if orders.is_empty() {
            p { (t(locale, "orders.empty")) " " a href="/plans" { (t(locale, "nav.plans")) } }
        } @else {
            ul.orders {
                @for order in &orders {
                    li.card.order data-order=(order.id) {
                        p.order-top {
                            span { (datetime(locale, order.created_at, app.config.time_zone())) }
                            (state_badge(&portal, order.state))
                        }
                        p.hint.order-what { (summary(&portal, order)) }
                        p.order-bottom {
                            strong data-testid="order-list-total" { (order.breakdown.money(order.breakdown.total)) }
                            a.button.secondary href={ "/orders/" (order.id) } { (t(locale, "order.view")) }
                        }
                    }
                }
            }
        }
    };
    render(&portal, &t(locale, "orders.title"), body)
}

/// What an order page is called: the day it was made and what it is for, not its id
/// (`Order 7 Dec · Hong Kong 30 days 20GB`).
fn order_title(app: &App, portal: &Portal, order: &Order) -> String {
    let locale = portal.locale;
    let what = order
        .plan_name(locale)
        .map(str::to_owned)
        .unwrap_or_else(|| t(locale, &format!("order.kind.{}", order.kind().as_str())));
    tf(
        locale,
        "order.page_title",
        &[
            (
                "date",
                &day(locale, order.created_at, app.config.time_zone()),
            ),
            ("what", &what),
        ],
    )
}

fn summary(portal: &Portal, order: &Order) -> String {
    let kind = t(
        portal.locale,
        &format!("order.kind.{}", order.kind().as_str()),
    );
    let line = order
        .iccid()
        .map(|iccid| iccid.as_str())
        .map(|iccid| format!(" · eSIM …{}", &iccid[iccid.len().saturating_sub(4)..]))
        .unwrap_or_default();
    match order.plan_name(portal.locale) {
        Some(plan) => format!("{kind} · {plan} × {}{line}", order.breakdown.periods),
        None => kind,
    }
}

fn state_badge(portal: &Portal, state: OrderState) -> Markup {
    let class = match state {
        OrderState::Fulfilled => "status active",
        OrderState::PendingPayment | OrderState::Paid => "status pending_install",
        _ => "status expired",
    };
    html! { span class=(class) data-testid="order-state" data-state=(state.as_str()) { (t(portal.locale, &format!("order.state.{}", state.as_str()))) } }
}

#[derive(serde::Deserialize)]
pub struct ShowQuery {
    /// Set when the payer comes back from the provider's page.
    returned: Option<String>,
    /// Set by Refresh: say what it found.
    checked: Option<String>,
}

pub async fn show(
    State(app): State<App>,
    portal: Portal,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
    PayerDevice(payer): PayerDevice,
    headers: axum::http::HeaderMap,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let order = match orders::store::find_for_account(&app, &id, &account.id).await {
        Ok(Some(order)) => order,
        Ok(None) => return error_page(&portal, &Error::not_found(Code::OrderNotFound)),
        Err(error) => return error_page(&portal, &error),
    };
    let locale = portal.locale;
    let b = &order.breakdown;
    let waiting = order.state == OrderState::PendingPayment;
    // Back from the provider and not confirmed yet: say we are checking, and do not
    // invite a second payment with a big button.
    let returned = waiting && query.returned.is_some();
    let visit = order_payment::Visit {
        mobile: payer.mobile,
        returned,
        checked: query.checked.is_some().then(|| app.now()),
    };
    let reason = order_payment::failure_reason(&app, &order).await;
    let explain = if returned {
        "order.explain.confirming".to_owned()
    } else {
        format!("order.explain.{}", order.state.as_str())
    };
    let title = order_title(&app, &portal, &order);
    let validity = match &order.activation_code {
        Some(code) => validity(&app, &portal, &account.id, code).await,
        None => html! {},
    };
    let body = html! {
        h1 { (title) }
        p.hint.reference data-testid="order-id" { (t(locale, "order.reference")) " " (order.id) }
        p { (state_badge(&portal, order.state)) }
        p role="status" { (t(locale, &explain)) }
        @if waiting {
            (order_payment::waiting(&app, &portal, &order, &visit))
        } @else {
            (order_payment::checked(&app, &portal, &order, &visit))
        }
        (order_payment::way_on(&portal, &order, reason))
        (super::support::order_help(&portal, &order))
        (super::alerts::dispute_action(&portal, &order))
        (order_payment::resume_checkout(&portal, &order, &headers))
        @if let Some(code) = &order.activation_code {
            section.card {
                (install::section(&portal, code, install::platform(&headers), 2, validity))
            }
        }
        dl.facts {
            dt { (t(locale, "order.created")) } dd { (datetime(locale, order.created_at, app.config.time_zone())) }
            dt { (t(locale, "checkout.plan")) } dd { (summary(&portal, &order)) }
            dt { (t(locale, "order.method")) } dd { (order_payment::method_name(&portal, order.method)) }
            dt { (t(locale, "checkout.list_price")) } dd { (b.money(b.list_price)) }
            @for discount in &b.discounts {
                dt { (name_in(&discount.names, locale).unwrap_or(&discount.promotion)) }
                dd data-promotion=(discount.promotion) {
                    "−" (b.money(discount.amount))
                    @if let Some(reason) = &discount.reason { span.hint { (reason.text(locale)) } }
                }
            }
            dt { (t(locale, "checkout.fee_line")) } dd { (b.money(b.fee)) }
            dt { (t(locale, "checkout.total")) } dd { strong { (b.money(b.total)) } }
        }
        @if matches!(order.state, OrderState::Fulfilled | OrderState::Refunded) {
            p { a.button.secondary href={ "/orders/" (order.id) "/receipt" } data-testid="receipt-link" { (t(locale, "records.view_receipt")) } }
        }
        p { a href="/orders" { (t(locale, "orders.title")) } " · " a href="/account" { (t(locale, "nav.account")) } }
    };
    render(&portal, &title, body)
}

#[derive(serde::Deserialize)]
pub struct Empty {}

pub async fn refresh(
    State(app): State<App>,
    portal: Portal,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    match orders::refresh(&app, &account.id, &id).await {
        Ok(order) => Redirect::to(&format!("/orders/{}?checked=1", order.id)).into_response(),
        Err(error) => error_page(&portal, &error),
    }
}

/// When the new eSIM's plan runs: from the first use (at the latest …) or its dates.
async fn validity(app: &App, portal: &Portal, account_id: &str, activation_code: &str) -> Markup {
    let locale = portal.locale;
    let zone = app.config.time_zone();
    let lines = crate::lines::for_account(app, account_id)
        .await
        .unwrap_or_default();
    // The order's eSIM is the line with its activation code.
    let Some(line) = lines
        .iter()
        .find(|line| line.activation_code.as_deref() == Some(activation_code))
    else {
        return html! {};
    };
    html! {
        @if let Some(opens_by) = line.opens_by {
            p { (install::starts_at_install(locale, opens_by, zone)) }
        } @else if let Some(period) = &line.current {
            p data-testid="validity" {
                (tf(locale, "install.valid", &[("from", &datetime(locale, period.starts_at, zone)), ("to", &datetime(locale, period.ends_at, zone))]))
            }
        }
    }
}
