//! The messages sent to a customer, on their page: each SMS and email with its text
//! (a one-time code or link is not kept, and says so), whether the transport took
//! it, and — for support and up — "Send again", the same text to the same address.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::customers::Profile;
use crate::i18n::{t, tf};
use crate::messages::Channel;
use crate::staff::Permission;

use super::forms::{ConsoleForm, form};
use super::notices::{Back, Said};
use super::{Console, error_page};

pub fn routes() -> Router<App> {
    Router::new().route("/admin/messages/{id}/resend", post(resend))
}

/// The customer page's section.
pub fn section(
    console: &Console,
    profile: &Profile,
    said: &Said,
    when: &dyn Fn(chrono::DateTime<chrono::Utc>) -> String,
) -> Markup {
    let locale = console.locale;
    let may = console
        .member
        .as_ref()
        .is_some_and(|m| m.role.may(Permission::ResendMessages));
    html! {
        section.card #messages aria-labelledby="messages-h" data-testid="messages" {
            h2 #messages-h { (t(locale, "console.messages.title")) }
            (said.notice(console, "messages"))
            @if profile.messages.is_empty() { p { (t(locale, "console.customer.none")) } }
            @for message in &profile.messages {
                article.order data-message=(message.id) data-kind=(message.kind) {
                    h3 {
                        (t(locale, match message.channel { Channel::Sms => "console.messages.sms", Channel::Email => "console.messages.email" }))
                        " · " (message.kind) " · " (when(message.sent_at))
                    }
                    p {
                        (message.to) " · " (message.locale) " · "
                        @if message.result == "sent" { (t(locale, "console.messages.sent")) } @else { strong.attention { (t(locale, "console.messages.failed")) } }
                        @if let Some(error) = &message.error { " " span.hint { (error) } }
                        @if let Some(by) = &message.resent_by { br; span.hint { (tf(locale, "console.messages.resent_by", &[("who", by)])) } }
                    }
                    @if !message.subject.is_empty() { p { strong { (message.subject) } } }
                    @if message.withheld {
                        p.hint { (t(locale, "console.messages.withheld")) }
                    } @else {
                        pre.evidence tabindex="0" { (message.body) }
                        @if message.had_html { p.hint { (t(locale, "console.messages.had_html")) } }
                        @if may {
                            (form(console, &format!("/admin/messages/{}/resend", message.id), html! {
                                input type="hidden" name="back" value=(profile.account.id);
                                div { button.secondary type="submit" { (t(locale, "console.messages.resend")) } }
                            }))
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct ResendForm {
    #[serde(default)]
    back: String,
}

/// `POST /admin/messages/{id}/resend`: back to the customer's messages, saying
/// whether it went.
pub async fn resend(
    State(app): State<App>,
    console: Console,
    Path(id): Path<String>,
    ConsoleForm(input): ConsoleForm<ResendForm>,
) -> Response {
    let member = match console.require(Permission::ResendMessages) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let back = Back::parse(&input.back);
    match crate::customers::messages::resend(&app, &id, &member.actor()).await {
        Ok(sent) if sent.result == "sent" => back.to("messages", Ok("resent")),
        Ok(_) => back.to("messages", Ok("resend_failed")),
        Err(error) if error.kind == crate::error::ErrorKind::Internal => {
            error_page(&console, &error)
        }
        Err(error) if error.kind == crate::error::ErrorKind::NotFound => {
            error_page(&console, &error)
        }
        Err(error) => back.to("messages", Err(&error)),
    }
}
