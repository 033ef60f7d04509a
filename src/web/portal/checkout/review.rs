//! Step two of the checkout: the breakdown, priced the way the order will be.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;

use crate::app::App;
use crate::error::ErrorKind;
use crate::i18n::{t, tf};
use crate::lines;
use crate::orders::{self, Quote};
use crate::promotions::name_in;

use super::super::format::datetime;
use super::super::forms::form;
use super::super::layout::notice;
use super::super::{Portal, error_page, render, require_account};
use super::{Choice, choose_page};
/// Step two: the breakdown, from the same pricing the order will use.
pub async fn review(
    State(app): State<App>,
    portal: Portal,
    Query(choice): Query<Choice>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let quote = match choice.request(&app) {
        Ok(request) => orders::quote(&app, &account.id, &request).await,
        Err(error) => Err(error),
    };
    match quote {
        Ok(quote) => review_page(&app, &portal, &choice, &quote, Confirmed::NotYet).await,
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => choose_page(&app, &portal, &account.id, &choice, Some(&error)).await,
    }
}

/// The review with the shortfall said instead of Pay, when the wallet is to pay and
/// holds less than the total.
/// What stands in Pay's place when the wallet cannot pay the order: the shortfall and
/// the ways on (top it up and come back, pay another way).
async fn wallet_short(
    app: &App,
    portal: &Portal,
    choice: &Choice,
    quote: &Quote,
) -> Option<maud::Markup> {
    if crate::payments::Method::parse(&choice.method) != Some(crate::payments::Method::Wallet) {
        return None;
    }
    let account_id = &portal.account.as_ref()?.id;
    let total = quote.total();
    let balance = crate::ledger::wallet_balance(app, account_id, total.currency)
        .await
        .ok()?;
    if balance.amount >= total.amount {
        return None;
    }
    Some(super::shortfall::wallet_short(
        portal, choice, total, balance,
    ))
}

/// Whether the line being renewed has auto-renew on: buying by hand then adds periods
/// on top of what auto-renew will buy, which the subscriber should know before paying.
async fn renews_itself(app: &App, quote: &Quote) -> bool {
    let Some(iccid) = &quote.iccid else {
        return false;
    };
    crate::auto_renew::settings(app, &iccid.to_string())
        .await
        .is_ok_and(|settings| settings.enabled)
}

/// What the subscriber confirmed before this review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Confirmed {
    /// Nothing yet: the first review.
    NotYet,
    /// A total that is not today's (the price changed since, or the form was altered).
    Other(i64),
    /// No total, or one that is not a number.
    Unreadable,
}

/// The review: what is bought, for which dates, paid how, and the total.
pub(super) async fn review_page(
    app: &App,
    portal: &Portal,
    choice: &Choice,
    quote: &Quote,
    confirmed: Confirmed,
) -> Response {
    let auto_renew_on = renews_itself(app, quote).await;
    let projection = match &quote.plan {
        Some(plan) => {
            match lines::projected_periods(
                app,
                quote.iccid.as_ref(),
                plan.period,
                quote.breakdown.periods,
            )
            .await
            {
                Ok(projection) => Some(projection),
                Err(error) => return error_page(portal, &error),
            }
        }
        None => None,
    };
    let instead_of_pay = wallet_short(app, portal, choice, quote).await;
    let locale = portal.locale;
    let zone = app.config.time_zone();
    let b = &quote.breakdown;
    let what = match &quote.plan {
        Some(plan) => plan.name(locale).to_owned(),
        None => t(locale, "checkout.topup_line"),
    };
    let method = quote.request.payment_method;
    let fee = method.config(&app.config.payments);
    let change = serde_urlencoded::to_string(choice).unwrap_or_default();
    let body = html! {
        h1 { (t(locale, "checkout.review_title")) }
        @match confirmed {
            Confirmed::Other(old) => {
                (notice(&tf(locale, "checkout.price_changed", &[("old", &b.money(old).to_string()), ("new", &b.money(b.total).to_string())]), true))
            }
            Confirmed::Unreadable => { (notice(&t(locale, "checkout.confirm_total"), true)) }
            Confirmed::NotYet => {}
        }
        @if auto_renew_on {
            p.notice data-testid="auto-renew-on" { (t(locale, "checkout.auto_renew_on")) }
        }
        @if let Some(ends) = projection.as_ref().and_then(|p| p.cuts_short) {
            p.notice.error data-testid="ends-early" {
                (tf(locale, "checkout.ends_early", &[("end", &datetime(locale, ends, zone))]))
            }
        }
        table.breakdown {
            tbody {
                tr { th scope="row" { (what) } td { (tf(locale, "checkout.periods_line", &[("count", &b.periods.to_string()), ("price", &b.money(b.unit_price).to_string())])) } }
                tr { th scope="row" { (t(locale, "checkout.list_price")) } td { (b.money(b.list_price)) } }
                @for discount in &b.discounts {
                    tr.discount data-promotion=(discount.promotion) {
                        th scope="row" {
                            (name_in(&discount.names, locale).unwrap_or(&discount.promotion))
                            @if let Some(reason) = &discount.reason { span.hint { (reason.text(locale)) } }
                        }
                        td { "−" (b.money(discount.amount)) }
                    }
                }
                tr data-testid="review-method" { th scope="row" { (t(locale, "checkout.method")) } td data-method=(method.as_str()) { (t(locale, &format!("plans.method_{}", method.as_str()))) " · " (super::fee_text(portal, fee.fee_fixed, fee.fee_basis_points, b.currency)) } }
                tr { th scope="row" { (t(locale, "checkout.fee_line")) } td data-testid="order-fee" { (b.money(b.fee)) } }
                tr.total { th scope="row" { (t(locale, "checkout.total")) } td data-testid="order-total" data-total=(b.total) { strong { (b.money(b.total)) } } }
            }
        }
        @if let Some(projection) = &projection {
            section.dates aria-labelledby="dates-h" {
                h2 #dates-h { (t(locale, "checkout.dates")) }
                dl.facts {
                    dt { (t(locale, "checkout.starts")) }
                    dd data-testid="starts" {
                        @if let Some(latest) = projection.starts_at_install {
                            (super::super::install::starts_at_install(locale, latest, zone))
                        } @else if let Some((start, _)) = projection.periods.first() { (datetime(locale, *start, zone)) }
                    }
                    dt { (t(locale, "checkout.valid_until")) }
                    dd data-testid="valid-until" {
                        @if projection.starts_at_install.is_some() {
                            strong { (tf(locale, "checkout.valid_until_latest", &[("date", &datetime(locale, projection.valid_until, zone))])) }
                        } @else {
                            strong { (datetime(locale, projection.valid_until, zone)) }
                        }
                    }
                }
                details.queued open[projection.periods.len() <= 4] {
                    summary { (tf(locale, "checkout.each_period", &[("count", &projection.periods.len().to_string())])) }
                    ol.projection data-testid="period-dates" {
                        @for (start, end) in &projection.periods {
                            li { span.nowrap { (datetime(locale, *start, zone)) } " – " span.nowrap { (datetime(locale, *end, zone)) } }
                        }
                    }
                }
            }
        }
        @if let Some(instead) = instead_of_pay {
            (instead)
        } @else {
            (form(portal, "/checkout", html! {
                @for (name, value) in hidden_fields(choice) { input type="hidden" name=(name) value=(value); }
                input type="hidden" name="confirmed_total" value=(b.total);
                div { button type="submit" { (tf(locale, "checkout.pay", &[("total", &b.money(b.total).to_string())])) } }
            }))
        }
        p { a href={ "/checkout?" (change) } { (t(locale, "checkout.change")) } }
    };
    let mut page = render(portal, &t(locale, "checkout.review_title"), body);
    if confirmed != Confirmed::NotYet {
        *page.status_mut() = axum::http::StatusCode::CONFLICT;
    }
    page
}

fn hidden_fields(choice: &Choice) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("plan", choice.plan.clone()),
        ("target", choice.target.clone()),
        ("iccid", choice.iccid.clone()),
        ("method", choice.method.clone()),
    ];
    if let Some(coupon) = choice.coupon() {
        fields.push(("coupon", coupon));
    }
    // Reached only with a quote, so the periods parsed.
    if let Ok(periods) = choice.periods() {
        fields.push(("periods", periods.to_string()));
    }
    if let Some(topup) = &choice.topup {
        fields.push(("topup", topup.clone()));
    }
    fields
}
