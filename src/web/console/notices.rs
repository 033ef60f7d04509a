//! After a form on the customer page or the attention list: back where the member
//! was (the page and the section), saying what came of it — `?said=…` for what was
//! done, `?problem=<code>` for the error that stopped it — so that a reload does not
//! send the form again.

use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::error::{Code, Error};
use crate::i18n::t;

use super::Console;
use super::layout::{error_notice, notice};

/// What the forms of this file may say was done (each is `console.said.<word>`).
const SAID: [&str; 6] = [
    "resent",
    "resend_failed",
    "marked",
    "cleared",
    "fulfilled",
    "queried",
];

/// The page's `?said=`, `?problem=` and `?at=` (the section they are about).
#[derive(Deserialize, Default)]
pub struct Said {
    #[serde(default)]
    said: Option<String>,
    #[serde(default)]
    problem: Option<String>,
    #[serde(default)]
    at: Option<String>,
}

impl Said {
    /// The notice for the section `section`, if the outcome is about it.
    pub fn notice(&self, console: &Console, section: &str) -> Markup {
        if self.at.as_deref() != Some(section) {
            return html! {};
        }
        let problem = self
            .problem
            .as_deref()
            .and_then(|code| Code::ALL.iter().find(|c| c.as_str() == code))
            .map(|code| Error::of(*code));
        let said = self.said.as_deref().filter(|word| SAID.contains(word));
        html! {
            @if let Some(error) = &problem { (error_notice(console, error)) }
            @if let Some(word) = said {
                (notice(&t(console.locale, &format!("console.said.{word}")), word.ends_with("failed")))
            }
        }
    }
}

/// Where a form goes back to: the attention list, or a customer's page.
pub enum Back {
    Attention,
    Customer(String),
}

impl Back {
    /// The form's `back` field: `attention`, or an account id for its page (anything
    /// else goes to the customers' search).
    pub fn parse(text: &str) -> Back {
        if text == "attention" {
            Back::Attention
        } else {
            Back::Customer(text.to_owned())
        }
    }

    /// Back to `section`, saying `said` or the error's code.
    pub fn to(&self, section: &str, outcome: Result<&str, &Error>) -> Response {
        let query = match outcome {
            Ok(word) => format!("said={word}"),
            Err(error) => format!("problem={}", error.code),
        };
        let page = match self {
            Back::Attention => "/admin/payments/attention".to_owned(),
            // Ids are ours (letters, digits, `_`); anything else is not a page of ours.
            Back::Customer(id)
                if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                format!("/admin/customers/{id}")
            }
            Back::Customer(_) => "/admin/customers".to_owned(),
        };
        Redirect::to(&format!("{page}?{query}&at={section}#{section}")).into_response()
    }
}
