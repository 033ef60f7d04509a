//! Forms: every POST carries the CSRF token, checked before the handler runs, and
//! fields render with labels, hints and their error.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::de::DeserializeOwned;

use crate::app::App;
use crate::error::{Error, Result};
use crate::i18n::{Locale, t, tf};
use crate::web::error::status_of;

use super::{Portal, error_page};

/// A form body whose CSRF token is the one this session (or pre-session) gets.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<App> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Self::Rejection> {
        crate::web::csrf::read::<T, Portal>(request, app)
            .await
            .map(CsrfForm)
    }
}

impl crate::web::csrf::FormContext for Portal {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn refusal(&self, error: &Error) -> Response {
        error_page(self, error)
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

    /// The input with its label; marked invalid and described by its problem when
    /// `problems` has one for this field.
    pub fn render(&self, problems: &Problems) -> Markup {
        let id = format!("f-{}", self.name);
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let own = problems.at(self.name);
        let mut described = Vec::new();
        if self.hint.is_some() {
            described.push(hint_id.clone());
        }
        if own.is_some() {
            described.push(error_id.clone());
        }
        let described = (!described.is_empty()).then(|| described.join(" "));
        html! {
            div {
                label for=(id) { (self.label) }
                @if let Some(hint) = &self.hint { span.hint id=(hint_id) { (hint) } }
                input id=(id) name=(self.name) type=(self.kind) value=(self.value) required
                    autocomplete=(self.autocomplete) inputmode=[self.inputmode]
                    aria-invalid=[own.map(|_| "true")] aria-describedby=[described];
                @if let Some(problem) = own {
                    p.field-error id=(error_id) { (problem.text) }
                }
            }
        }
    }
}

/// One thing wrong with a submitted form, in the reader's language: at a field, or
/// about the form as a whole.
pub struct Problem {
    pub field: Option<&'static str>,
    pub text: String,
}

/// Everything wrong with a submitted form, found at once: each field's problem is
/// shown at the field, and all of them in one summary at the top (the one alert).
pub struct Problems {
    locale: Locale,
    list: Vec<Problem>,
    status: StatusCode,
}

impl Problems {
    pub fn new(locale: Locale) -> Self {
        Self {
            locale,
            list: Vec::new(),
            status: StatusCode::OK,
        }
    }

    /// The problems of one refusal.
    pub fn of(locale: Locale, error: &Error) -> Self {
        let mut problems = Self::new(locale);
        problems.add(error);
        problems
    }

    /// Adds a refusal: its `error.<code>` text, with when to try again if it says.
    pub fn add(&mut self, error: &Error) {
        let mut text = t(self.locale, &format!("error.{}", error.code));
        if let Some(secs) = error.retry_after_secs {
            let wait = super::format::wait(self.locale, secs);
            text = format!(
                "{text} {}",
                tf(self.locale, "form.retry_after", &[("wait", &wait)])
            );
        }
        if self.list.is_empty() {
            self.status = status_of(error);
        }
        self.list.push(Problem {
            field: error.field,
            text,
        });
    }

    /// An empty field: the catalog's `key` says what to type.
    pub fn missing(&mut self, field: &'static str, key: &str) {
        if self.list.is_empty() {
            self.status = StatusCode::BAD_REQUEST;
        }
        self.list.push(Problem {
            field: Some(field),
            text: t(self.locale, key),
        });
    }

    /// A problem with the form as a whole, in the catalog's words (`key`).
    pub fn about_form(&mut self, key: &str, status: StatusCode) {
        if self.list.is_empty() {
            self.status = status;
        }
        self.list.push(Problem {
            field: None,
            text: t(self.locale, key),
        });
    }

    /// The value, or `None` with its refusal noted.
    pub fn check<T>(&mut self, result: Result<T>) -> Option<T> {
        result.map_err(|error| self.add(&error)).ok()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The problem at `field`, the first one if it has several.
    pub fn at(&self, field: &str) -> Option<&Problem> {
        self.list.iter().find(|p| p.field == Some(field))
    }

    /// The status a page showing these problems answers with (200 when none).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The summary at the top of the form: one alert naming every problem, each
    /// linked to its field when the form shows it (one of `fields`).
    pub fn summary(&self, fields: &[&str]) -> Markup {
        let locale = self.locale;
        html! {
            @if !self.list.is_empty() {
                div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                    h2 #error-summary-title {
                        @if self.list.len() == 1 { (t(locale, "form.problem_one")) }
                        @else { (tf(locale, "form.problem_other", &[("count", &self.list.len().to_string())])) }
                    }
                    ul {
                        @for problem in &self.list {
                            li {
                                @match problem.field.filter(|f| fields.contains(f)) {
                                    Some(field) => { a href={ "#f-" (field) } { (problem.text) } }
                                    None => { (problem.text) }
                                }
                            }
                        }
                    }
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
