//! Staff (admins only): who has a console login with which role, new members with
//! their one-time enrolment link, disabling a member.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::app::App;
use crate::error::{Error, ErrorKind};
use crate::i18n::{t, tf};
use crate::staff::{self, Permission, Role};
use crate::web::error::status_of;
use crate::web::portal::format::datetime;

use super::forms::{ConsoleForm, field, form};
use super::{Console, error_page, render};

pub async fn list(State(app): State<App>, console: Console) -> Response {
    if let Err(response) = console.require(Permission::ManageStaff) {
        return *response;
    }
    page(&app, &console, None, "", None).await
}

async fn page(
    app: &App,
    console: &Console,
    created: Option<&staff::Enrolment>,
    email: &str,
    error: Option<&Error>,
) -> Response {
    let locale = console.locale;
    let members = match staff::list(app).await {
        Ok(members) => members,
        Err(error) => return error_page(console, &error),
    };
    let me = console.member.as_ref().map(|m| m.id.as_str()).unwrap_or("");
    let body = html! {
        h1 { (t(locale, "console.staff_title")) }
        @if let Some(created) = created {
            section.card role="status" aria-labelledby="link-h" {
                h2 #link-h { (tf(locale, "console.staff.created", &[("email", &created.member.email)])) }
                p { (tf(locale, "console.staff.link_help", &[("time", &datetime(locale, created.expires_at, app.config.time_zone()))])) }
                p.secret data-testid="enrolment-link" { (created.link(&app.config.public_url())) }
            }
        }
        @if let Some(error) = error {
            (super::layout::error_notice(console, error))
        }
        table data-testid="staff" {
            thead { tr {
                th scope="col" { (t(locale, "console.email")) }
                th scope="col" { (t(locale, "console.staff.role")) }
                th scope="col" { (t(locale, "console.staff.state")) }
                th scope="col" { span.skip-label { (t(locale, "console.staff.actions")) } }
            } }
            tbody {
                @for member in &members {
                    tr data-email=(member.email) {
                        td { (member.email) }
                        td { (t(locale, &format!("console.role.{}", member.role.as_str()))) }
                        td {
                            @if member.disabled_at.is_some() { (t(locale, "console.staff.disabled")) }
                            @else if member.enrolled_at.is_some() { (t(locale, "console.staff.active")) }
                            @else { (t(locale, "console.staff.invited")) }
                        }
                        td {
                            @if member.disabled_at.is_none() && member.id != me {
                                (form(console, &format!("/admin/staff/{}/disable", member.id), html! {
                                    input type="hidden" name="email" value=(member.email);
                                    button.danger type="submit" aria-label={ (t(locale, "console.staff.disable")) " " (member.email) } { (t(locale, "console.staff.disable")) }
                                }))
                            }
                        }
                    }
                }
            }
        }
        section.card aria-labelledby="new-h" {
            h2 #new-h { (t(locale, "console.staff.new")) }
            (form(console, "/admin/staff", html! {
                (field(console, "email", &t(locale, "console.email"), "email", email, "off", error))
                div.field {
                    label for="f-role" { (t(locale, "console.staff.role")) }
                    select #f-role name="role" {
                        @for role in Role::ALL {
                            option value=(role.as_str()) selected[role == Role::Viewer] { (t(locale, &format!("console.role.{}", role.as_str()))) }
                        }
                    }
                }
                div { button type="submit" { (t(locale, "console.staff.create")) } }
            }))
        }
    };
    let mut response = render(console, &t(locale, "console.staff_title"), body);
    if let Some(error) = error {
        *response.status_mut() = status_of(error);
    }
    response
}

#[derive(Deserialize)]
pub struct NewMember {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub async fn create(
    State(app): State<App>,
    console: Console,
    ConsoleForm(new): ConsoleForm<NewMember>,
) -> Response {
    let actor = match console.require(Permission::ManageStaff) {
        Ok(member) => member.actor(),
        Err(response) => return *response,
    };
    let created = match Role::parse(&new.role) {
        Ok(role) => staff::create(&app, &new.email, role, &actor).await,
        Err(error) => Err(error),
    };
    match created {
        Ok(enrolment) => page(&app, &console, Some(&enrolment), "", None).await,
        Err(error) if error.kind == ErrorKind::Internal => error_page(&console, &error),
        Err(error) => page(&app, &console, None, &new.email, Some(&error)).await,
    }
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    email: String,
}

pub async fn disable(
    State(app): State<App>,
    console: Console,
    Path(id): Path<String>,
    ConsoleForm(form): ConsoleForm<DisableForm>,
) -> Response {
    let me = match console.require(Permission::ManageStaff) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let target = match staff::find_by_email(&app, &form.email).await {
        Ok(Some(member)) if member.id == id && member.id != me.id => member,
        Ok(_) => return error_page(&console, &Error::not_found(crate::error::Code::NotFound)),
        Err(error) => return error_page(&console, &error),
    };
    match staff::disable(&app, &target.email, &me.actor()).await {
        Ok(_) => Redirect::to("/admin/staff").into_response(),
        Err(error) => error_page(&console, &error),
    }
}
