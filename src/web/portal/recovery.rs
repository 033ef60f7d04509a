//! Password reset and phone change, each in two steps: ask for a code, enter it.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::accounts::{self, CodeRequest, Destination, Email, Phone, Purpose};
use crate::app::App;
use crate::error::{Code, Error, ErrorKind, Result};
use crate::i18n::{t, tf};
use crate::web::extract::ClientAddr;

use super::auth::with_status;
use super::forms::{CsrfForm, Field, error_banner, form};
use super::{Portal, error_page, form_urlencode, render, require_account};

#[derive(Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    new_password: String,
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
    reset_page(&portal, "", None)
}

fn reset_page(portal: &Portal, login: &str, error: Option<&Error>) -> Response {
    let locale = portal.locale;
    let body = html! {
        h1 { (t(locale, "reset.title")) }
        p.lead { (t(locale, "reset.lead")) }
        (error_banner(portal, error, &["login"]))
        (form(portal, "/password-reset", html! {
            (Field::new("login", t(locale, "reset.login"), "text", "username").value(login).render(portal, error))
            div { button type="submit" { (t(locale, "reset.submit")) } }
        }))
    };
    with_status(render(portal, &t(locale, "reset.title"), body), error)
}

pub async fn reset(
    State(app): State<App>,
    portal: Portal,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Response {
    let result = async {
        let request = CodeRequest {
            destination: destination(&app, &form.login)?,
            purpose: Purpose::ResetPassword,
            locale: portal.locale,
            client,
            account_id: None,
        };
        accounts::request_code(&app, request).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!(
            "/password-reset/confirm?login={}",
            form_urlencode(form.login.trim())
        ))
        .into_response(),
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => reset_page(&portal, &form.login, Some(&error)),
    }
}

pub async fn confirm_form(portal: Portal, Query(query): Query<ResetForm>) -> Response {
    confirm_page(&portal, &query.login, None)
}

fn confirm_page(portal: &Portal, login: &str, error: Option<&Error>) -> Response {
    let locale = portal.locale;
    let body = html! {
        h1 { (t(locale, "reset.confirm_title")) }
        p.lead { (t(locale, "reset.confirm_lead")) }
        (error_banner(portal, error, &["login", "code", "new_password"]))
        (form(portal, "/password-reset/confirm", html! {
            (Field::new("login", t(locale, "reset.login"), "text", "username").value(login).render(portal, error))
            (Field::new("code", t(locale, "reset.code"), "text", "one-time-code").inputmode("numeric").render(portal, error))
            (Field::new("new_password", t(locale, "reset.new_password"), "password", "new-password").render(portal, error))
            div { button type="submit" { (t(locale, "reset.confirm_submit")) } }
        }))
    };
    with_status(
        render(portal, &t(locale, "reset.confirm_title"), body),
        error,
    )
}

pub async fn confirm(
    State(app): State<App>,
    portal: Portal,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Response {
    let result = async {
        let destination = destination(&app, &form.login)?;
        accounts::reset_password(&app, &destination, &form.code, &form.new_password)
            .await
            .map_err(|e| {
                if e.code == Code::WeakPassword {
                    e.on_field("new_password")
                } else {
                    e
                }
            })
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/login?reset=1").into_response(),
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => confirm_page(&portal, &form.login, Some(&error)),
    }
}

#[derive(Default, Deserialize)]
pub struct PhoneForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
}

pub async fn phone_form(portal: Portal) -> Response {
    if let Err(redirect) = require_account(&portal) {
        return redirect.into_response();
    }
    phone_page(&portal, "", None)
}

fn phone_page(portal: &Portal, phone: &str, error: Option<&Error>) -> Response {
    let locale = portal.locale;
    let body = html! {
        h1 { (t(locale, "phone.title")) }
        p.lead { (t(locale, "phone.lead")) }
        (error_banner(portal, error, &["phone"]))
        (form(portal, "/account/phone", html! {
            (Field::new("phone", t(locale, "phone.new_phone"), "tel", "tel").value(phone)
                .hint(t(locale, "register.phone_hint")).render(portal, error))
            div { button type="submit" { (t(locale, "phone.submit")) } }
        }))
    };
    with_status(render(portal, &t(locale, "phone.title"), body), error)
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
    let result = async {
        let request = CodeRequest {
            destination: Destination::Phone(Phone::parse_in(
                &form.phone,
                app.config.locale.phone_region,
            )?),
            purpose: Purpose::ChangePhone,
            locale: account.locale,
            client,
            account_id: Some(account.id.clone()),
        };
        accounts::request_code(&app, request).await
    }
    .await;
    match result {
        Ok(_) => {
            let phone = Phone::parse_in(&form.phone, app.config.locale.phone_region)
                .map(|p| p.to_string())
                .unwrap_or_default();
            Redirect::to(&format!(
                "/account/phone/confirm?phone={}",
                form_urlencode(&phone)
            ))
            .into_response()
        }
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => phone_page(&portal, &form.phone, Some(&error)),
    }
}

pub async fn phone_confirm_form(portal: Portal, Query(query): Query<PhoneForm>) -> Response {
    if let Err(redirect) = require_account(&portal) {
        return redirect.into_response();
    }
    phone_confirm_page(&portal, &query.phone, None)
}

fn phone_confirm_page(portal: &Portal, phone: &str, error: Option<&Error>) -> Response {
    let locale = portal.locale;
    let body = html! {
        h1 { (t(locale, "phone.confirm_title")) }
        p.lead { (tf(locale, "phone.confirm_lead", &[("phone", phone)])) }
        (error_banner(portal, error, &["code"]))
        (form(portal, "/account/phone/confirm", html! {
            input type="hidden" name="phone" value=(phone);
            (Field::new("code", t(locale, "phone.code"), "text", "one-time-code").inputmode("numeric").render(portal, error))
            div { button type="submit" { (t(locale, "phone.confirm_submit")) } }
        }))
    };
    with_status(
        render(portal, &t(locale, "phone.confirm_title"), body),
        error,
    )
}

pub async fn phone_confirm(
    State(app): State<App>,
    portal: Portal,
    CsrfForm(form): CsrfForm<PhoneForm>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    match accounts::change_phone(&app, &account, &form.phone, &form.code).await {
        Ok(_) => Redirect::to("/account?phone_changed=1").into_response(),
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => phone_confirm_page(&portal, &form.phone, Some(&error)),
    }
}
