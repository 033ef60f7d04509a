//! `/alerts`: charges and data use that looked wrong, with the lines' data alerts,
//! newest first, each charge with its dispute button; and the monthly spend cap
//! (`POST /alerts/spend-cap`). `POST /orders/{id}/dispute` disputes a charge from an
//! alert, the order page or the receipt, and leads to the case it opened.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::auto_renew::cap;
use crate::error::{Code, Error};
use crate::i18n::{t, tf};
use crate::money::{Currency, Money};
use crate::orders::Order;
use crate::watch::{self, feed};

use super::format::datetime;
use super::forms::{CsrfForm, Field, Problems, form};
use super::{Portal, error_page, render, require_account};

#[derive(Deserialize, Default)]
pub struct AlertsQuery {
    cap: Option<String>,
}

/// `GET /alerts`.
pub async fn show(
    State(app): State<App>,
    portal: Portal,
    Query(query): Query<AlertsQuery>,
) -> Response {
    let notice = match query.cap.as_deref() {
        Some("saved") => Some(t(portal.locale, "watch.cap.saved")),
        Some("removed") => Some(t(portal.locale, "watch.cap.removed")),
        _ => None,
    };
    page(&app, &portal, notice, &Problems::new(portal.locale), "").await
}

async fn page(
    app: &App,
    portal: &Portal,
    notice: Option<String>,
    problems: &Problems,
    typed: &str,
) -> Response {
    let account = match require_account(portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let locale = portal.locale;
    let zone = app.config.time_zone();
    let currency = app.config.locale.currency;
    let loaded = async {
        let entries = feed::of_account(app, &account.id, locale).await?;
        let monthly = cap::get(app, &account.id).await?;
        let (from, to) = cap::month_of(app.now(), zone);
        let spent =
            crate::orders::charges::spent_between(app, &account.id, currency, from, to).await?;
        Ok::<_, Error>((entries, monthly, Money::new(spent, currency)))
    }
    .await;
    let (entries, monthly, spent) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return error_page(portal, &error),
    };
    let title = t(locale, "watch.title");
    let body = html! {
        h1 { (title) }
        p { (t(locale, "watch.lead")) }
        @if let Some(notice) = &notice { (super::layout::notice(notice, false)) }
        @if entries.is_empty() {
            p data-testid="no-alerts" { (t(locale, "watch.none")) }
        } @else {
            ul.orders data-testid="alerts" {
                @for entry in &entries { (entry_view(app, portal, entry)) }
            }
        }
        (cap_section(portal, monthly, spent, problems, typed, currency))
        p { a href="/account" { (t(locale, "nav.account")) } }
    };
    let mut response = render(portal, &title, body);
    *response.status_mut() = problems.status();
    response
}

fn entry_view(app: &App, portal: &Portal, entry: &feed::Entry) -> Markup {
    let locale = portal.locale;
    let category = if entry.charge { "charge" } else { "usage" };
    let finding = entry.finding.as_ref();
    html! {
        li.card.order id={ "f-" (entry.id) } data-kind=(entry.kind) data-category=(category) {
            p.order-top {
                span { (tf(locale, "watch.found", &[("at", &datetime(locale, entry.at, app.config.time_zone()))])) }
                span class={ "status " (if entry.charge { "expired" } else { "pending_install" }) } { (t(locale, &format!("watch.{category}"))) }
            }
            h2.alert-title { (entry.title) }
            p { (entry.what) }
            @if !entry.todo.is_empty() { p.hint { (entry.todo) } }
            @if let Some(finding) = finding {
                div.actions {
                    @if let (true, Some(order)) = (entry.disputable(), &finding.order_id) {
                        @if let Some(ticket) = &finding.ticket_id {
                            a.button.secondary href={ "/support/" (ticket) } data-testid="disputed" { (t(locale, "watch.disputed")) }
                        } @else {
                            (form(portal, &format!("/orders/{order}/dispute"), html! {
                                input type="hidden" name="finding" value=(finding.id);
                                button type="submit" data-testid="dispute" { (t(locale, "watch.dispute_button")) }
                            }))
                        }
                    }
                    @if let Some(order) = &finding.order_id {
                        a.button.secondary href={ "/orders/" (order) } { (t(locale, "watch.order_link")) }
                    } @else if !entry.charge {
                        a.button.secondary href="/support/new?category=data" { (t(locale, "watch.contact")) }
                    }
                }
            }
        }
    }
}

fn cap_section(
    portal: &Portal,
    monthly: Option<Money>,
    spent: Money,
    problems: &Problems,
    typed: &str,
    currency: Currency,
) -> Markup {
    let locale = portal.locale;
    let current = monthly.map(|m| m.decimal()).unwrap_or_default();
    let value = if problems.is_empty() {
        current.as_str()
    } else {
        typed
    };
    html! {
        section.card.spend-cap aria-labelledby="cap-h" data-testid="spend-cap" {
            h2 #cap-h { (t(locale, "watch.cap.title")) }
            p { (t(locale, "watch.cap.lead")) }
            @match monthly {
                Some(cap) => p data-testid="cap-now" { (tf(locale, "watch.cap.current", &[("cap", &cap.to_string()), ("spent", &spent.to_string())])) },
                None => p data-testid="cap-now" { (t(locale, "watch.cap.none")) },
            }
            (problems.summary(&["monthly"]))
            (form(portal, "/alerts/spend-cap", html! {
                (Field::new("monthly", tf(locale, "watch.cap.label", &[("currency", currency.as_str())]), "text", "off")
                    .value(value).inputmode("decimal").hint(t(locale, "watch.cap.hint")).render(problems))
                div.actions {
                    button type="submit" name="action" value="save" { (t(locale, "watch.cap.save")) }
                    @if monthly.is_some() {
                        button.secondary type="submit" name="action" value="remove" { (t(locale, "watch.cap.remove")) }
                    }
                }
            }))
        }
    }
}

/// `300`, `300.5`, `1,200.00` in whole units of `currency` → minor units; `None` for
/// anything else (a negative amount parses, and the cap's check refuses it).
pub fn parse_amount(text: &str, currency: Currency) -> Option<i64> {
    let text: String = text.trim().chars().filter(|c| *c != ',').collect();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((_, "")) => return None,
        Some(parts) => parts,
        None => (digits, ""),
    };
    let exponent = usize::try_from(currency.exponent()).unwrap_or(2);
    if whole.is_empty()
        || whole.len() > 12
        || fraction.len() > exponent
        || !whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let padded = format!("{fraction:0<exponent$}");
    let minor: i64 = format!("{whole}{padded}").parse().ok()?;
    Some(if negative { -minor } else { minor })
}

#[derive(Deserialize)]
pub struct CapForm {
    #[serde(default)]
    monthly: String,
    #[serde(default)]
    action: String,
}

/// `POST /alerts/spend-cap`.
pub async fn save_cap(
    State(app): State<App>,
    portal: Portal,
    CsrfForm(input): CsrfForm<CapForm>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let currency = app.config.locale.currency;
    let monthly = if input.action == "remove" {
        None
    } else {
        match parse_amount(&input.monthly, currency) {
            Some(amount) => Some(Money::new(amount, currency)),
            None => {
                let error = Error::invalid(Code::InvalidSpendCap).on_field("monthly");
                let problems = Problems::of(portal.locale, &error);
                return page(&app, &portal, None, &problems, &input.monthly).await;
            }
        }
    };
    match cap::set(&app, &account.id, monthly).await {
        Ok(Some(_)) => Redirect::to("/alerts?cap=saved").into_response(),
        Ok(None) => Redirect::to("/alerts?cap=removed").into_response(),
        Err(error) if error.code == Code::InvalidSpendCap => {
            let problems = Problems::of(portal.locale, &error);
            page(&app, &portal, None, &problems, &input.monthly).await
        }
        Err(error) => error_page(&portal, &error),
    }
}

#[derive(Deserialize)]
pub struct DisputeForm {
    finding: Option<String>,
    note: Option<String>,
}

/// `POST /orders/{id}/dispute`: opens the case (or finds the one in hand) and shows it.
pub async fn dispute(
    State(app): State<App>,
    portal: Portal,
    Path(id): Path<String>,
    CsrfForm(input): CsrfForm<DisputeForm>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    match watch::dispute(
        &app,
        &account.id,
        &id,
        input.finding.as_deref(),
        input.note.as_deref(),
        portal.locale,
    )
    .await
    {
        Ok(disputed) => {
            Redirect::to(&format!("/support/{}?opened=1", disputed.ticket.id)).into_response()
        }
        Err(error) => error_page(&portal, &error),
    }
}

/// The order page's dispute action, for an order that was paid.
pub fn dispute_action(portal: &Portal, order: &Order) -> Markup {
    let locale = portal.locale;
    if !watch::dispute::was_paid(order) {
        return html! {};
    }
    html! {
        details.card.dispute data-testid="dispute-order" {
            summary { (t(locale, "watch.dispute.order_title")) }
            p { (t(locale, "watch.dispute.order_lead")) }
            (form(portal, &format!("/orders/{}/dispute", order.id), html! {
                div {
                    label for="f-note" { (t(locale, "watch.dispute.note_label")) }
                    textarea id="f-note" name="note" rows="3" maxlength=(crate::tickets::MAX_BODY) {}
                }
                div { button.secondary type="submit" { (t(locale, "watch.dispute_button")) } }
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_people_write_them() {
        let hkd = Currency::HKD;
        assert_eq!(parse_amount("300", hkd), Some(30_000));
        assert_eq!(parse_amount(" 1,200.5 ", hkd), Some(120_050));
        assert_eq!(parse_amount("0", hkd), Some(0));
        assert_eq!(parse_amount("-5", hkd), Some(-500));
        for bad in [
            "",
            "abc",
            "1.234",
            "1e5",
            "12.",
            ".5",
            "<script>",
            "1;DROP TABLE",
        ] {
            assert_eq!(parse_amount(bad, hkd), None, "{bad}");
        }
    }
}
