//! Console forms: every POST carries the CSRF token of the console session (or of
//! the pre-session cookie, for the login and enrolment forms), checked before the
//! handler runs.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::error::{Code, Error, ErrorKind};

use super::{Console, error_page};

pub struct ConsoleForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<App> for ConsoleForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Self::Rejection> {
        let Some(console) = request.extensions().get::<Console>().cloned() else {
            return Err(Error::internal(anyhow::anyhow!("console context missing")).into_response());
        };
        let bytes = Bytes::from_request(request, app).await.map_err(|_| {
            error_page(
                &console,
                &Error::new(ErrorKind::TooLarge, Code::BodyTooLarge),
            )
        })?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| error_page(&console, &Error::invalid(Code::InvalidForm)))?;
        let sent = pairs
            .iter()
            .find(|(key, _)| key == "csrf")
            .map(|(_, value)| value.as_str())
            .unwrap_or("");
        let matches: bool = sent.as_bytes().ct_eq(console.csrf.as_bytes()).into();
        if console.csrf.is_empty() || !matches {
            tracing::info!("console form refused: CSRF token missing or wrong");
            return Err(error_page(
                &console,
                &Error::new(ErrorKind::Forbidden, Code::CsrfFailed),
            ));
        }
        let value = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| error_page(&console, &Error::invalid(Code::InvalidForm)))?;
        Ok(ConsoleForm(value))
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
