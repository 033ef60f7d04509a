//! Forms: every POST carries the CSRF token, checked before the handler runs, and
//! fields render with labels, hints and their error.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::error::{Code, Error, ErrorKind};
use crate::i18n::t;

use super::{Portal, error_page};

/// A form body whose CSRF token is the one this session (or pre-session) gets.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<App> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Self::Rejection> {
        let Some(portal) = request.extensions().get::<Portal>().cloned() else {
            return Err(Error::internal(anyhow::anyhow!("portal context missing")).into_response());
        };
        let bytes = Bytes::from_request(request, app).await.map_err(|_| {
            error_page(
                &portal,
                &Error::new(ErrorKind::TooLarge, Code::BodyTooLarge),
            )
        })?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| error_page(&portal, &Error::invalid(Code::InvalidForm)))?;
        let sent = pairs
            .iter()
            .find(|(key, _)| key == "csrf")
            .map(|(_, value)| value.as_str())
            .unwrap_or("");
        let matches: bool = sent.as_bytes().ct_eq(portal.csrf.as_bytes()).into();
        if portal.csrf.is_empty() || !matches {
            tracing::info!("form refused: CSRF token missing or wrong");
            return Err(error_page(
                &portal,
                &Error::new(ErrorKind::Forbidden, Code::CsrfFailed),
            ));
        }
        let value = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| error_page(&portal, &Error::invalid(Code::InvalidForm)))?;
        Ok(CsrfForm(value))
    }
}

/// `<form method=post>` with the hidden CSRF token.
pub fn form(portal: &Portal, action: &str, content: Markup) -> Markup {
    html! {
        form.stack method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(portal.csrf);
            (content)
        }
    }
}

pub struct Field<'a> {
    pub name: &'static str,
    pub label: String,
    pub kind: &'static str,
    pub value: &'a str,
    pub hint: Option<String>,
    pub autocomplete: &'static str,
    pub inputmode: Option<&'static str>,
}

impl<'a> Field<'a> {
    pub fn new(
        name: &'static str,
        label: String,
        kind: &'static str,
        autocomplete: &'static str,
    ) -> Self {
        Self {
            name,
            label,
            kind,
            value: "",
            hint: None,
            autocomplete,
            inputmode: None,
        }
    }

    pub fn value(mut self, value: &'a str) -> Self {
        self.value = value;
        self
    }

    pub fn hint(mut self, hint: String) -> Self {
        self.hint = Some(hint);
        self
    }

    pub fn inputmode(mut self, mode: &'static str) -> Self {
        self.inputmode = Some(mode);
        self
    }

    /// The input with its label; marked invalid and described by the error when
    /// `error` is about this field.
    pub fn render(&self, portal: &Portal, error: Option<&Error>) -> Markup {
        let id = format!("f-{}", self.name);
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let own_error = error.filter(|e| e.field == Some(self.name));
        let mut described = Vec::new();
        if self.hint.is_some() {
            described.push(hint_id.clone());
        }
        if own_error.is_some() {
            described.push(error_id.clone());
        }
        let described = (!described.is_empty()).then(|| described.join(" "));
        html! {
            div {
                label for=(id) { (self.label) }
                @if let Some(hint) = &self.hint { span.hint id=(hint_id) { (hint) } }
                input id=(id) name=(self.name) type=(self.kind) value=(self.value) required
                    autocomplete=(self.autocomplete) inputmode=[self.inputmode]
                    aria-invalid=[own_error.map(|_| "true")] aria-describedby=[described];
                @if let Some(error) = own_error {
                    p.field-error id=(error_id) role="alert" { (t(portal.locale, &format!("error.{}", error.code))) }
                }
            }
        }
    }
}

/// The error at the top of a form, announced to screen readers. An error about one
/// of `fields` (the inputs the form shows) is shown at that field instead.
pub fn error_banner(portal: &Portal, error: Option<&Error>, fields: &[&str]) -> Markup {
    html! {
        @if let Some(error) = error.filter(|e| e.field.is_none_or(|f| !fields.contains(&f))) {
            (super::layout::notice(&t(portal.locale, &format!("error.{}", error.code)), true))
        }
    }
}
