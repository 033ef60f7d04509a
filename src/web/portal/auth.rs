//! Register (with the SMS code), log in, log out.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::accounts::password::Password;
use crate::accounts::{self, Email, Phone, SessionKind};
use crate::app::App;
use crate::error::{Code, ErrorKind};
use crate::i18n::{t, tf};
use crate::web::cookies;
use crate::web::error::status_of;
use crate::web::extract::ClientAddr;

use super::forms::{CsrfForm, Field, Problems, form};
use super::guard::local_next;
use super::layout::notice;
use super::{Portal, error_page, form_urlencode, render, resend};

#[derive(Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    /// Where to go once registered (a page that needed an account).
    #[serde(default)]
    next: String,
}

/// `next` when it is one of our pages, else empty.
fn kept_next(next: &str) -> &str {
    local_next(next).unwrap_or_default()
}

pub async fn register_form(
    State(app): State<App>,
    portal: Portal,
    Query(prefill): Query<RegisterForm>,
) -> Response {
    register_page(&app, &portal, &prefill, &Problems::new(portal.locale))
}

fn register_page(
    app: &App,
    portal: &Portal,
    values: &RegisterForm,
    problems: &Problems,
) -> Response {
    let locale = portal.locale;
    let next = kept_next(&values.next);
    let portal = &portal.at(
        "/register",
        &[
            ("phone", &values.phone),
            ("email", &values.email),
            ("next", next),
        ],
    );
    let min = app.config.accounts.min_password_length.to_string();
    let login = if next.is_empty() {
        "/login".to_owned()
    } else {
        format!("/login?next={}", form_urlencode(next))
    };
    let body = html! {
        h1 { (t(locale, "register.title")) }
        p.lead { (t(locale, "register.lead")) }
        (problems.summary(&["phone", "email", "password"]))
        (form(portal, "/register", html! {
            @if !next.is_empty() { input type="hidden" name="next" value=(next); }
            (Field::new("phone", t(locale, "register.phone"), "tel", "tel").value(&values.phone)
                .hint(t(locale, "register.phone_hint")).render(problems))
            (Field::new("email", t(locale, "register.email"), "email", "email").value(&values.email).render(problems))
            (Field::new("password", t(locale, "register.password"), "password", "new-password")
                .hint(tf(locale, "register.password_hint", &[("min", &min)])).render(problems))
            div { button type="submit" { (t(locale, "register.submit")) } }
        }))
        p { a href=(login) { (t(locale, "register.have_account")) } }
    };
    with_problems(render(portal, &t(locale, "register.title"), body), problems)
}

pub async fn register(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<RegisterForm>,
) -> Response {
    // Every field is checked before anything is sent, and every problem shown at once.
    let mut problems = Problems::new(portal.locale);
    let phone = problems.check(Phone::parse_in(&form.phone, app.config.locale.phone_region));
    let email = problems.check(Email::parse(&form.email));
    let personal = [
        phone.as_ref().map(Phone::as_str).unwrap_or_default(),
        email.as_ref().map(Email::as_str).unwrap_or_default(),
    ];
    problems.check(Password::new(
        &form.password,
        app.config.accounts.min_password_length,
        &personal,
    ));
    if !problems.is_empty() {
        return register_page(&app, &portal, &form, &problems);
    }
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
        Ok(pending) => Redirect::to(&verify_path(
            pending.phone.as_str(),
            kept_next(&form.next),
            false,
        ))
        .into_response(),
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => register_page(&app, &portal, &form, &Problems::of(portal.locale, &error)),
    }
}

/// The verify page for `phone`, carrying `next`; `sent` says a new code went.
fn verify_path(phone: &str, next: &str, sent: bool) -> String {
    let mut pairs = vec![("phone", phone)];
    if !next.is_empty() {
        pairs.push(("next", next));
    }
    if sent {
        pairs.push(("sent", "1"));
    }
    format!(
        "/register/verify?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

#[derive(Default, Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
    sent: Option<String>,
}

pub async fn verify_form(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    Query(query): Query<VerifyForm>,
) -> Response {
    let problems = Problems::new(portal.locale);
    verify_page(&app, &portal, &query, &client, &problems).await
}

async fn verify_page(
    app: &App,
    portal: &Portal,
    values: &VerifyForm,
    client: &str,
    problems: &Problems,
) -> Response {
    let locale = portal.locale;
    let phone = values.phone.as_str();
    let next = kept_next(&values.next);
    let portal = &portal.at("/register/verify", &[("phone", phone), ("next", next)]);
    let minutes = (app.config.accounts.code_ttl_secs / 60).to_string();
    let wait = match Phone::parse_in(phone, app.config.locale.phone_region) {
        Ok(parsed) => resend::wait_secs(app, parsed.as_str(), client).await,
        Err(_) => 0,
    };
    let shown = super::format::phone(phone);
    let restart =
        serde_urlencoded::to_string([("phone", phone), ("next", next)]).unwrap_or_default();
    let body = html! {
        h1 { (t(locale, "verify.title")) }
        @if values.sent.is_some() && problems.is_empty() {
            (notice(&tf(locale, "code.resent", &[("phone", &shown)]), false))
        }
        p.lead { (tf(locale, "verify.lead", &[("phone", &shown), ("minutes", &minutes)])) }
        (problems.summary(&["code"]))
        (form(portal, "/register/verify", html! {
            input type="hidden" name="phone" value=(phone);
            @if !next.is_empty() { input type="hidden" name="next" value=(next); }
            (Field::new("code", t(locale, "verify.code"), "text", "one-time-code").inputmode("numeric").value(&values.code).render(problems))
            div { button type="submit" { (t(locale, "verify.submit")) } }
        }))
        (resend::form(portal, "/register/verify/resend", &[("phone", phone), ("next", next)], wait))
        p { a href={ "/register?" (restart) } { (t(locale, "verify.restart")) } }
    };
    with_problems(render(portal, &t(locale, "verify.title"), body), problems)
}

pub async fn verify(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<VerifyForm>,
) -> Response {
    if form.code.trim().is_empty() {
        let mut problems = Problems::new(portal.locale);
        problems.missing("code", "form.missing_code");
        return verify_page(&app, &portal, &form, &client, &problems).await;
    }
    let account = match accounts::complete_registration(&app, &form.phone, &form.code).await {
        Ok(account) => account,
        Err(error) if error.kind == ErrorKind::Internal => return error_page(&portal, &error),
        Err(error) => {
            let problems = Problems::of(portal.locale, &error);
            return verify_page(&app, &portal, &form, &client, &problems).await;
        }
    };
    // The phone was just proven: sign the new subscriber in with the password they chose.
    let to = local_next(&form.next).unwrap_or("/account?welcome=1");
    match accounts::start_session(&app, &account, SessionKind::Portal).await {
        Ok(session) => signed_in_redirect(&portal, &app, &session.token, to),
        Err(error) => error_page(&portal, &error),
    }
}

/// "Send a new code" on the verify page: a new code for the registration typed
/// before, when the limits allow; otherwise the page again saying when.
pub async fn resend(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<VerifyForm>,
) -> Response {
    match accounts::resend_registration_code(&app, &form.phone, portal.locale, client.clone()).await
    {
        Ok(_) => {
            let phone = Phone::parse_in(&form.phone, app.config.locale.phone_region)
                .map(|p| p.to_string())
                .unwrap_or_default();
            Redirect::to(&verify_path(&phone, kept_next(&form.next), true)).into_response()
        }
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => {
            let mut problems = Problems::new(portal.locale);
            if error.code == Code::RegistrationIncomplete {
                problems.about_form("code.restart", status_of(&error));
            } else {
                problems.add(&error);
            }
            verify_page(&app, &portal, &form, &client, &problems).await
        }
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
    login_page(&portal, "", next, done, &Problems::new(portal.locale))
}

fn login_page(
    portal: &Portal,
    login: &str,
    next: Option<&str>,
    done: Option<String>,
    problems: &Problems,
) -> Response {
    let locale = portal.locale;
    let portal = &portal.at("/login", &[("next", next.unwrap_or_default())]);
    let register = match next {
        Some(next) => format!("/register?next={}", form_urlencode(next)),
        None => "/register".to_owned(),
    };
    let body = html! {
        h1 { (t(locale, "login.title")) }
        @if let Some(done) = done { (notice(&done, false)) }
        @if next.is_some() { p.lead { (t(locale, "login.to_continue")) } }
        (problems.summary(&["login", "password"]))
        (form(portal, "/login", html! {
            @if let Some(next) = next { input type="hidden" name="next" value=(next); }
            (Field::new("login", t(locale, "login.login"), "text", "username").value(login).render(problems))
            (Field::new("password", t(locale, "login.password"), "password", "current-password").render(problems))
            div { button type="submit" { (t(locale, "login.submit")) } }
        }))
        p { a href="/password-reset" { (t(locale, "login.forgot")) } }
        p { a href=(register) { (t(locale, "login.no_account")) } }
    };
    with_problems(render(portal, &t(locale, "login.title"), body), problems)
}

pub async fn login(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Response {
    let next = form.next.as_deref().and_then(local_next);
    let mut problems = Problems::new(portal.locale);
    if form.login.trim().is_empty() {
        problems.missing("login", "error.phone_or_email_required");
    }
    if form.password.is_empty() {
        problems.missing("password", "form.missing_password");
    }
    if !problems.is_empty() {
        return login_page(&portal, &form.login, next, None, &problems);
    }
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
            signed_in_redirect(&portal, &app, &session.token, next.unwrap_or("/account"))
        }
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => login_page(
            &portal,
            &form.login,
            next,
            None,
            &Problems::of(portal.locale, &error),
        ),
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
pub fn with_status(mut response: Response, error: Option<&crate::error::Error>) -> Response {
    if let Some(error) = error {
        *response.status_mut() = status_of(error);
    }
    response
}

/// A form shown again with problems answers with their status.
pub fn with_problems(mut response: Response, problems: &Problems) -> Response {
    *response.status_mut() = problems.status();
    response
}
