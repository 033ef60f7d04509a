//! Step two of the checkout: the breakdown, priced the way the order will be.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;

use crate::app::App;
use crate::error::ErrorKind;
use crate::i18n::{t, tf};
use crate::orders::{self, Quote};
use crate::promotions::name_in;

use super::super::forms::form;
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
        Ok(quote) => {
            let auto_renew_on = renews_itself(&app, &quote).await;
            let mut page = review_page(&portal, &choice, &quote, None, auto_renew_on);
            if let Some(short) = wallet_short(&app, &portal, &account.id, &choice, &quote).await {
                page = short;
            }
            page
        }
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => choose_page(&app, &portal, &account.id, &choice, Some(&error)).await,
    }
}

/// The review with the shortfall said instead of Pay, when the wallet is to pay and
/// holds less than the total.
async fn wallet_short(
    app: &App,
    portal: &Portal,
    account_id: &str,
    choice: &Choice,
    quote: &Quote,
) -> Option<Response> {
    if crate::payments::Method::parse(&choice.method) != Some(crate::payments::Method::Wallet) {
        return None;
    }
    let total = quote.total();
    let balance = crate::ledger::wallet_balance(app, account_id, total.currency)
        .await
        .ok()?;
    if balance.amount >= total.amount {
        return None;
    }
    let short = super::shortfall::wallet_short(portal, choice, total, balance);
    Some(review_with(portal, choice, quote, None, false, Some(short)))
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

/// The review; `changed_from`: the total the subscriber confirmed before a price
/// change; `auto_renew_on`: the line renews itself.
pub(super) fn review_page(
    portal: &Portal,
    choice: &Choice,
    quote: &Quote,
    changed_from: Option<i64>,
    auto_renew_on: bool,
) -> Response {
    review_with(portal, choice, quote, changed_from, auto_renew_on, None)
}

/// The review, with `instead_of_pay` in Pay's place when the order cannot be paid so.
fn review_with(
    portal: &Portal,
    choice: &Choice,
    quote: &Quote,
    changed_from: Option<i64>,
    auto_renew_on: bool,
    instead_of_pay: Option<maud::Markup>,
) -> Response {
    let locale = portal.locale;
    let b = &quote.breakdown;
    let what = match &quote.plan {
        Some(plan) => plan.name(locale).to_owned(),
        None => t(locale, "checkout.topup_line"),
    };
    let change = serde_urlencoded::to_string(choice).unwrap_or_default();
    let body = html! {
        h1 { (t(locale, "checkout.review_title")) }
        @if let Some(old) = changed_from {
            (super::super::layout::notice(&tf(locale, "checkout.price_changed", &[("old", &b.money(old).to_string()), ("new", &b.money(b.total).to_string())]), true))
        }
        @if auto_renew_on {
            p.notice data-testid="auto-renew-on" { (t(locale, "checkout.auto_renew_on")) }
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
                tr { th scope="row" { (t(locale, "checkout.fee_line")) } td { (b.money(b.fee)) } }
                tr.total { th scope="row" { (t(locale, "checkout.total")) } td data-testid="order-total" { strong { (b.money(b.total)) } } }
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
    render(portal, &t(locale, "checkout.review_title"), body)
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
