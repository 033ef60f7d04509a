//! Payments that need a person: what happened, where the evidence is (the customer's
//! page, with every provider event), and what may be done — ask the provider now
//! (support and up), fulfil by hand when the provider confirmed it out of band
//! (finance and admins), or dismiss with a reason once dealt with. Refunds are made
//! from the customer's page. Below them, the lines staff marked for review.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::error::{Error, ErrorKind};
use crate::i18n::{t, tf};
use crate::lines::review::LineReview;
use crate::orders::attention::{self, Action, Subject};
use crate::staff::Permission;
use crate::web::error::status_of;

use super::forms::{ConsoleForm, form};
use super::layout::notice;
use super::notices::Said;
use super::{Console, error_page, render};

pub async fn list(State(app): State<App>, console: Console, Query(said): Query<Said>) -> Response {
    if let Err(response) = console.require(Permission::Read) {
        return *response;
    }
    page(&app, &console, None, None, &said).await
}

async fn page(
    app: &App,
    console: &Console,
    done: Option<String>,
    error: Option<&Error>,
    said: &Said,
) -> Response {
    let locale = console.locale;
    let (items, reviews) = match tokio::try_join!(
        attention::needing_attention(app),
        crate::lines::review::all(app)
    ) {
        Ok(found) => found,
        Err(error) => return error_page(console, &error),
    };
    let mut accounts = Vec::with_capacity(items.len());
    for item in &items {
        let account = match &item.order_id {
            Some(order) => crate::orders::lookup::account_of(app, order)
                .await
                .ok()
                .flatten(),
            None => None,
        };
        accounts.push(account);
    }
    let may_act = console
        .member
        .as_ref()
        .is_some_and(|m| m.role.may(Permission::QueryPayments));
    let may_fulfil = super::fulfil::may(console);
    let findings = match super::findings::section(app, console, may_act).await {
        Ok(section) => section,
        Err(error) => return error_page(console, &error),
    };
    let title = t(locale, "console.attention.title");
    let body = html! {
        h1 #attention { (title) }
        p.lead { (tf(locale, "console.attention.lead", &[("minutes", &attention::NO_WORD_AFTER_MINUTES.to_string())])) }
        @if let Some(done) = &done { (notice(done, false)) }
        @if let Some(error) = error { (super::layout::error_notice(console, error)) }
        (said.notice(console, "attention"))
        @if items.is_empty() {
            p data-testid="attention-empty" { (t(locale, "console.attention.empty")) }
        }
        @for (item, account) in items.iter().zip(&accounts) {
            article.card data-subject=(item.subject.as_str()) data-id=(item.id) {
                h2 {
                    (t(locale, &format!("console.attention.subject.{}", item.subject.as_str()))) " "
                    code { (item.id) }
                }
                dl.facts {
                    dt { (t(locale, "console.customer.status")) } dd { (item.state) }
                    dt { (t(locale, "console.attention.why")) }
                    dd data-testid="reasons" {
                        @for reason in item.reasons.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                            (reason_text(console, reason)) br;
                        }
                    }
                    @if let Some(order) = &item.order_id {
                        dt { (t(locale, "console.attention.order")) } dd { code { (order) } }
                    }
                }
                @if let Some(account) = account {
                    p { a href={ "/admin/customers/" (account) } { (t(locale, "console.attention.evidence")) } }
                }
                @if may_fulfil && item.actions.contains(&Action::Fulfil) {
                    (super::fulfil::form_for(console, &item.id, "attention"))
                }
                @if may_act {
                    @if item.actions.contains(&Action::Query) {
                        (form(console, &format!("/admin/payments/{}/query", item.id), html! {
                            div { button type="submit" { (t(locale, "console.attention.query")) } }
                        }))
                    }
                    @if item.actions.contains(&Action::Dismiss) {
                        details {
                            summary { (t(locale, "console.attention.dismiss")) }
                            (form(console, "/admin/attention/dismiss", html! {
                                input type="hidden" name="subject" value=(item.subject.as_str());
                                input type="hidden" name="id" value=(item.id);
                                div.field {
                                    label for={ "f-reason-" (item.id) } { (t(locale, "console.attention.reason")) }
                                    input id={ "f-reason-" (item.id) } name="reason" type="text" maxlength="500" autocomplete="off";
                                }
                                div { button.secondary type="submit" { (t(locale, "console.attention.dismiss_submit")) } }
                            }))
                        }
                    }
                }
            }
        }
        (reviews_section(console, &reviews, said))
        (findings)
    };
    let mut response = render(console, &title, body);
    if let Some(error) = error {
        *response.status_mut() = status_of(error);
    }
    response
}

/// Lines marked for review, each with its customer and the form to clear the mark.
fn reviews_section(console: &Console, reviews: &[LineReview], said: &Said) -> Markup {
    let locale = console.locale;
    html! {
        section.card #reviews aria-labelledby="reviews-h" data-testid="line-reviews" {
            h2 #reviews-h { (t(locale, "console.review.list_title")) }
            (said.notice(console, "reviews"))
            @if reviews.is_empty() { p { (t(locale, "console.review.none")) } }
            @for review in reviews {
                article.order data-iccid=(review.iccid) {
                    h3 { "ICCID " code { (review.iccid) } }
                    @if let Some(account) = &review.account_id {
                        p { a href={ "/admin/customers/" (account) } { (t(locale, "console.attention.evidence")) } }
                    }
                    (super::reviews::cell(console, &review.iccid, Some(review), "attention"))
                }
            }
        }
    }
}

/// A reason code in words, or the code itself when it has none.
fn reason_text(console: &Console, reason: &str) -> String {
    let key = format!("console.attention.reason_code.{reason}");
    let text = t(console.locale, &key);
    if text == key { reason.to_owned() } else { text }
}

#[derive(Deserialize)]
pub struct QueryForm {
    /// From a customer's page: their account id, to go back to it.
    #[serde(default)]
    back: Option<String>,
}

/// `POST /admin/payments/{id}/query`: this list again with the provider's answer, or
/// back to the customer's page the button was on.
pub async fn query(
    State(app): State<App>,
    console: Console,
    Path(id): Path<String>,
    ConsoleForm(input): ConsoleForm<QueryForm>,
) -> Response {
    let member = match console.require(Permission::QueryPayments) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let asked = attention::query(&app, &id, &member.actor()).await;
    if let Some(back) = input.back.as_deref().filter(|b| !b.is_empty()) {
        let back = super::notices::Back::parse(back);
        return match &asked {
            Ok(_) => back.to("orders", Ok("queried")),
            Err(error) if error.kind == ErrorKind::Internal => error_page(&console, error),
            Err(error) => back.to("orders", Err(error)),
        };
    }
    match asked {
        Ok(state) => {
            let done = tf(
                console.locale,
                "console.attention.queried",
                &[("id", &id), ("state", state.as_str())],
            );
            page(&app, &console, Some(done), None, &Said::default()).await
        }
        Err(error) if error.kind == ErrorKind::Internal => error_page(&console, &error),
        Err(error) => page(&app, &console, None, Some(&error), &Said::default()).await,
    }
}

#[derive(Deserialize)]
pub struct DismissForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    reason: String,
}

pub async fn dismiss(
    State(app): State<App>,
    console: Console,
    ConsoleForm(form): ConsoleForm<DismissForm>,
) -> Response {
    let member = match console.require(Permission::QueryPayments) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    if form.subject == "finding" {
        return match crate::watch::dismiss(&app, &form.id, &form.reason, &member.actor()).await {
            Ok(()) => Redirect::to("/admin/payments/attention").into_response(),
            Err(error) if error.kind == ErrorKind::Internal => error_page(&console, &error),
            Err(error) => page(&app, &console, None, Some(&error), &Said::default()).await,
        };
    }
    let Some(subject) = Subject::parse(&form.subject) else {
        return error_page(&console, &Error::invalid(crate::error::Code::InvalidForm));
    };
    match attention::dismiss(&app, subject, &form.id, &form.reason, &member.actor()).await {
        Ok(()) => Redirect::to("/admin/payments/attention").into_response(),
        Err(error) if error.kind == ErrorKind::Internal => error_page(&console, &error),
        Err(error) => page(&app, &console, None, Some(&error), &Said::default()).await,
    }
}
