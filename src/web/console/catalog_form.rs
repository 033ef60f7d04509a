//! What the catalog's forms share: the posted fields, the problems of a refused form
//! (each shown beside its field, and all of them in a summary at the top), inputs for
//! amounts per currency and names per language, and times typed in the operator's
//! time zone. The forms' entries are checked by the catalog's own checks (those of
//! `datacard plans import` and the admin API); this file only turns typed text into
//! an entry and its problems back into the page.

use maud::{Markup, html};

use crate::catalog::fields::Problem;
use crate::i18n::{Locale, t};

use super::Console;

/// The fields of a posted form, as sent (a checkbox list repeats its name).
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_owned(), value.into()));
    }

    /// Fields starting `prefix` (`prices.`), as (the rest, value).
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.0.iter().filter_map(move |(key, value)| {
            key.strip_prefix(prefix).map(|rest| (rest, value.as_str()))
        })
    }
}

/// A problem as the page shows it: the shared checks speak English (their words are
/// the API's too); what the form itself finds is in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub field: String,
    pub text: String,
    pub english: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Problems(pub Vec<Shown>);

impl Problems {
    /// A problem the form found reading what was typed.
    pub fn local(&mut self, field: &str, text: String) {
        self.0.push(Shown {
            field: field.to_owned(),
            text,
            english: false,
        });
    }

    /// The shared checks' problems, but for fields the form already found wrong, or
    /// whose parts it did (an amount that is no number is not also "below 1", nor are
    /// the prices then "missing").
    pub fn shared(&mut self, problems: Vec<Problem>) {
        for problem in problems {
            let found = |p: &Shown| {
                !p.english
                    && (p.field == problem.field
                        || p.field
                            .strip_prefix(&problem.field)
                            .is_some_and(|rest| rest.starts_with('.')))
            };
            if !self.0.iter().any(found) {
                self.0.push(Shown {
                    field: problem.field,
                    text: problem.message,
                    english: true,
                });
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn on(&self, field: &str) -> Vec<&Shown> {
        self.0.iter().filter(|p| p.field == field).collect()
    }
}

/// The id of a field's input (`prices.HKD` → `f-prices-HKD`).
pub fn field_id(name: &str) -> String {
    format!("f-{}", name.replace(['.', '_'], "-"))
}

fn problem_text(console: &Console, problem: &Shown) -> Markup {
    html! {
        @if problem.english && console.locale != Locale::En {
            span lang="en" { (problem.text) }
        } @else {
            (problem.text)
        }
    }
}

/// Every problem at the top of the form, each linking to its field.
pub fn summary(console: &Console, problems: &Problems) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.notice.error role="alert" data-testid="form-problems" tabindex="-1" #problems {
                p { strong { (t(console.locale, "console.catalog.refused")) } }
                ul {
                    @for problem in &problems.0 {
                        li data-field=(problem.field) { a href={ "#" (field_id(&problem.field)) } { (problem_text(console, problem)) } }
                    }
                }
            }
        }
    }
}

/// The problems of one field, under it; `None` when it has none (for `aria-describedby`).
fn beside(console: &Console, name: &str, problems: &Problems) -> (Option<String>, Markup) {
    let own = problems.on(name);
    if own.is_empty() {
        return (None, html! {});
    }
    let id = format!("{}-error", field_id(name));
    let markup = html! {
        p.field-error id=(id) data-field-error=(name) {
            @for (n, problem) in own.iter().enumerate() {
                @if n > 0 { br; }
                (problem_text(console, problem))
            }
        }
    };
    (Some(id), markup)
}

/// A labelled input of `kind`, with an optional hint and its problems.
pub fn input(
    console: &Console,
    name: &str,
    label: &str,
    kind: &str,
    value: &str,
    hint: Option<&str>,
    problems: &Problems,
) -> Markup {
    let id = field_id(name);
    let (error_id, errors) = beside(console, name, problems);
    let hint_id = hint.map(|_| format!("{id}-hint"));
    let described: Vec<&str> = [hint_id.as_deref(), error_id.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    html! {
        div.field {
            label for=(id) { (label) }
            // `decimal`: a text input with the number keypad (an amount like 88.00).
            input id=(id) name=(name) type=(if kind == "decimal" { "text" } else { kind }) value=(value) autocomplete="off"
                inputmode=[(kind == "decimal").then_some("decimal")]
                aria-invalid=[error_id.as_ref().map(|_| "true")]
                aria-describedby=[(!described.is_empty()).then(|| described.join(" "))];
            @if let (Some(hint), Some(hint_id)) = (hint, &hint_id) { p.hint id=(hint_id) { (hint) } }
            (errors)
        }
    }
}

/// A labelled `<select>` of (value, text) options.
pub fn select(
    console: &Console,
    name: &str,
    label: &str,
    options: &[(&str, String)],
    chosen: &str,
    problems: &Problems,
) -> Markup {
    let id = field_id(name);
    let (error_id, errors) = beside(console, name, problems);
    html! {
        div.field {
            label for=(id) { (label) }
            select id=(id) name=(name) aria-invalid=[error_id.as_ref().map(|_| "true")] aria-describedby=[error_id.as_deref()] {
                @for (value, text) in options {
                    option value=(value) selected[*value == chosen] { (text) }
                }
            }
            (errors)
        }
    }
}

/// A group of inputs under a legend, with the group's own problems (`prices`).
pub fn group(
    console: &Console,
    name: &str,
    legend: &str,
    problems: &Problems,
    content: Markup,
) -> Markup {
    let (error_id, errors) = beside(console, name, problems);
    html! {
        fieldset.group id=(field_id(name)) aria-describedby=[error_id.as_deref()] {
            legend { (legend) }
            (errors)
            (content)
        }
    }
}

/// A checkbox, checked when the form (or the entry) says so.
pub fn checkbox(name: &str, value: &str, label: &str, checked: bool) -> Markup {
    let id = format!("{}-{}", field_id(name), value.replace(['.', '_'], "-"));
    html! {
        label.check for=(id) {
            input id=(id) type="checkbox" name=(name) value=(value) checked[checked];
            " " (label)
        }
    }
}

pub use super::catalog_values::{
    amounts, decimal, local_input, names, read_amounts, read_instant, read_names,
};
