//! `/history`: every movement of the subscriber's money, newest first, paged.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;

use crate::app::App;
use crate::i18n::t;
use crate::records::format;
use crate::records::history::{self, DEFAULT_LIMIT};

use super::super::{Portal, error_page, render, require_account};

#[derive(serde::Deserialize)]
pub struct HistoryQuery {
    before: Option<String>,
}

pub async fn show(
    State(app): State<App>,
    portal: Portal,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let locale = portal.locale;
    let before = query
        .ok()
        .and_then(|Query(q)| q.before)
        .filter(|b| !b.is_empty());
    let page =
        match history::page(&app, &account.id, before.as_deref(), DEFAULT_LIMIT, locale).await {
            Ok(page) => page,
            Err(error) => return error_page(&portal, &error),
        };
    let zone = app.config.time_zone();
    let body = html! {
        h1 { (t(locale, "records.history_title")) }
        p.lead { (t(locale, "records.history_lead")) }
        @if page.entries.is_empty() {
            p { (t(locale, "records.history_empty")) }
        } @else {
            ul.orders data-testid="history" {
                @for entry in &page.entries {
                    li.card data-kind=(entry.kind) data-testid="history-entry" {
                        p.order-top {
                            span { (format::datetime(locale, entry.at, zone)) }
                            strong data-testid="history-amount" {
                                @if entry.amount.amount > 0 { "+" }
                                (entry.amount)
                            }
                        }
                        p.order-what { (entry.description) }
                        @if let Some(balance) = &entry.balance_after {
                            p.hint { (t(locale, "records.balance_after")) " " (balance) }
                        }
                        @if let Some(order_id) = &entry.order_id {
                            p { a href={ "/orders/" (order_id) "/receipt" } { (t(locale, "records.view_receipt")) } }
                        }
                    }
                }
            }
        }
        @if let Some(next) = &page.next_before {
            p { a.button.secondary href={ "/history?before=" (next) } rel="next" { (t(locale, "records.older")) } }
        }
        p { a href="/statements" { (t(locale, "records.statements_title")) } " · " a href="/account" { (t(locale, "nav.account")) } }
    };
    render(&portal, &t(locale, "records.history_title"), body)
}
