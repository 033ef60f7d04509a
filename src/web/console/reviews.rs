//! Marking a line for review (support and up): a note for staff with why, shown on
//! the customer's page and the attention list, cleared with why; both audited. The
//! line keeps working.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::error::ErrorKind;
use crate::i18n::{t, tf};
use crate::lines::Iccid;
use crate::lines::review::{self, LineReview, MAX_REASON_CHARS};
use crate::staff::Permission;

use super::forms::{ConsoleForm, form};
use super::notices::Back;
use super::{Console, error_page};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin/lines/{iccid}/review", post(mark))
        .route("/admin/lines/{iccid}/review/clear", post(clear))
}

/// A line's mark (or none) and, for a member who may, the form to mark or clear it.
/// `back` is where the form returns: an account id, or `attention`.
pub fn cell(console: &Console, iccid: &str, mark: Option<&LineReview>, back: &str) -> Markup {
    let locale = console.locale;
    let may = console
        .member
        .as_ref()
        .is_some_and(|m| m.role.may(Permission::ReviewLines));
    let id = format!("f-review-{iccid}");
    html! {
        @if let Some(mark) = mark {
            p data-testid="review" { strong.attention { (t(locale, "console.review.marked")) } " " (mark.reason) }
            p.hint { (tf(locale, "console.review.by", &[("who", &mark.marked_by)])) }
        }
        @if may {
            details {
                summary { (t(locale, if mark.is_some() { "console.review.clear" } else { "console.review.mark" })) }
                (form(console, &format!("/admin/lines/{iccid}/review{}", if mark.is_some() { "/clear" } else { "" }), html! {
                    input type="hidden" name="back" value=(back);
                    div.field {
                        label for=(id) { (t(locale, if mark.is_some() { "console.review.clear_reason" } else { "console.review.reason" })) }
                        input id=(id) name="reason" type="text" maxlength=(MAX_REASON_CHARS) autocomplete="off";
                    }
                    div { button.secondary type="submit" { (t(locale, if mark.is_some() { "console.review.clear_submit" } else { "console.review.mark_submit" })) } }
                }))
            }
        }
    }
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

/// `POST /admin/lines/{iccid}/review`.
pub async fn mark(
    State(app): State<App>,
    console: Console,
    Path(iccid): Path<String>,
    ConsoleForm(input): ConsoleForm<ReviewForm>,
) -> Response {
    decide(&app, &console, &iccid, &input, true).await
}

/// `POST /admin/lines/{iccid}/review/clear`.
pub async fn clear(
    State(app): State<App>,
    console: Console,
    Path(iccid): Path<String>,
    ConsoleForm(input): ConsoleForm<ReviewForm>,
) -> Response {
    decide(&app, &console, &iccid, &input, false).await
}

async fn decide(
    app: &App,
    console: &Console,
    iccid: &str,
    input: &ReviewForm,
    marking: bool,
) -> Response {
    let member = match console.require(Permission::ReviewLines) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let back = Back::parse(&input.back);
    let section = if matches!(back, Back::Attention) {
        "reviews"
    } else {
        "lines"
    };
    let outcome = async {
        let iccid = Iccid::parse(iccid)?;
        if marking {
            review::mark(app, &iccid, &input.reason, &member.actor())
                .await
                .map(|_| "marked")
        } else {
            review::clear(app, &iccid, &input.reason, &member.actor())
                .await
                .map(|()| "cleared")
        }
    }
    .await;
    match outcome {
        Ok(word) => back.to(section, Ok(word)),
        Err(error) if matches!(error.kind, ErrorKind::Internal | ErrorKind::NotFound) => {
            error_page(console, &error)
        }
        Err(error) => back.to(section, Err(&error)),
    }
}
