//! Console login (email, password, authenticator code) and logout.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::app::App;
use crate::error::{Error, ErrorKind};
use crate::i18n::{t, tf};
use crate::staff;
use crate::web::cookies;
use crate::web::error::status_of;
use crate::web::extract::ClientAddr;

use super::forms::{ConsoleForm, field, form};
use super::{Console, error_page, render};

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

pub async fn show(State(app): State<App>, console: Console) -> Response {
    if console.member.is_some() {
        return Redirect::to("/admin").into_response();
    }
    page(&app, &console, "", None)
}

fn page(app: &App, console: &Console, email: &str, error: Option<&Error>) -> Response {
    let locale = console.locale;
    let body = html! {
        h1 { (t(locale, "console.login.title")) }
        @if app.config.demo {
            p.notice data-testid="demo-staff" {
                (tf(locale, "console.login.demo", &[
                    ("password", crate::demo::DEMO_STAFF_PASSWORD),
                    ("code", &staff::code_at(crate::demo::DEMO_STAFF_TOTP, app.now())),
                ]))
            }
        }
        @if let Some(error) = error {
            (super::layout::error_notice(console, error))
        }
        (form(console, "/admin/login", html! {
            (field(console, "email", &t(locale, "console.email"), "email", email, "username", error))
            (field(console, "password", &t(locale, "console.password"), "password", "", "current-password", error))
            (field(console, "code", &t(locale, "console.login.code"), "text", "", "one-time-code", error))
            p.hint { (t(locale, "console.login.code_hint")) }
            div { button type="submit" { (t(locale, "console.login.submit")) } }
        }))
    };
    let mut response = render(console, &t(locale, "console.login.title"), body);
    if let Some(error) = error {
        *response.status_mut() = status_of(error);
    }
    response
}

/// The console's session cookie: `SameSite=Strict`, so no other site's link or form
/// ever arrives signed in.
pub(super) fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={token}; Max-Age={max_age_secs}; Path=/; HttpOnly; SameSite=Strict{secure}",
        cookies::STAFF_SESSION
    ))
    .ok()
}

pub(super) fn signed_in(console: &Console, app: &App, token: &str, to: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    let max_age = app.config.console.session_hours * 3600;
    if let Some(cookie) = session_cookie(token, max_age, console.secure) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

pub async fn submit(
    State(app): State<App>,
    console: Console,
    ClientAddr(client): ClientAddr,
    ConsoleForm(login): ConsoleForm<LoginForm>,
) -> Response {
    match staff::log_in(&app, &login.email, &login.password, &login.code, &client).await {
        Ok(session) => signed_in(&console, &app, &session.token, "/admin"),
        Err(error) if error.kind == ErrorKind::Internal => error_page(&console, &error),
        Err(error) => page(&app, &console, &login.email, Some(&error)),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn log_out(
    State(app): State<App>,
    console: Console,
    ConsoleForm(_): ConsoleForm<Empty>,
) -> Response {
    if let Some(token) = &console.token
        && let Err(error) = staff::log_out(&app, token).await
    {
        return error_page(&console, &error);
    }
    let mut response = Redirect::to("/admin/login").into_response();
    if let Some(cookie) = session_cookie("", 0, console.secure) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
