//! Customers: the one search box, and a customer's page — account, lines (with their
//! marks for review), wallet and its movements, orders with every payment and the
//! provider's events (the stored evidence), refunds, the messages sent to them, cards,
//! and a timeline of it all, newest first ([`super::customer_sections`] draws the
//! parts). Opening the page is recorded in the audit log (it shows personal data).

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::customers::{self, Hit};
use crate::error::{Code, Error};
use crate::i18n::{t, tf};
use crate::staff::Permission;
use crate::web::error::status_of;
use crate::web::portal::format::datetime;

use super::customer_sections as sections;
use super::notices::Said;
use super::{Console, error_page, render};

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// The search box, as on every console page that finds customers.
pub fn search_box(console: &Console, value: &str) -> Markup {
    let locale = console.locale;
    html! {
        form.search method="get" action="/admin/customers" role="search" {
            label for="f-q" { (t(locale, "console.customers.search_label")) }
            div.inline {
                input #f-q type="search" name="q" value=(value) autocomplete="off" spellcheck="false" maxlength="100";
                button type="submit" { (t(locale, "console.customers.search")) }
            }
            p.hint { (t(locale, "console.customers.search_hint")) }
        }
    }
}

pub async fn search(
    State(app): State<App>,
    console: Console,
    Query(query): Query<SearchQuery>,
) -> Response {
    if let Err(response) = console.require(Permission::Read) {
        return *response;
    }
    let locale = console.locale;
    let title = t(locale, "console.customers.title");
    if query.q.trim().is_empty() {
        return render(
            &console,
            &title,
            html! { h1 { (title) } (search_box(&console, "")) },
        );
    }
    let hits = match customers::search(&app, &query.q).await {
        Ok(hits) => hits,
        Err(error) if error.kind == crate::error::ErrorKind::Internal => {
            return error_page(&console, &error);
        }
        Err(error) => {
            let mut response = render(
                &console,
                &title,
                html! {
                    h1 { (title) }
                    (super::layout::error_notice(&console, &error))
                    (search_box(&console, &query.q))
                },
            );
            *response.status_mut() = status_of(&error);
            return response;
        }
    };
    let body = html! {
        h1 { (title) }
        (search_box(&console, &query.q))
        p role="status" data-testid="hit-count" { (tf(locale, if hits.len() == 1 { "console.customers.found_one" } else { "console.customers.found_other" }, &[("count", &hits.len().to_string())])) }
        @if !hits.is_empty() { (hits_table(&console, &hits)) }
    };
    render(&console, &title, body)
}

fn hits_table(console: &Console, hits: &[Hit]) -> Markup {
    let locale = console.locale;
    html! {
        table data-testid="hits" {
            thead { tr {
                th scope="col" { (t(locale, "console.customers.phone")) }
                th scope="col" { (t(locale, "console.email")) }
                th scope="col" { (t(locale, "console.customers.lines")) }
                th scope="col" { (t(locale, "console.customers.matched")) }
            } }
            tbody {
                @for hit in hits {
                    tr data-account=(hit.account.id) {
                        td { a href={ "/admin/customers/" (hit.account.id) } { (hit.account.phone) } }
                        td { (hit.account.email) }
                        td { @for iccid in &hit.lines { code { (iccid) } br; } }
                        td { (t(locale, &format!("console.customers.by.{}", serde_json::to_value(hit.matched_by).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()))) }
                    }
                }
            }
        }
    }
}

pub async fn show(
    State(app): State<App>,
    console: Console,
    Path(id): Path<String>,
    Query(flash): Query<super::refunds::Flash>,
    Query(said): Query<Said>,
) -> Response {
    let member = match console.require(Permission::Read) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let profile = match customers::profile(&app, &id, &member.actor()).await {
        Ok(Some(profile)) => profile,
        Ok(None) => return error_page(&console, &Error::not_found(Code::NotFound)),
        Err(error) => return error_page(&console, &error),
    };
    let locale = console.locale;
    let zone = app.config.time_zone();
    let when = |at| datetime(locale, at, zone);
    let account = &profile.account;
    let title = tf(
        locale,
        "console.customer.title",
        &[("phone", account.phone.as_str())],
    );
    let body = html! {
        h1 { (title) }
        (search_box(&console, ""))
        section.card aria-labelledby="account-h" {
            h2 #account-h { (t(locale, "console.customer.account")) }
            dl.facts {
                dt { (t(locale, "console.customers.phone")) } dd data-testid="phone" { (account.phone) }
                dt { (t(locale, "console.email")) } dd { (account.email) " " @if !account.email_verified { span.hint { (t(locale, "console.customer.unverified")) } } }
                dt { (t(locale, "console.customer.since")) } dd { (when(account.created_at)) }
                dt { (t(locale, "console.customer.language")) } dd { (account.locale.native_name()) }
                dt { (t(locale, "console.customer.id")) } dd { code { (account.id) } }
            }
        }
        (sections::lines(&console, &profile, &said, &when))
        (sections::wallet(&console, &profile, &when))
        (sections::orders(&console, &profile, &said, &when, app.now()))
        (super::refunds::section(&console, &profile, &profile.refunds, &flash))
        (super::messages::section(&console, &profile, &said, &when))
        section.card aria-labelledby="cards-h" {
            h2 #cards-h { (t(locale, "console.customer.cards")) }
            @if profile.cards.is_empty() { p { (t(locale, "console.customer.none")) } }
            ul { @for card in &profile.cards { li { (card.brand) " ···· " (card.last4) } } }
        }
        (super::tickets::customer_section(&console, &profile.tickets, &when))
        section.card aria-labelledby="timeline-h" {
            h2 #timeline-h { (t(locale, "console.customer.timeline")) }
            ol.timeline data-testid="timeline" {
                @for entry in &profile.timeline {
                    li data-kind=(entry.kind) { (when(entry.at)) " · " strong { (t(locale, &format!("console.timeline.{}", entry.kind))) } " · " code { (entry.reference) } " " (entry.detail) }
                }
            }
        }
    };
    render(&console, &title, body)
}
