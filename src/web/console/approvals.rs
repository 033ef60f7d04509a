//! `/admin/refunds`: refunds and wallet adjustments waiting for a second member's
//! approval. Another finance member (or an admin) approves one, or turns it down
//! with a reason; the one who asked cannot approve it but may withdraw it.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::error::Error;
use crate::i18n::t;
use crate::orders::refund_store::{self, RefundRecord};
use crate::orders::staff_refund;
use crate::staff::Permission;
use crate::web::error::status_of;

use super::forms::{ConsoleForm, form};
use super::layout::{error_notice, notice};
use super::refunds::Flash;
use super::{Console, error_page, render};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin/refunds", get(pending))
        .route("/admin/refunds/{id}/approve", post(approve))
        .route("/admin/refunds/{id}/reject", post(reject))
}

/// What the list says after a decision: the state it left the request in.
const DONE: [&str; 5] = [
    "queued",
    "applied",
    "pending_approval",
    "rejected",
    "cancelled",
];

fn done_text(console: &Console, state: &str) -> String {
    match state {
        "rejected" | "cancelled" => t(console.locale, &format!("console.approvals.{state}")),
        _ => t(console.locale, &format!("console.refunds.done.{state}")),
    }
}

/// `GET /admin/refunds`: what waits for a second member (after an approval, what
/// came of it).
pub async fn pending(
    State(app): State<App>,
    console: Console,
    axum::extract::Query(flash): axum::extract::Query<Flash>,
) -> Response {
    if let Err(response) = console.require(Permission::Read) {
        return *response;
    }
    let done = flash.done().filter(|s| DONE.contains(s));
    pending_page(&app, &console, None, done).await
}

async fn pending_page(
    app: &App,
    console: &Console,
    error: Option<&Error>,
    done: Option<&str>,
) -> Response {
    let locale = console.locale;
    let records = match refund_store::pending(app).await {
        Ok(records) => records,
        Err(error) => return error_page(console, &error),
    };
    let me = console
        .member
        .as_ref()
        .map(|m| m.actor())
        .unwrap_or_default();
    let may = console
        .member
        .as_ref()
        .is_some_and(|m| m.role.may(Permission::Refund) && m.role.may(Permission::AdjustWallets));
    let title = t(locale, "console.refunds.pending_title");
    let body = html! {
        h1 { (title) }
        @if let Some(error) = error { (error_notice(console, error)) }
        @if let Some(state) = done { (notice(&done_text(console, state), false)) }
        @if records.is_empty() { p data-testid="none-pending" { (t(locale, "console.refunds.none_pending")) } } @else {
            table data-testid="pending" {
                thead { tr {
                    th scope="col" { (t(locale, "console.refunds.what")) }
                    th scope="col" { (t(locale, "console.customer.amount")) }
                    th scope="col" { (t(locale, "console.refunds.reason")) }
                    th scope="col" { (t(locale, "console.refunds.asked")) }
                    th scope="col" { (t(locale, "console.refunds.action")) }
                } }
                tbody {
                    @for r in &records {
                        tr data-refund=(r.id) {
                            td {
                                (t(locale, &format!("console.refunds.kind.{}.{}", r.kind, r.destination)))
                                br; a href={ "/admin/customers/" (r.account_id) "#refunds" } { (t(locale, "console.refunds.customer")) }
                            }
                            td { (r.amount) }
                            td { (t(locale, &format!("console.refunds.reasons.{}", r.reason))) @if !r.note.is_empty() { br; span.hint { (r.note) } } }
                            td { (r.requested_by) }
                            td {
                                @if r.requested_by == me {
                                    span.hint { (t(locale, "console.refunds.own")) }
                                    @if may { (turn_down(console, r, "console.approvals.withdraw")) }
                                } @else if may {
                                    (form(console, &format!("/admin/refunds/{}/approve", r.id), html! {
                                        button type="submit" { (t(locale, "console.refunds.approve")) }
                                    }))
                                    (turn_down(console, r, "console.approvals.reject"))
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    render(console, &title, body)
}

/// "Turn down…" (another's request) or "Withdraw…" (one's own), with the reason.
fn turn_down(console: &Console, record: &RefundRecord, label: &str) -> Markup {
    let locale = console.locale;
    let id = format!("f-reject-{}", record.id);
    html! {
        details {
            summary { (t(locale, label)) }
            (form(console, &format!("/admin/refunds/{}/reject", record.id), html! {
                div.field {
                    label for=(id) { (t(locale, "console.approvals.reason")) }
                    input id=(id) name="reason" type="text" maxlength="500" autocomplete="off";
                }
                div { button.danger type="submit" { (t(locale, &format!("{label}_submit"))) } }
            }))
        }
    }
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /admin/refunds/{id}/approve`: the list again, with the outcome or the refusal.
pub async fn approve(
    State(app): State<App>,
    console: Console,
    Path(id): Path<String>,
    ConsoleForm(_): ConsoleForm<Empty>,
) -> Response {
    let member = match console.require(Permission::Refund) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    if let Err(response) = console.require(Permission::AdjustWallets) {
        return *response;
    }
    match staff_refund::approve(&app, &id, &member.actor()).await {
        Ok(done) => Redirect::to(&format!("/admin/refunds?done={}", done.state)).into_response(),
        Err(error) if error.kind == crate::error::ErrorKind::Internal => {
            error_page(&console, &error)
        }
        Err(error) => {
            let mut response = pending_page(&app, &console, Some(&error), None).await;
            *response.status_mut() = status_of(&error);
            response
        }
    }
}

#[derive(Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    reason: String,
}

/// `POST /admin/refunds/{id}/reject`: turned down (another's) or withdrawn (one's
/// own), with why; the list again, with the outcome or the refusal.
pub async fn reject(
    State(app): State<App>,
    console: Console,
    Path(id): Path<String>,
    ConsoleForm(input): ConsoleForm<RejectForm>,
) -> Response {
    let member = match console.require(Permission::Refund) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    if let Err(response) = console.require(Permission::AdjustWallets) {
        return *response;
    }
    match staff_refund::reject(&app, &id, &input.reason, &member.actor()).await {
        Ok(done) => Redirect::to(&format!("/admin/refunds?done={}", done.state)).into_response(),
        Err(error) if error.kind == crate::error::ErrorKind::Internal => {
            error_page(&console, &error)
        }
        Err(error) => {
            let mut response = pending_page(&app, &console, Some(&error), None).await;
            *response.status_mut() = status_of(&error);
            response
        }
    }
}
