//! Console forms: every POST carries the CSRF token of the console session (or of
//! the pre-session cookie, for the login and enrolment forms), checked before the
//! handler runs.

use axum::extract::{FromRequest, Request};
use axum::response::Response;
use maud::{Markup, html};
use serde::de::DeserializeOwned;

use crate::app::App;
use crate::error::Error;

use super::{Console, error_page};

pub struct ConsoleForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<App> for ConsoleForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Self::Rejection> {
        crate::web::csrf::read::<T, Console>(request, app)
            .await
            .map(ConsoleForm)
    }
}

impl crate::web::csrf::FormContext for Console {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn refusal(&self, error: &crate::error::Error) -> Response {
        error_page(self, error)
    }
}

/// `<form method=post>` with the hidden CSRF token.
pub fn form(console: &Console, action: &str, content: Markup) -> Markup {
    html! {
        form.stack method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(console.csrf);
            (content)
        }
    }
}

/// A labelled input; marked invalid, and described by the error, when `error` is
/// about it.
pub fn field(
    console: &Console,
    name: &'static str,
    label: &str,
    kind: &str,
    value: &str,
    autocomplete: &str,
    error: Option<&Error>,
) -> Markup {
    let id = format!("f-{name}");
    let own = error.filter(|e| e.field == Some(name));
    html! {
        div.field {
            label for=(id) { (label) }
            input id=(id) name=(name) type=(kind) value=(value) autocomplete=(autocomplete)
                aria-invalid=[own.map(|_| "true")] aria-describedby=[own.map(|_| format!("{id}-error"))];
            @if let Some(error) = own {
                p.field-error id={ (id) "-error" } { (crate::i18n::t(console.locale, &format!("error.{}", error.code))) }
            }
        }
    }
}
