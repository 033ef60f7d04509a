//! One case for staff: the customer and order it is about, the service-level clock,
//! the whole thread with internal notes marked, images, and — for support and above
//! — the reply (or internal note) with the saved replies in the customer's
//! language, the state and the assignee. Viewers read only.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::error::{Code, Error};
use crate::i18n::{Locale, t, tf};
use crate::staff::{Permission, StaffMember};
use crate::tickets::{self, Thread, TicketState, canned};
use crate::web::api::image_response;
use crate::web::error::status_of;
use crate::web::portal::format::datetime;

use super::forms::{ConsoleForm, form};
use super::tickets::{category_name, overdue_mark, state_name};
use super::{Console, error_page, layout, render};

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    /// A saved reply to start the answer from.
    canned: Option<String>,
    done: Option<String>,
}

async fn load(app: &App, console: &Console, id: &str) -> Result<Thread, Response> {
    match tickets::thread_for_staff(app, id).await {
        Ok(Some(thread)) => Ok(thread),
        Ok(None) => Err(error_page(console, &Error::not_found(Code::TicketNotFound))),
        Err(error) => Err(error_page(console, &error)),
    }
}

/// `GET /admin/tickets/{id}`.
pub async fn show(
    State(app): State<App>,
    console: Console,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Response {
    let member = match console.require(Permission::Read) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let thread = match load(&app, &console, &id).await {
        Ok(thread) => thread,
        Err(refusal) => return refusal,
    };
    let mut draft = String::new();
    if let Some(canned_id) = query.canned.as_deref().filter(|c| !c.is_empty())
        && let Ok(Some(reply)) = canned::find(&app, canned_id).await
    {
        draft = reply.body;
    }
    let notice = query
        .done
        .as_deref()
        .map(|done| t(console.locale, &format!("console.tickets.done.{done}")));
    page(&app, &console, &member, &thread, notice, None, &draft).await
}

async fn page(
    app: &App,
    console: &Console,
    member: &StaffMember,
    thread: &Thread,
    notice: Option<String>,
    error: Option<&Error>,
    draft: &str,
) -> Response {
    let locale = console.locale;
    let ticket = &thread.ticket;
    let zone = app.config.time_zone();
    let when = |at| datetime(locale, at, zone);
    let sla = ticket.sla(app);
    let customer = crate::accounts::find(app, &ticket.account_id)
        .await
        .ok()
        .flatten();
    let customer_locale = customer.as_ref().map_or(Locale::ZhHk, |c| c.locale);
    let answers = member.role.may(Permission::AnswerTickets);
    let title = format!("{} · {}", ticket.reference(), ticket.subject);
    let body = html! {
        p { a href="/admin/tickets" { (t(locale, "console.tickets.title")) } }
        h1 { (title) }
        @if let Some(notice) = &notice { (layout::notice(notice, false)) }
        @if let Some(error) = error { (layout::error_notice(console, error)) }
        section.card aria-labelledby="case-h" {
            h2 #case-h { (t(locale, "console.tickets.case")) }
            dl.facts {
                dt { (t(locale, "console.tickets.customer")) }
                dd { a href={ "/admin/customers/" (ticket.account_id) } data-testid="customer-link" {
                    (customer.as_ref().map(|c| c.phone.to_string()).unwrap_or_else(|| ticket.account_id.clone()))
                } " · " (customer_locale.native_name()) }
                @if let Some(order) = &ticket.order_id {
                    dt { (t(locale, "console.tickets.order")) } dd { code { (order) } }
                }
                dt { (t(locale, "console.tickets.category")) } dd { (category_name(console, ticket.category)) }
                dt { (t(locale, "console.tickets.state")) } dd data-testid="state" { (state_name(console, ticket.state)) }
                dt { (t(locale, "console.tickets.assignee")) } dd { (ticket.assignee.as_deref().unwrap_or("—")) }
                dt { (t(locale, "console.tickets.opened")) } dd { (when(ticket.created_at)) }
                dt { (t(locale, "console.tickets.first_response")) }
                dd { @match ticket.first_response_at {
                    Some(at) => { (when(at)) }
                    None => { (tf(locale, "console.tickets.due", &[("at", &when(sla.first_response_by))])) }
                } }
                dt { (t(locale, "console.tickets.resolution")) }
                dd { @match ticket.resolved_at {
                    Some(at) => { (when(at)) }
                    None => { (tf(locale, "console.tickets.due", &[("at", &when(sla.resolution_by))])) }
                } " " (overdue_mark(console, ticket.overdue(app, app.now()))) }
            }
        }
        section aria-labelledby="thread-h" {
            h2 #thread-h { (t(locale, "console.tickets.thread")) }
            ol.thread data-testid="thread" {
                @for message in &thread.messages {
                    li class=(if message.internal { "card message internal" } else { "card message" }) data-internal=(message.internal) {
                        p.hint {
                            strong { @match &message.staff { Some(staff) => { (staff) } None => { (t(locale, &format!("console.tickets.author.{}", message.author.as_str()))) } } }
                            " · " (when(message.created_at))
                            @if message.internal { " · " strong { (t(locale, "console.tickets.internal")) } }
                        }
                        pre.text { (message.body) }
                        @for (i, image) in message.attachments.iter().enumerate() {
                            a href={ "/admin/tickets/" (ticket.id) "/attachments/" (image.id) } {
                                (tf(locale, "tickets.image_alt", &[("n", &(i + 1).to_string())])) " (" (image.width) "×" (image.height) ")"
                            } " "
                        }
                    }
                }
            }
        }
        @if answers { (actions(app, console, thread, customer_locale, draft).await) }
    };
    let mut response = render(console, &title, body);
    if let Some(error) = error {
        *response.status_mut() = status_of(error);
    }
    response
}

async fn actions(
    app: &App,
    console: &Console,
    thread: &Thread,
    customer_locale: Locale,
    draft: &str,
) -> Markup {
    let locale = console.locale;
    let ticket = &thread.ticket;
    let saved = canned::list(app, Some(customer_locale))
        .await
        .unwrap_or_default();
    let members: Vec<StaffMember> = crate::staff::list(app)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.disabled_at.is_none() && m.role.may(Permission::AnswerTickets))
        .collect();
    let action = |what: &str| format!("/admin/tickets/{}/{what}", ticket.id);
    html! {
        @if ticket.state != TicketState::Closed {
            section.card aria-labelledby="reply-h" {
                h2 #reply-h { (t(locale, "console.tickets.reply")) }
                @if !saved.is_empty() {
                    form.inline method="get" action={ "/admin/tickets/" (ticket.id) } {
                        label for="f-canned" { (tf(locale, "console.tickets.canned", &[("language", customer_locale.native_name())])) }
                        select #f-canned name="canned" {
                            @for reply in &saved { option value=(reply.id) { (reply.title) } }
                        }
                        button.secondary type="submit" { (t(locale, "console.tickets.use_canned")) }
                    }
                }
                (form(console, &action("messages"), html! {
                    div.field {
                        label for="f-body" { (t(locale, "console.tickets.message")) }
                        textarea #f-body name="body" rows="8" maxlength=(tickets::MAX_BODY) { (draft) }
                    }
                    label.check { input type="checkbox" name="internal" value="1"; " " (t(locale, "console.tickets.internal_only")) }
                    button type="submit" { (t(locale, "console.tickets.send")) }
                }))
            }
        }
        section.card aria-labelledby="manage-h" {
            h2 #manage-h { (t(locale, "console.tickets.manage")) }
            (form(console, &action("state"), html! {
                div.field {
                    label for="f-state" { (t(locale, "console.tickets.set_state")) }
                    select #f-state name="state" {
                        @for state in TicketState::ALL.into_iter().filter(|s| tickets::state::next(ticket.state, tickets::state::Event::Set(*s)).is_some()) {
                            option value=(state.as_str()) selected[state == ticket.state] { (state_name(console, state)) }
                        }
                    }
                }
                button.secondary type="submit" { (t(locale, "console.tickets.save_state")) }
            }))
            (form(console, &action("assign"), html! {
                div.field {
                    label for="f-assignee" { (t(locale, "console.tickets.assign_to")) }
                    select #f-assignee name="assignee" {
                        option value="" { (t(locale, "console.tickets.no_one")) }
                        @for m in &members { option value=(m.email) selected[ticket.assignee.as_deref() == Some(m.email.as_str())] { (m.email) } }
                    }
                }
                button.secondary type="submit" { (t(locale, "console.tickets.save_assignee")) }
            }))
        }
    }
}

#[derive(Deserialize)]
pub struct ReplyForm {
    body: String,
    internal: Option<String>,
}

async fn refused(
    app: &App,
    console: &Console,
    member: &StaffMember,
    id: &str,
    error: &Error,
    draft: &str,
) -> Response {
    match load(app, console, id).await {
        Ok(thread) if error.kind != crate::error::ErrorKind::NotFound => {
            page(app, console, member, &thread, None, Some(error), draft).await
        }
        Ok(_) => error_page(console, error),
        Err(refusal) => refusal,
    }
}

/// `POST /admin/tickets/{id}/messages`.
pub async fn reply(
    State(app): State<App>,
    console: Console,
    Path(id): Path<String>,
    ConsoleForm(form): ConsoleForm<ReplyForm>,
) -> Response {
    let member = match console.require(Permission::AnswerTickets) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let internal = form.internal.is_some();
    match tickets::reply_as_staff(&app, &member.email, &id, &form.body, internal).await {
        Ok(_) => {
            let done = if internal { "note" } else { "reply" };
            Redirect::to(&format!("/admin/tickets/{id}?done={done}")).into_response()
        }
        Err(error) => refused(&app, &console, &member, &id, &error, &form.body).await,
    }
}

#[derive(Deserialize)]
pub struct StateForm {
    state: String,
}

/// `POST /admin/tickets/{id}/state`.
pub async fn state(
    State(app): State<App>,
    console: Console,
    Path(id): Path<String>,
    ConsoleForm(form): ConsoleForm<StateForm>,
) -> Response {
    let member = match console.require(Permission::AnswerTickets) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let result = match TicketState::parse(&form.state) {
        Some(to) => tickets::set_state(&app, &member.actor(), &id, to).await,
        None => Err(Error::invalid(Code::InvalidTicketState)),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/admin/tickets/{id}?done=state")).into_response(),
        Err(error) => refused(&app, &console, &member, &id, &error, "").await,
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    assignee: String,
}

/// `POST /admin/tickets/{id}/assign`.
pub async fn assign(
    State(app): State<App>,
    console: Console,
    Path(id): Path<String>,
    ConsoleForm(form): ConsoleForm<AssignForm>,
) -> Response {
    let member = match console.require(Permission::AnswerTickets) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    match tickets::assign(&app, &member.actor(), &id, Some(&form.assignee)).await {
        Ok(_) => Redirect::to(&format!("/admin/tickets/{id}?done=assigned")).into_response(),
        Err(error) => refused(&app, &console, &member, &id, &error, "").await,
    }
}

/// `GET /admin/tickets/{id}/attachments/{attachment}`: staff only.
pub async fn attachment(
    State(app): State<App>,
    console: Console,
    Path((id, attachment)): Path<(String, String)>,
) -> Response {
    if let Err(response) = console.require(Permission::Read) {
        return *response;
    }
    match tickets::attachments::for_staff(&app, &id, &attachment).await {
        Ok(Some((found, bytes))) => image_response(found.content_type, bytes),
        Ok(None) => error_page(&console, &Error::not_found(Code::AttachmentNotFound)),
        Err(error) => error_page(&console, &error),
    }
}
