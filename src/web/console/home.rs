//! The console's home (who is signed in, what their role lets them do, the latest
//! changes) and the audit log, newest first.

use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::audit;
use crate::i18n::{t, tf};
use crate::staff::{self, Permission};
use crate::web::portal::format::datetime;

use super::{Console, error_page, render};

/// Recovery codes left below which the home page says to make new ones.
const FEW_RECOVERY_CODES: i64 = 3;

pub async fn show(State(app): State<App>, console: Console) -> Response {
    let member = match console.require(Permission::Read) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let locale = console.locale;
    let loaded = async {
        let recent = audit::list(&app, None, None, 10).await?;
        let codes_left = staff::recovery_codes_left(&app, &member).await?;
        let low_stock = super::catalog_inventory::low_stock_warning(&app, &console).await?;
        Ok::<_, crate::error::Error>((recent, codes_left, low_stock))
    }
    .await;
    let (recent, codes_left, low_stock) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&console, &error),
    };
    let allowed: Vec<Permission> = Permission::ALL
        .into_iter()
        .filter(|p| member.role.may(*p))
        .collect();
    let body = html! {
        h1 { (t(locale, "console.home_title")) }
        p { (tf(locale, "console.welcome", &[("email", &member.email), ("role", &t(locale, &format!("console.role.{}", member.role.as_str())))])) }
        (low_stock)
        (super::customers::search_box(&console, ""))
        @if codes_left < FEW_RECOVERY_CODES {
            (super::layout::notice(&tf(locale, "console.codes_low", &[("count", &codes_left.to_string())]), true))
        }
        section.card aria-labelledby="may-h" {
            h2 #may-h { (t(locale, "console.may_title")) }
            ul data-testid="permissions" {
                @for permission in allowed { li { (t(locale, &format!("console.permission.{}", permission.as_str()))) } }
            }
        }
        section.card aria-labelledby="recent-h" {
            h2 #recent-h { (t(locale, "console.recent")) }
            (entries_table(&app, &console, &recent.entries))
            p { a href="/admin/audit" { (t(locale, "console.audit_all")) } }
        }
    };
    render(&console, &t(locale, "console.home_title"), body)
}

#[derive(Deserialize)]
pub struct AuditQuery {
    before: Option<String>,
}

pub async fn audit(
    State(app): State<App>,
    console: Console,
    Query(query): Query<AuditQuery>,
) -> Response {
    if let Err(response) = console.require(Permission::Read) {
        return *response;
    }
    let locale = console.locale;
    let before = query
        .before
        .as_deref()
        .filter(|b| !b.is_empty() && b.len() <= 64);
    let page = match audit::list(&app, None, before, 50).await {
        Ok(page) => page,
        Err(error) => return error_page(&console, &error),
    };
    let body = html! {
        h1 { (t(locale, "console.audit")) }
        (entries_table(&app, &console, &page.entries))
        @if let Some(next) = &page.next_before {
            p { a href={ "/admin/audit?before=" (next) } rel="next" { (t(locale, "console.older")) } }
        }
    };
    render(&console, &t(locale, "console.audit"), body)
}

fn entries_table(app: &App, console: &Console, entries: &[audit::Entry]) -> Markup {
    let locale = console.locale;
    html! {
        @if entries.is_empty() {
            p { (t(locale, "console.audit_empty")) }
        } @else {
            table data-testid="audit-entries" {
                thead { tr {
                    th scope="col" { (t(locale, "console.audit_at")) }
                    th scope="col" { (t(locale, "console.audit_actor")) }
                    th scope="col" { (t(locale, "console.audit_action")) }
                    th scope="col" { (t(locale, "console.audit_subject")) }
                    th scope="col" { (t(locale, "console.audit_detail")) }
                } }
                tbody {
                    @for entry in entries {
                        tr data-action=(entry.action) {
                            td { (datetime(locale, entry.at, app.config.time_zone())) }
                            td { (entry.actor) }
                            td.nowrap { code { (entry.action) } }
                            td { code { (entry.subject) } }
                            td { (entry.detail) }
                        }
                    }
                }
            }
        }
    }
}
