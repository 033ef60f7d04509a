//! Support cases in the back office: the queue (`/admin/tickets`) by state, category
//! and assignee, with each case's service-level clock and the overdue ones marked;
//! the customer page's list. A case's own page is [`super::ticket_page`].

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};

use crate::app::App;
use crate::i18n::{t, tf};
use crate::staff::Permission;
use crate::tickets::{self, Category, Overdue, Ticket, TicketState};
use crate::web::api::admin_tickets::{QueueQuery, filter_of};
use crate::web::portal::format::datetime;

use super::{Console, error_page, render};

pub fn routes() -> Router<App> {
    use super::{help, ticket_page};
    Router::new()
        .route("/admin/tickets", get(queue))
        .route("/admin/tickets/{id}", get(ticket_page::show))
        .route("/admin/tickets/{id}/messages", post(ticket_page::reply))
        .route("/admin/tickets/{id}/state", post(ticket_page::state))
        .route("/admin/tickets/{id}/assign", post(ticket_page::assign))
        .route(
            "/admin/tickets/{id}/attachments/{attachment}",
            get(ticket_page::attachment),
        )
        .route("/admin/help", get(help::list).post(help::create))
        .route("/admin/help/new", get(help::new_form))
        .route(
            "/admin/help/{slug}",
            get(help::edit_form).post(help::update),
        )
        .route(
            "/admin/canned-replies",
            get(help::canned_list).post(help::canned_save),
        )
}

pub fn state_name(console: &Console, state: TicketState) -> String {
    t(
        console.locale,
        &format!("console.tickets.states.{}", state.as_str()),
    )
}

pub fn category_name(console: &Console, category: Category) -> String {
    t(
        console.locale,
        &format!("tickets.category.{}", category.as_str()),
    )
}

/// "Overdue: first response" or nothing.
pub fn overdue_mark(console: &Console, overdue: Option<Overdue>) -> Markup {
    let key = match overdue {
        Some(Overdue::FirstResponse) => "console.tickets.overdue_first",
        Some(Overdue::Resolution) => "console.tickets.overdue_resolution",
        None => return html! {},
    };
    html! { strong.attention data-testid="overdue" { (t(console.locale, key)) } }
}

fn filter_link(current: &QueueQuery, state: Option<&str>) -> String {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    if let Some(category) = current.category.as_deref().filter(|c| !c.is_empty()) {
        pairs.push(("category", category));
    }
    if let Some(assignee) = current.assignee.as_deref().filter(|a| !a.is_empty()) {
        pairs.push(("assignee", assignee));
    }
    format!(
        "/admin/tickets?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

/// `GET /admin/tickets?state=&category=&assignee=`.
pub async fn queue(
    State(app): State<App>,
    console: Console,
    Query(query): Query<QueueQuery>,
) -> Response {
    let member = match console.require(Permission::Read) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let locale = console.locale;
    let filter = match filter_of(&query) {
        Ok(filter) => filter,
        Err(error) => return error_page(&console, &error),
    };
    let (cases, counts) = match (
        tickets::queue(&app, &filter).await,
        tickets::counts(&app).await,
    ) {
        (Ok(cases), Ok(counts)) => (cases, counts),
        (Err(error), _) | (_, Err(error)) => return error_page(&console, &error),
    };
    let count = |state: TicketState| {
        counts
            .iter()
            .find(|(s, _)| *s == state)
            .map_or(0, |(_, n)| *n)
    };
    let now = app.now();
    let title = t(locale, "console.tickets.title");
    let chosen_category = query.category.clone().unwrap_or_default();
    let chosen_assignee = query.assignee.clone().unwrap_or_default();
    let body = html! {
        h1 { (title) }
        nav aria-label=(t(locale, "console.tickets.by_state")) {
            ul.tabs {
                li { a href=(filter_link(&query, None)) aria-current=[filter.state.is_none().then_some("page")] { (t(locale, "console.tickets.all_open")) } }
                @for state in TicketState::ALL {
                    li { a href=(filter_link(&query, Some(state.as_str()))) aria-current=[(filter.state == Some(state)).then_some("page")] data-state=(state.as_str()) {
                        (state_name(&console, state)) " (" (count(state)) ")"
                    } }
                }
            }
        }
        form.range method="get" action="/admin/tickets" {
            @if let Some(state) = filter.state { input type="hidden" name="state" value=(state.as_str()); }
            div.field {
                label for="f-category" { (t(locale, "console.tickets.category")) }
                select #f-category name="category" {
                    option value="" { (t(locale, "console.tickets.any")) }
                    @for category in Category::ALL {
                        option value=(category.as_str()) selected[chosen_category == category.as_str()] { (category_name(&console, category)) }
                    }
                }
            }
            div.field {
                label for="f-assignee" { (t(locale, "console.tickets.assignee")) }
                select #f-assignee name="assignee" {
                    option value="" { (t(locale, "console.tickets.anyone")) }
                    option value=(member.email) selected[chosen_assignee == member.email] { (t(locale, "console.tickets.mine")) }
                    option value="none" selected[chosen_assignee == "none"] { (t(locale, "console.tickets.no_one")) }
                }
            }
            button type="submit" { (t(locale, "console.tickets.show")) }
        }
        @if cases.is_empty() {
            p data-testid="no-cases" { (t(locale, "console.tickets.none")) }
        } @else {
            div.scroll { table data-testid="queue" {
                thead { tr {
                    th scope="col" { (t(locale, "console.tickets.number")) }
                    th scope="col" { (t(locale, "tickets.subject")) }
                    th scope="col" { (t(locale, "console.tickets.category")) }
                    th scope="col" { (t(locale, "console.tickets.state")) }
                    th scope="col" { (t(locale, "console.tickets.assignee")) }
                    th scope="col" { (t(locale, "console.tickets.clock")) }
                } }
                tbody {
                    @for case in &cases { (queue_row(&app, &console, case, now)) }
                }
            } }
        }
        @if member.role.may(Permission::EditCatalog) {
            p { a href="/admin/canned-replies" { (t(locale, "console.canned.title")) } }
        }
    };
    render(&console, &title, body)
}

fn queue_row(
    app: &App,
    console: &Console,
    case: &Ticket,
    now: chrono::DateTime<chrono::Utc>,
) -> Markup {
    let locale = console.locale;
    let zone = app.config.time_zone();
    let sla = case.sla(app);
    let overdue = case.overdue(app, now);
    let due = if case.first_response_at.is_none() {
        sla.first_response_by
    } else {
        sla.resolution_by
    };
    html! {
        tr data-ticket=(case.id) class=[overdue.map(|_| "overdue")] {
            td.case { a href={ "/admin/tickets/" (case.id) } { (case.reference()) } }
            td { (case.subject) }
            td { (category_name(console, case.category)) }
            td { (state_name(console, case.state)) }
            td { (case.assignee.as_deref().unwrap_or("—")) }
            td {
                @if !case.state.is_done() { (tf(locale, "console.tickets.due", &[("at", &datetime(locale, due, zone))])) " " }
                (overdue_mark(console, overdue))
            }
        }
    }
}

/// The customer page's cases.
pub fn customer_section(
    console: &Console,
    cases: &[Ticket],
    when: &dyn Fn(chrono::DateTime<chrono::Utc>) -> String,
) -> Markup {
    let locale = console.locale;
    html! {
        section.card aria-labelledby="tickets-h" data-testid="customer-tickets" {
            h2 #tickets-h { (t(locale, "console.tickets.title")) }
            @if cases.is_empty() { p { (t(locale, "console.customer.none")) } }
            ul {
                @for case in cases {
                    li { a href={ "/admin/tickets/" (case.id) } { (case.reference()) } " · " (case.subject) " · " (state_name(console, case.state)) " · " (when(case.created_at)) }
                }
            }
        }
    }
}
