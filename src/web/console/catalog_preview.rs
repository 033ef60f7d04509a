//! The catalog forms' "Preview": what a subscriber would see if the form were saved,
//! rendered without saving anything. Prices come from the same code as the portal's
//! plans page and the checkout's review (`orders::plan_prices`, and its variant with
//! an unsaved offer in place of the stored one): one period, for a new subscriber
//! (no earlier orders), for each payment method the operator takes, its fee included.

use std::slice;

use maud::{Markup, html};

use crate::app::App;
use crate::catalog::Plan;
use crate::error::{Error, Result};
use crate::i18n::{name_in, t, tf};
use crate::orders::{self, Breakdown};
use crate::payments::Method;
use crate::promotions::{Promotion, offers};
use crate::web::portal::format::datetime;

use super::Console;

/// The payment methods the operator takes, in the order the portal lists them.
fn enabled_methods(app: &App) -> Vec<Method> {
    Method::ALL
        .into_iter()
        .filter(|m| m.config(&app.config.payments).enabled)
        .collect()
}

fn method_name(console: &Console, method: Method) -> String {
    t(console.locale, &format!("plans.method_{}", method.as_str()))
}

/// The discounts of a breakdown, by name in the reader's language.
fn discounts(console: &Console, b: &Breakdown) -> Markup {
    html! {
        @if b.discounts.is_empty() { "—" }
        @for (n, d) in b.discounts.iter().enumerate() {
            @if n > 0 { br; }
            (name_in(&d.names, console.locale).unwrap_or(&d.promotion)) " −" (b.money(d.amount))
        }
    }
}

/// The plan's breakdown per payment method (beside what subscribers pay now for
/// `current`, the version on sale), and the offers the plans page would list with it.
pub async fn plan(
    app: &App,
    console: &Console,
    plan: &Plan,
    current: Option<&Plan>,
    retired: bool,
) -> Result<Markup> {
    let locale = console.locale;
    let mut rows = Vec::new();
    for method in enabled_methods(app) {
        let mut prices = orders::plan_prices(app, None, slice::from_ref(plan), method).await?;
        let now = match current {
            Some(current) => orders::plan_prices(app, None, slice::from_ref(current), method)
                .await?
                .remove(&current.code),
            None => None,
        };
        rows.push((method, prices.remove(&plan.code), now));
    }
    let label = |key: &str| t(locale, &format!("console.catalog.{key}"));
    let listed = offers::for_plans(app, None, slice::from_ref(plan))
        .await?
        .remove(&plan.code)
        .unwrap_or_default();
    let currency = app.config.locale.currency;
    let body = html! {
        @if retired { p.notice.error { (t(locale, "console.catalog.preview_retired")) } }
        @if plan.effective_from > app.now() {
            p.hint { (tf(locale, "console.catalog.preview_scheduled", &[("time", &datetime(locale, plan.effective_from, app.config.time_zone()))])) }
        }
        h3 { (plan.name(locale)) }
        @if rows.iter().all(|(_, b, _)| b.is_none()) {
            p { (tf(locale, "console.catalog.preview_no_price", &[("currency", currency.as_str())])) }
        } @else {
            // On a phone each method's row stacks, each figure labelled (console.css).
            table.stacked data-testid="preview-prices" {
                thead { tr {
                    th scope="col" { (label("method")) }
                    th scope="col" { (label("list_price")) }
                    th scope="col" { (label("offers_applied")) }
                    th scope="col" { (label("fee")) }
                    th scope="col" { (label("total")) }
                    @if current.is_some() { th scope="col" { (label("total_now")) } }
                } }
                tbody {
                    @for (method, breakdown, now) in &rows {
                        @if let Some(b) = breakdown {
                            tr data-method=(method.as_str()) {
                                th scope="row" { (method_name(console, *method)) }
                                td data-label=(label("list_price")) { (b.money(b.list_price)) }
                                td data-label=(label("offers_applied")) { (discounts(console, b)) }
                                td data-label=(label("fee")) { @if b.fee > 0 { (b.money(b.fee)) } @else { (t(locale, "plans.no_fee")) } }
                                td data-label=(label("total")) { strong data-total=(b.total) { (b.money(b.total)) } }
                                @if current.is_some() {
                                    td data-label=(label("total_now")) data-now=[now.as_ref().map(|n| n.total)] {
                                        @match now { Some(n) => { (n.money(n.total)) } None => { "—" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !listed.is_empty() {
            h4 { (t(locale, "console.catalog.offers_listed")) }
            ul data-testid="preview-offers" {
                @for offer in &listed {
                    li data-offer=(offer.code) {
                        strong { (name_in(&offer.names, locale).unwrap_or(offer.code.as_str())) }
                        " · " (offer.condition.text(locale))
                    }
                }
            }
        }
    };
    Ok(frame(console, body))
}

/// One cell of an offer's preview: the total with the offer, or why it would not apply.
enum Cell {
    Priced(Breakdown),
    Refused(Error),
}

/// For each plan on sale that the offer's restrictions admit, the total per payment
/// method with the offer as the form has it (a coupon as if entered).
pub async fn offer(
    app: &App,
    console: &Console,
    offer: &Promotion,
    retired: bool,
) -> Result<Markup> {
    let locale = console.locale;
    let methods = enabled_methods(app);
    let plans: Vec<Plan> = crate::catalog::list(app)
        .await?
        .into_iter()
        .filter(|p| offer.scope.admits_plan(&p.code, p.zone))
        .collect();
    let mut rows = Vec::new();
    for plan in &plans {
        let mut cells = Vec::new();
        for method in &methods {
            let priced = orders::plan_prices_with_offer(
                app,
                None,
                slice::from_ref(plan),
                *method,
                Some(offer),
            )
            .await;
            cells.push(match priced {
                Ok(mut prices) => prices.remove(&plan.code).map(Cell::Priced),
                // A coupon that would be refused says why, as the checkout would.
                Err(error) if error.field == Some("coupon") => Some(Cell::Refused(error)),
                Err(error) => return Err(error),
            });
        }
        rows.push((plan, cells));
    }
    let code = offer.code.as_str();
    let body = html! {
        @if retired { p.notice.error { (t(locale, "console.catalog.preview_offer_retired")) } }
        @if !offer.window.contains(app.now()) { p.hint { (t(locale, "console.catalog.preview_outside_window")) } }
        @if rows.is_empty() {
            p { (t(locale, "console.catalog.preview_no_plans")) }
        } @else {
            div.scroll tabindex="0" role="region" aria-label=(t(locale, "console.catalog.preview_title")) { table data-testid="preview-offer" {
                thead { tr {
                    th scope="col" { (t(locale, "console.catalog.plan")) }
                    @for method in &methods { th scope="col" { (method_name(console, *method)) } }
                } }
                tbody {
                    @for (plan, cells) in &rows {
                        tr data-plan=(plan.code) {
                            th scope="row" { (plan.name(locale)) br; code.hint { (plan.code) } }
                            @for (method, cell) in methods.iter().zip(cells) {
                                td data-method=(method.as_str()) {
                                    @match cell {
                                        Some(Cell::Priced(b)) => {
                                            strong data-total=(b.total) { (b.money(b.total)) }
                                            @if let Some(d) = b.discounts.iter().find(|d| d.promotion == code) {
                                                br; span.hint data-applied=(d.amount) { (tf(locale, "console.catalog.preview_saves", &[("amount", &b.money(d.amount).to_string())])) }
                                            } @else {
                                                br; span.hint { (t(locale, "console.catalog.preview_not_applied")) }
                                            }
                                        }
                                        Some(Cell::Refused(error)) => {
                                            span.hint data-refused=(error.code) { (t(locale, &format!("error.{}", error.code))) }
                                        }
                                        None => { "—" }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
    };
    Ok(frame(console, body))
}

/// The preview's section: said to be a preview, and that nothing was saved.
fn frame(console: &Console, body: Markup) -> Markup {
    let locale = console.locale;
    html! {
        section.card.preview #preview aria-labelledby="preview-h" data-testid="preview" tabindex="-1" {
            h2 #preview-h { (t(locale, "console.catalog.preview_title")) }
            p.hint { (t(locale, "console.catalog.preview_lead")) }
            (body)
        }
    }
}
