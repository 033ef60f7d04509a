//! Enrolment by the one-time link: add the TOTP secret to an authenticator app (QR or
//! typed), set a password, prove the app with a code; then the recovery codes, once.

use axum::extract::{Path, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use crate::app::App;
use crate::error::{Error, ErrorKind};
use crate::i18n::{t, tf};
use crate::staff;
use crate::web::error::status_of;
use crate::web::portal::qr;

use super::forms::{ConsoleForm, field, form};
use super::layout::notice;
use super::login::session_cookie;
use super::{Console, error_page, render};

/// The issuer authenticator apps show next to the code.
fn issuer(console: &Console) -> String {
    t(console.locale, "console.brand")
}

pub async fn show(State(app): State<App>, console: Console, Path(token): Path<String>) -> Response {
    page(&app, &console, &token, None).await
}

async fn page(app: &App, console: &Console, token: &str, error: Option<&Error>) -> Response {
    let locale = console.locale;
    let enrolment = match staff::enrolment_page(app, token, &issuer(console)).await {
        Ok(enrolment) => enrolment,
        Err(error) => return error_page(console, &error),
    };
    let body = html! {
        h1 { (t(locale, "console.enrol.title")) }
        p { (tf(locale, "console.enrol.lead", &[("email", &enrolment.member.email), ("role", &t(locale, &format!("console.role.{}", enrolment.member.role.as_str())))])) }
        @if let Some(error) = error {
            (super::layout::error_notice(console, error))
        }
        section.card aria-labelledby="totp-h" {
            h2 #totp-h { (t(locale, "console.enrol.app_title")) }
            p { (t(locale, "console.enrol.app_help")) }
            (qr::svg(&enrolment.otpauth_uri, &t(locale, "console.enrol.qr_label")))
            p { (t(locale, "console.enrol.type_instead")) }
            p.secret data-testid="totp-secret" { (enrolment.secret_base32) }
        }
        (form(console, &format!("/admin/enrol/{token}"), html! {
            (field(console, "password", &t(locale, "console.enrol.password"), "password", "", "new-password", error))
            p.hint { (tf(locale, "console.enrol.password_hint", &[("length", &app.config.console.min_password_length.to_string())])) }
            (field(console, "code", &t(locale, "console.enrol.code"), "text", "", "one-time-code", error))
            div { button type="submit" { (t(locale, "console.enrol.submit")) } }
        }))
    };
    let mut response = render(console, &t(locale, "console.enrol.title"), body);
    if let Some(error) = error {
        *response.status_mut() = status_of(error);
    }
    response
}

#[derive(Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

pub async fn submit(
    State(app): State<App>,
    console: Console,
    Path(token): Path<String>,
    ConsoleForm(form): ConsoleForm<EnrolForm>,
) -> Response {
    let enrolled = match staff::enrol(&app, &token, &form.password, &form.code).await {
        Ok(enrolled) => enrolled,
        Err(error) if error.kind == ErrorKind::Internal => return error_page(&console, &error),
        Err(error) if error.code == crate::error::Code::EnrolmentLinkInvalid => {
            return error_page(&console, &error);
        }
        Err(error) => return page(&app, &console, &token, Some(&error)).await,
    };
    let locale = console.locale;
    // The codes are shown on this answer only: it is not a page that can be reloaded.
    let signed_in = Console {
        member: Some(enrolled.member.clone()),
        csrf: super::session_csrf(&app, &enrolled.session.token),
        ..console.clone()
    };
    let body = html! {
        h1 { (t(locale, "console.enrol.done_title")) }
        (notice(&t(locale, "console.enrol.done"), false))
        section.card aria-labelledby="codes-h" {
            h2 #codes-h { (t(locale, "console.enrol.codes_title")) }
            p { (t(locale, "console.enrol.codes_help")) }
            ol.codes data-testid="recovery-codes" {
                @for code in &enrolled.recovery_codes { li { (code) } }
            }
        }
        p { a href="/admin" { (t(locale, "console.enrol.continue")) } }
    };
    let mut response = render(&signed_in, &t(locale, "console.enrol.done_title"), body);
    let max_age = app.config.console.session_hours * 3600;
    if let Some(cookie) = session_cookie(&enrolled.session.token, max_age, console.secure) {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, cookie);
    }
    response
}
