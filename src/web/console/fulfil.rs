//! "Fulfil by hand" on an open payment (finance and admins; it gives service for
//! money, like a refund takes it back): when the provider confirmed the payment out
//! of band, the member gives its reference and why, and the order is fulfilled once
//! through the usual fulfilment. On the attention list and the customer's page.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::error::ErrorKind;
use crate::i18n::t;
use crate::orders::manual_fulfil::fulfil_manually;
use crate::staff::Permission;

use super::forms::{ConsoleForm, form};
use super::notices::Back;
use super::{Console, error_page};

pub fn routes() -> Router<App> {
    Router::new().route("/admin/payments/{id}/fulfil", post(fulfil))
}

/// Whether the signed-in member may fulfil by hand.
pub fn may(console: &Console) -> bool {
    console
        .member
        .as_ref()
        .is_some_and(|m| m.role.may(Permission::FulfilManually))
}

/// The form, folded away: the provider's reference, why, and the button. `back` is
/// an account id or `attention`.
pub fn form_for(console: &Console, payment_id: &str, back: &str) -> Markup {
    let locale = console.locale;
    let id = format!("f-fulfil-{payment_id}");
    html! {
        details data-testid="fulfil" {
            summary { (t(locale, "console.fulfil.open")) }
            p.hint { (t(locale, "console.fulfil.hint")) }
            (form(console, &format!("/admin/payments/{payment_id}/fulfil"), html! {
                input type="hidden" name="back" value=(back);
                div.field {
                    label for={ (id) "-reference" } { (t(locale, "console.fulfil.reference")) }
                    input id={ (id) "-reference" } name="reference" type="text" maxlength="200" autocomplete="off" spellcheck="false";
                }
                div.field {
                    label for={ (id) "-reason" } { (t(locale, "console.fulfil.reason")) }
                    input id={ (id) "-reason" } name="reason" type="text" maxlength="500" autocomplete="off";
                }
                div { button type="submit" { (t(locale, "console.fulfil.submit")) } }
            }))
        }
    }
}

#[derive(Deserialize)]
pub struct FulfilForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

/// `POST /admin/payments/{id}/fulfil`: back where the form was, saying what came of it.
pub async fn fulfil(
    State(app): State<App>,
    console: Console,
    Path(id): Path<String>,
    ConsoleForm(input): ConsoleForm<FulfilForm>,
) -> Response {
    let member = match console.require(Permission::FulfilManually) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let back = Back::parse(&input.back);
    let section = if matches!(back, Back::Attention) {
        "attention"
    } else {
        "orders"
    };
    match fulfil_manually(&app, &id, &input.reference, &input.reason, &member.actor()).await {
        Ok(_) => back.to(section, Ok("fulfilled")),
        Err(error) if matches!(error.kind, ErrorKind::Internal | ErrorKind::NotFound) => {
            error_page(&console, &error)
        }
        Err(error) => back.to(section, Err(&error)),
    }
}
