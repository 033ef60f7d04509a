//! `GET /verify-email?token=…`: the link from the verification email.

use axum::extract::{Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use crate::accounts;
use crate::app::App;
use crate::i18n::t;

use super::layout::notice;
use super::{Portal, error_page, render};

#[derive(Default, Deserialize)]
pub struct VerifyEmailQuery {
    #[serde(default)]
    token: String,
}

/// Opening the link is the proof: only the mailbox's reader has the token.
pub async fn verify(
    State(app): State<App>,
    portal: Portal,
    Query(query): Query<VerifyEmailQuery>,
) -> Response {
    match accounts::confirm_email(&app, &query.token).await {
        Ok(_) => {
            let locale = portal.locale;
            let body = html! {
                h1 { (t(locale, "verify_email.title")) }
                (notice(&t(locale, "verify_email.done"), false))
                p { a href="/account" { (t(locale, "verify_email.continue")) } }
            };
            render(&portal, &t(locale, "verify_email.title"), body)
        }
        Err(error) => error_page(&portal, &error),
    }
}
