//! Password reset and phone change, each in two steps: ask for a code, enter it.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::accounts::password::Password;
use crate::accounts::{self, Account, CodeRequest, Destination, Email, Phone, Purpose};
use crate::app::App;
use crate::error::{Code, Error, ErrorKind, Result};
use crate::i18n::{t, tf};
use crate::web::extract::ClientAddr;

use super::auth::with_problems;
use super::forms::{CsrfForm, Field, Problems, form};
use super::layout::notice;
use super::{Portal, error_page, form_urlencode, render, require_account, resend};

#[derive(Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    new_password: String,
    sent: Option<String>,
}

/// An email if it has an `@`, else a phone (local numbers in the configured region).
fn destination(app: &App, login: &str) -> Result<Destination> {
    if !login.contains('@') {
        Ok(Destination::Phone(
            Phone::parse_in(login, app.config.locale.phone_region)
                .map_err(|e| e.on_field("login"))?,
        ))
    } else {
        Ok(Destination::Email(
            Email::parse(login).map_err(|e| e.on_field("login"))?,
        ))
    }
}

pub async fn reset_form(portal: Portal) -> Response {
    reset_page(&portal, "", &Problems::new(portal.locale))
}

fn reset_page(portal: &Portal, login: &str, problems: &Problems) -> Response {
    let locale = portal.locale;
    let portal = &portal.at("/password-reset", &[]);
    let body = html! {
        h1 { (t(locale, "reset.title")) }
        p.lead { (t(locale, "reset.lead")) }
        (problems.summary(&["login"]))
        (form(portal, "/password-reset", html! {
            (Field::new("login", t(locale, "reset.login"), "text", "username").value(login).render(problems))
            div { button type="submit" { (t(locale, "reset.submit")) } }
        }))
    };
    with_problems(render(portal, &t(locale, "reset.title"), body), problems)
}

/// Asks for a reset code for `login`.
async fn send_reset_code(app: &App, portal: &Portal, login: &str, client: String) -> Result<i64> {
    if login.trim().is_empty() {
        return Err(Error::invalid(Code::PhoneOrEmailRequired).on_field("login"));
    }
    let request = CodeRequest {
        destination: destination(app, login)?,
        purpose: Purpose::ResetPassword,
        locale: portal.locale,
        client,
        account_id: None,
    };
    accounts::request_code(app, request).await
}

fn confirm_path(login: &str, sent: bool) -> String {
    let sent = if sent { "&sent=1" } else { "" };
    format!(
        "/password-reset/confirm?login={}{sent}",
        form_urlencode(login.trim())
    )
}

pub async fn reset(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Response {
    match send_reset_code(&app, &portal, &form.login, client).await {
        Ok(_) => Redirect::to(&confirm_path(&form.login, false)).into_response(),
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => reset_page(&portal, &form.login, &Problems::of(portal.locale, &error)),
    }
}

pub async fn confirm_form(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    Query(query): Query<ResetForm>,
) -> Response {
    let problems = Problems::new(portal.locale);
    confirm_page(&app, &portal, &query, &client, &problems).await
}

async fn confirm_page(
    app: &App,
    portal: &Portal,
    values: &ResetForm,
    client: &str,
    problems: &Problems,
) -> Response {
    let locale = portal.locale;
    let login = values.login.as_str();
    let portal = &portal.at("/password-reset/confirm", &[("login", login)]);
    let wait = match destination(app, login) {
        Ok(to) => resend::wait_secs(app, to.as_str(), client).await,
        Err(_) => 0,
    };
    let body = html! {
        h1 { (t(locale, "reset.confirm_title")) }
        @if values.sent.is_some() && problems.is_empty() {
            (notice(&tf(locale, "code.resent", &[("phone", login)]), false))
        }
        p.lead { (t(locale, "reset.confirm_lead")) }
        (problems.summary(&["login", "code", "new_password"]))
        (form(portal, "/password-reset/confirm", html! {
            (Field::new("login", t(locale, "reset.login"), "text", "username").value(login).render(problems))
            (Field::new("code", t(locale, "reset.code"), "text", "one-time-code").inputmode("numeric").value(&values.code).render(problems))
            (Field::new("new_password", t(locale, "reset.new_password"), "password", "new-password").render(problems))
            div { button type="submit" { (t(locale, "reset.confirm_submit")) } }
        }))
        (resend::form(portal, "/password-reset/confirm/resend", &[("login", login)], wait))
    };
    with_problems(
        render(portal, &t(locale, "reset.confirm_title"), body),
        problems,
    )
}

pub async fn confirm(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Response {
    let mut problems = Problems::new(portal.locale);
    let to = if form.login.trim().is_empty() {
        problems.missing("login", "error.phone_or_email_required");
        None
    } else {
        problems.check(destination(&app, &form.login))
    };
    if form.code.trim().is_empty() {
        problems.missing("code", "form.missing_code");
    }
    problems.check(
        Password::new(
            &form.new_password,
            app.config.accounts.min_password_length,
            &[],
        )
        .map_err(|e| e.on_field("new_password")),
    );
    let Some(to) = to.filter(|_| problems.is_empty()) else {
        return confirm_page(&app, &portal, &form, &client, &problems).await;
    };
    let result = accounts::reset_password(&app, &to, &form.code, &form.new_password)
        .await
        .map_err(|e| {
            if e.code == Code::WeakPassword {
                e.on_field("new_password")
            } else {
                e
            }
        });
    match result {
        Ok(()) => Redirect::to("/login?reset=1").into_response(),
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => {
            let problems = Problems::of(portal.locale, &error);
            confirm_page(&app, &portal, &form, &client, &problems).await
        }
    }
}

/// "Send a new code" on the reset page.
pub async fn confirm_resend(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Response {
    match send_reset_code(&app, &portal, &form.login, client.clone()).await {
        Ok(_) => Redirect::to(&confirm_path(&form.login, true)).into_response(),
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => {
            let problems = Problems::of(portal.locale, &error);
            confirm_page(&app, &portal, &form, &client, &problems).await
        }
    }
}

#[derive(Default, Deserialize)]
pub struct PhoneForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
    sent: Option<String>,
}

pub async fn phone_form(portal: Portal) -> Response {
    if let Err(redirect) = require_account(&portal) {
        return redirect.into_response();
    }
    phone_page(&portal, "", &Problems::new(portal.locale))
}

fn phone_page(portal: &Portal, phone: &str, problems: &Problems) -> Response {
    let locale = portal.locale;
    let portal = &portal.at("/account/phone", &[]);
    let body = html! {
        h1 { (t(locale, "phone.title")) }
        p.lead { (t(locale, "phone.lead")) }
        (problems.summary(&["phone"]))
        (form(portal, "/account/phone", html! {
            (Field::new("phone", t(locale, "phone.new_phone"), "tel", "tel").value(phone)
                .hint(t(locale, "register.phone_hint")).render(problems))
            div { button type="submit" { (t(locale, "phone.submit")) } }
        }))
    };
    with_problems(render(portal, &t(locale, "phone.title"), body), problems)
}

/// Asks for a code to `phone` for the signed-in `account`; the phone in E.164.
async fn send_phone_code(
    app: &App,
    account: &Account,
    phone: &str,
    client: String,
) -> Result<Phone> {
    let phone = Phone::parse_in(phone, app.config.locale.phone_region)?;
    let request = CodeRequest {
        destination: Destination::Phone(phone.clone()),
        purpose: Purpose::ChangePhone,
        locale: account.locale,
        client,
        account_id: Some(account.id.clone()),
    };
    accounts::request_code(app, request).await?;
    Ok(phone)
}

fn phone_confirm_path(phone: &Phone, sent: bool) -> String {
    let sent = if sent { "&sent=1" } else { "" };
    format!(
        "/account/phone/confirm?phone={}{sent}",
        form_urlencode(phone.as_str())
    )
}

pub async fn phone(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<PhoneForm>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    match send_phone_code(&app, &account, &form.phone, client).await {
        Ok(phone) => Redirect::to(&phone_confirm_path(&phone, false)).into_response(),
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => phone_page(&portal, &form.phone, &Problems::of(portal.locale, &error)),
    }
}

pub async fn phone_confirm_form(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    Query(query): Query<PhoneForm>,
) -> Response {
    if let Err(redirect) = require_account(&portal) {
        return redirect.into_response();
    }
    let problems = Problems::new(portal.locale);
    phone_confirm_page(&app, &portal, &query, &client, &problems).await
}

async fn phone_confirm_page(
    app: &App,
    portal: &Portal,
    values: &PhoneForm,
    client: &str,
    problems: &Problems,
) -> Response {
    let locale = portal.locale;
    let phone = values.phone.as_str();
    let portal = &portal.at("/account/phone/confirm", &[("phone", phone)]);
    let wait = match Phone::parse_in(phone, app.config.locale.phone_region) {
        Ok(parsed) => resend::wait_secs(app, parsed.as_str(), client).await,
        Err(_) => 0,
    };
    let body = html! {
        h1 { (t(locale, "phone.confirm_title")) }
        @if values.sent.is_some() && problems.is_empty() {
            (notice(&tf(locale, "code.resent", &[("phone", &super::format::phone(phone))]), false))
        }
        p.lead { (tf(locale, "phone.confirm_lead", &[("phone", &super::format::phone(phone))])) }
        (problems.summary(&["code"]))
        (form(portal, "/account/phone/confirm", html! {
            input type="hidden" name="phone" value=(phone);
            (Field::new("code", t(locale, "phone.code"), "text", "one-time-code").inputmode("numeric").value(&values.code).render(problems))
            div { button type="submit" { (t(locale, "phone.confirm_submit")) } }
        }))
        (resend::form(portal, "/account/phone/confirm/resend", &[("phone", phone)], wait))
    };
    with_problems(
        render(portal, &t(locale, "phone.confirm_title"), body),
        problems,
    )
}

pub async fn phone_confirm(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<PhoneForm>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    if form.code.trim().is_empty() {
        let mut problems = Problems::new(portal.locale);
        problems.missing("code", "form.missing_code");
        return phone_confirm_page(&app, &portal, &form, &client, &problems).await;
    }
    match accounts::change_phone(&app, &account, &form.phone, &form.code).await {
        Ok(_) => Redirect::to("/account?phone_changed=1").into_response(),
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => {
            let problems = Problems::of(portal.locale, &error);
            phone_confirm_page(&app, &portal, &form, &client, &problems).await
        }
    }
}

/// "Send a new code" on the phone-change page.
pub async fn phone_resend(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<PhoneForm>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    match send_phone_code(&app, &account, &form.phone, client.clone()).await {
        Ok(phone) => Redirect::to(&phone_confirm_path(&phone, true)).into_response(),
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => {
            let problems = Problems::of(portal.locale, &error);
            phone_confirm_page(&app, &portal, &form, &client, &problems).await
        }
    }
}
