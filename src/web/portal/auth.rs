//! Register (with the SMS code), log in, log out.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::accounts::{self, SessionKind};
use crate::app::App;
use crate::error::{Error, ErrorKind};
use crate::i18n::{t, tf};
use crate::web::cookies;
use crate::web::error::status_of;
use crate::web::extract::ClientAddr;

use super::forms::{CsrfForm, Field, error_banner, form};
use super::guard::local_next;
use super::layout::notice;
use super::{Portal, error_page, form_urlencode, render};

#[derive(Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn register_form(
    State(app): State<App>,
    portal: Portal,
    Query(prefill): Query<RegisterForm>,
) -> Response {
    register_page(&app, &portal, &prefill, None)
}

fn register_page(
    app: &App,
    portal: &Portal,
    values: &RegisterForm,
    error: Option<&Error>,
) -> Response {
    let locale = portal.locale;
    let min = app.config.accounts.min_password_length.to_string();
    let body = html! {
        h1 { (t(locale, "register.title")) }
        p.lead { (t(locale, "register.lead")) }
        (error_banner(portal, error, &["phone", "email", "password"]))
        (form(portal, "/register", html! {
            (Field::new("phone", t(locale, "register.phone"), "tel", "tel").value(&values.phone)
                .hint(t(locale, "register.phone_hint")).render(portal, error))
            (Field::new("email", t(locale, "register.email"), "email", "email").value(&values.email).render(portal, error))
            (Field::new("password", t(locale, "register.password"), "password", "new-password")
                .hint(tf(locale, "register.password_hint", &[("min", &min)])).render(portal, error))
            div { button type="submit" { (t(locale, "register.submit")) } }
        }))
        p { a href="/login" { (t(locale, "register.have_account")) } }
    };
    with_status(render(portal, &t(locale, "register.title"), body), error)
}

pub async fn register(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<RegisterForm>,
) -> Response {
    match accounts::start_registration(
        &app,
        &form.phone,
        &form.email,
        &form.password,
        portal.locale,
        client,
    )
    .await
    {
        Ok(pending) => Redirect::to(&format!(
            "/register/verify?phone={}",
            form_urlencode(pending.phone.as_str())
        ))
        .into_response(),
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => register_page(&app, &portal, &form, Some(&error)),
    }
}

#[derive(Default, Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
}

pub async fn verify_form(
    State(app): State<App>,
    portal: Portal,
    Query(query): Query<VerifyForm>,
) -> Response {
    verify_page(&app, &portal, &query.phone, None)
}

fn verify_page(app: &App, portal: &Portal, phone: &str, error: Option<&Error>) -> Response {
    let locale = portal.locale;
    let minutes = (app.config.accounts.code_ttl_secs / 60).to_string();
    let body = html! {
        h1 { (t(locale, "verify.title")) }
        p.lead { (tf(locale, "verify.lead", &[("phone", phone), ("minutes", &minutes)])) }
        (error_banner(portal, error, &["code"]))
        (form(portal, "/register/verify", html! {
            input type="hidden" name="phone" value=(phone);
            (Field::new("code", t(locale, "verify.code"), "text", "one-time-code").inputmode("numeric").render(portal, error))
            div { button type="submit" { (t(locale, "verify.submit")) } }
        }))
        p { a href={ "/register?phone=" (form_urlencode(phone)) } { (t(locale, "verify.restart")) } }
    };
    with_status(render(portal, &t(locale, "verify.title"), body), error)
}

pub async fn verify(
    State(app): State<App>,
    portal: Portal,
    CsrfForm(form): CsrfForm<VerifyForm>,
) -> Response {
    let account = match accounts::complete_registration(&app, &form.phone, &form.code).await {
        Ok(account) => account,
        Err(error) if error.kind == ErrorKind::Internal => return error_page(&portal, &error),
        Err(error) => return verify_page(&app, &portal, &form.phone, Some(&error)),
    };
    // The phone was just proven: sign the new subscriber in with the password they chose.
    match accounts::start_session(&app, &account, SessionKind::Portal).await {
        Ok(session) => signed_in_redirect(&portal, &app, &session.token, "/account?welcome=1"),
        Err(error) => error_page(&portal, &error),
    }
}

#[derive(Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    reset: Option<String>,
}

#[derive(Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login_form(portal: Portal, Query(query): Query<LoginQuery>) -> Response {
    let done = query
        .reset
        .is_some()
        .then(|| t(portal.locale, "login.reset_done"));
    let next = query.next.as_deref().and_then(local_next);
    login_page(&portal, "", next, done, None)
}

fn login_page(
    portal: &Portal,
    login: &str,
    next: Option<&str>,
    done: Option<String>,
    error: Option<&Error>,
) -> Response {
    let locale = portal.locale;
    let body = html! {
        h1 { (t(locale, "login.title")) }
        @if let Some(done) = done { (notice(&done, false)) }
        (error_banner(portal, error, &["login", "password"]))
        (form(portal, "/login", html! {
            @if let Some(next) = next { input type="hidden" name="next" value=(next); }
            (Field::new("login", t(locale, "login.login"), "text", "username").value(login).render(portal, error))
            (Field::new("password", t(locale, "login.password"), "password", "current-password").render(portal, error))
            div { button type="submit" { (t(locale, "login.submit")) } }
        }))
        p { a href="/password-reset" { (t(locale, "login.forgot")) } }
        p { a href="/register" { (t(locale, "login.no_account")) } }
    };
    with_status(render(portal, &t(locale, "login.title"), body), error)
}

pub async fn login(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Response {
    match accounts::log_in(
        &app,
        &form.login,
        &form.password,
        &client,
        SessionKind::Portal,
    )
    .await
    {
        Ok(session) => {
            let next = form.next.as_deref().and_then(local_next);
            signed_in_redirect(&portal, &app, &session.token, next.unwrap_or("/account"))
        }
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => {
            let next = form.next.as_deref().and_then(local_next);
            login_page(&portal, &form.login, next, None, Some(&error))
        }
    }
}

pub async fn logout_form(portal: Portal) -> Response {
    let locale = portal.locale;
    let body = html! {
        h1 { (t(locale, "logout.title")) }
        p { (t(locale, "logout.confirm")) }
        (form(&portal, "/logout", html! {
            div { button type="submit" { (t(locale, "logout.submit")) } }
        }))
    };
    render(&portal, &t(locale, "logout.title"), body)
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(app): State<App>,
    portal: Portal,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    if let Some(token) = &portal.token
        && let Err(error) = accounts::log_out(&app, token).await
    {
        return error_page(&portal, &error);
    }
    let mut response = Redirect::to("/").into_response();
    if let Some(cookie) = cookies::set(cookies::SESSION, "", 0, portal.secure) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn signed_in_redirect(portal: &Portal, app: &App, token: &str, to: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    let max_age = app.config.accounts.session_days * 86_400;
    if let Some(cookie) = cookies::set(cookies::SESSION, token, max_age, portal.secure) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A form shown again because of a client error keeps that error's status.
pub fn with_status(mut response: Response, error: Option<&Error>) -> Response {
    if let Some(error) = error {
        *response.status_mut() = status_of(error);
    }
    response
}
