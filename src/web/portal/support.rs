//! A subscriber's support cases: `/support` (their cases and a new one),
//! `/support/{id}` (the thread, when to expect an answer, a reply with images),
//! its images, the SMS's short link `/c/{number}`, and the order page's "I paid but
//! it didn't update" (`POST /orders/{id}/not-updated`). Another's case or image is
//! answered as not found; staff notes never appear.

use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use crate::app::App;
use crate::error::{Code, Error, ErrorKind};
use crate::i18n::{t, tf};
use crate::orders::{Order, OrderState};
use crate::tickets::{self, Message, Thread, TicketState};
use crate::web::api::image_response;

use super::format::datetime;
use super::forms::{CsrfForm, Problems};
use super::orders::Empty;
use super::support_form::{self, images_field, textarea};
use super::{Portal, error_page, form_urlencode, render, require_account};

pub fn state_badge(portal: &Portal, state: TicketState) -> Markup {
    let class = match state {
        TicketState::WaitingOnCustomer => "status pending_install",
        TicketState::Resolved | TicketState::Closed => "status expired",
        _ => "status",
    };
    html! { span class=(class) data-testid="case-state" data-state=(state.as_str()) { (t(portal.locale, &format!("tickets.state.{}", state.as_str()))) } }
}

/// `GET /support`.
pub async fn list(State(app): State<App>, portal: Portal) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let locale = portal.locale;
    let cases = match tickets::for_account(&app, &account.id).await {
        Ok(cases) => cases,
        Err(error) => return error_page(&portal, &error),
    };
    let zone = app.config.time_zone();
    let body = html! {
        h1 { (t(locale, "tickets.title")) }
        p { (t(locale, "tickets.lead")) " " a href="/help" { (t(locale, "help.title")) } }
        p { a.button href="/support/new" data-testid="new-case" { (t(locale, "tickets.new_title")) } }
        @if cases.is_empty() {
            p { (t(locale, "tickets.none")) }
        } @else {
            ul.orders data-testid="cases" {
                @for case in &cases {
                    li.card.order {
                        p.order-top { span { (case.reference()) } (state_badge(&portal, case.state)) }
                        p { a href={ "/support/" (case.id) } { (case.subject) } }
                        p.hint { (tf(locale, "tickets.updated", &[("at", &datetime(locale, case.updated_at, zone))])) }
                    }
                }
            }
        }
        (super::layout::support(&portal))
    };
    render(&portal, &t(locale, "tickets.title"), body)
}

fn author_name(portal: &Portal, message: &Message) -> String {
    t(
        portal.locale,
        &format!("tickets.author.{}", message.author.as_str()),
    )
}

fn thread_view(app: &App, portal: &Portal, thread: &Thread) -> Markup {
    let locale = portal.locale;
    let zone = app.config.time_zone();
    html! {
        ol.thread data-testid="thread" {
            @for message in thread.messages.iter().filter(|m| !m.internal) {
                li class={ "message " (message.author.as_str()) } data-author=(message.author.as_str()) {
                    p.hint { strong { (author_name(portal, message)) } " · " (datetime(locale, message.created_at, zone)) }
                    p.text { (message.body) }
                    @if !message.attachments.is_empty() {
                        ul.images {
                            @for (i, image) in message.attachments.iter().enumerate() {
                                li {
                                    a href={ "/support/" (thread.ticket.id) "/attachments/" (image.id) } {
                                        img src={ "/support/" (thread.ticket.id) "/attachments/" (image.id) }
                                            alt=(tf(locale, "tickets.image_alt", &[("n", &(i + 1).to_string())]))
                                            width=(image.width.min(160)) loading="lazy";
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(serde::Deserialize)]
pub struct ShowQuery {
    opened: Option<String>,
    sent: Option<String>,
}

fn case_page(
    app: &App,
    portal: &Portal,
    thread: &Thread,
    notice: Option<&str>,
    problems: &Problems,
    draft: &str,
) -> Response {
    let locale = portal.locale;
    let ticket = &thread.ticket;
    let zone = app.config.time_zone();
    let title = format!("{} · {}", ticket.reference(), ticket.subject);
    let body = html! {
        p.crumbs { a href="/support" { (t(locale, "tickets.title")) } }
        h1 { (ticket.subject) }
        p { span.hint data-testid="case-number" { (ticket.reference()) } " " (state_badge(portal, ticket.state)) }
        @if let Some(notice) = notice { (super::layout::notice(notice, false)) }
        @if ticket.first_response_at.is_none() && !ticket.state.is_done() {
            p data-testid="expected" { (tf(locale, "tickets.expect_by", &[("at", &datetime(locale, ticket.sla(app).first_response_by, zone))])) }
        }
        @if let Some(order) = &ticket.order_id {
            p { a href={ "/orders/" (order) } { (t(locale, "tickets.see_order")) } }
        }
        (thread_view(app, portal, thread))
        @if ticket.state == TicketState::Closed {
            p.notice role="status" { (t(locale, "error.ticket_closed")) }
            p { a.button href="/support/new" { (t(locale, "tickets.new_title")) } }
        } @else {
            section aria-labelledby="reply-title" {
                h2 #reply-title { (t(locale, "tickets.reply_title")) }
                (problems.summary(&["body", "images"]))
                form.stack method="post" action={ "/support/" (ticket.id) "/messages" } enctype="multipart/form-data" novalidate {
                    input type="hidden" name="csrf" value=(portal.csrf);
                    (textarea("body", &t(locale, "tickets.reply_label"), draft, problems))
                    (images_field(portal, app, problems))
                    button type="submit" { (t(locale, "tickets.reply_send")) }
                }
            }
        }
        (super::layout::contact(portal))
    };
    let mut response = render(portal, &title, body);
    *response.status_mut() = problems.status();
    response
}

async fn own_thread(
    app: &App,
    portal: &Portal,
    account_id: &str,
    id: &str,
) -> Result<Thread, Response> {
    match tickets::thread_for_account(app, account_id, id).await {
        Ok(Some(thread)) => Ok(thread),
        Ok(None) => Err(error_page(portal, &Error::not_found(Code::TicketNotFound))),
        Err(error) => Err(error_page(portal, &error)),
    }
}

/// `GET /support/{id}`.
pub async fn show(
    State(app): State<App>,
    portal: Portal,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let thread = match own_thread(&app, &portal, &account.id, &id).await {
        Ok(thread) => thread,
        Err(refusal) => return refusal,
    };
    let locale = portal.locale;
    let notice = if query.opened.is_some() {
        Some(tf(
            locale,
            "tickets.opened",
            &[("reference", &thread.ticket.reference())],
        ))
    } else {
        query.sent.map(|_| t(locale, "tickets.sent"))
    };
    case_page(
        &app,
        &portal,
        &thread,
        notice.as_deref(),
        &Problems::new(locale),
        "",
    )
}

/// `POST /support/{id}/messages`.
pub async fn reply(
    State(app): State<App>,
    portal: Portal,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let form = match support_form::read(&portal, request, &app).await {
        Ok(form) => form,
        Err(refusal) => return refusal,
    };
    match tickets::reply_as_customer(&app, &account.id, &id, &form.body, &form.images).await {
        Ok(_) => Redirect::to(&format!("/support/{id}?sent=1")).into_response(),
        Err(error) if matches!(error.kind, ErrorKind::NotFound | ErrorKind::Internal) => {
            error_page(&portal, &error)
        }
        Err(error) => match own_thread(&app, &portal, &account.id, &id).await {
            Ok(thread) => case_page(
                &app,
                &portal,
                &thread,
                None,
                &Problems::of(portal.locale, &error),
                &form.body,
            ),
            Err(refusal) => refusal,
        },
    }
}

/// `GET /support/{id}/attachments/{attachment}`: only the case's subscriber.
pub async fn attachment(
    State(app): State<App>,
    portal: Portal,
    Path((id, attachment)): Path<(String, String)>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    match tickets::attachments::for_account(&app, &account.id, &id, &attachment).await {
        Ok(Some((found, bytes))) => image_response(found.content_type, bytes),
        Ok(None) => error_page(&portal, &Error::not_found(Code::AttachmentNotFound)),
        Err(error) => error_page(&portal, &error),
    }
}

/// `GET /c/{number}`: the SMS's short link to a case.
pub async fn short_link(
    State(app): State<App>,
    portal: Portal,
    Path(number): Path<String>,
) -> Response {
    let Some(account) = portal.account.clone() else {
        let next = form_urlencode(&format!("/c/{number}"));
        return Redirect::to(&format!("/login?next={next}")).into_response();
    };
    let number = number
        .trim_start_matches(['C', 'c', '-'])
        .parse::<i64>()
        .ok();
    match number {
        Some(number) => match tickets::find_by_number(&app, &account.id, number).await {
            Ok(Some(ticket)) => Redirect::to(&format!("/support/{}", ticket.id)).into_response(),
            Ok(None) => error_page(&portal, &Error::not_found(Code::TicketNotFound)),
            Err(error) => error_page(&portal, &error),
        },
        None => error_page(&portal, &Error::not_found(Code::TicketNotFound)),
    }
}

/// The order page's help: "I paid but it didn't update" on an order not settled, and
/// a case about this order, with the article that explains.
pub fn order_help(portal: &Portal, order: &Order) -> Markup {
    let locale = portal.locale;
    let unsettled = matches!(
        order.state,
        OrderState::PendingPayment
            | OrderState::Failed
            | OrderState::Expired
            | OrderState::Cancelled
    );
    html! {
        section.card.order-help aria-labelledby="order-help" data-testid="order-help" {
            h2 #order-help { (t(locale, "tickets.order_help_title")) }
            @if unsettled {
                p { (t(locale, "tickets.not_updated.lead")) }
                (super::forms::form(portal, &format!("/orders/{}/not-updated", order.id), html! {
                    button.secondary type="submit" data-testid="not-updated" { (t(locale, "tickets.not_updated.button")) }
                }))
            }
            p {
                a href={ "/support/new?category=payment&order=" (order.id) } data-testid="case-about-order" { (t(locale, "tickets.about_this_order")) }
                " · "
                a href="/help/paid-not-updated" { (t(locale, "tickets.not_updated.article")) }
            }
        }
    }
}

/// `POST /orders/{id}/not-updated`: the order, gone through, or its case.
pub async fn not_updated(
    State(app): State<App>,
    portal: Portal,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    match tickets::not_updated(&app, &account.id, &id, portal.locale).await {
        Ok(outcome) => match outcome.ticket {
            Some(ticket) => {
                Redirect::to(&format!("/support/{}?opened=1", ticket.id)).into_response()
            }
            None => {
                Redirect::to(&format!("/orders/{}?checked=1", outcome.order.id)).into_response()
            }
        },
        Err(error) => error_page(&portal, &error),
    }
}
