//! Fields every entry of the catalog file may have — names by language, instants,
//! amounts per currency — each checked with a message that says what is wrong and
//! what would be right. Plans use them here; promotions and coupons reuse them.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::money::Currency;

/// One thing wrong with an entry: the field it is about (as the entry names it:
/// `zone`, `prices.HKD`, `names.en`), and what is wrong in words that say what would
/// be right. The file import and the admin API show the words; the console shows each
/// beside its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The problems as the API's `error.details` and the file import list them.
pub fn messages(problems: &[Problem]) -> Vec<String> {
    problems.iter().map(ToString::to_string).collect()
}

/// A TOML date-time or an RFC 3339 text (as JSON sends it), with its offset.
pub fn instant(
    problems: &mut Vec<Problem>,
    value: Option<&toml::Value>,
    field: &str,
) -> Option<DateTime<Utc>> {
    let text = match value? {
        toml::Value::Datetime(datetime) => datetime.to_string(),
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    DateTime::parse_from_rfc3339(&text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| {
            problems.push(Problem::new(field, format!(
                "{field} must be a date and time with its offset, e.g. 2026-12-01T00:00:00+08:00 (got {text})"
            )))
        })
        .ok()
}

/// Names by language: English needed, each 1–80 characters of text (no `<` or `>`:
/// a name is text, never markup), each under the exact tag of a language the portal
/// serves (a name under `zh-Hans` would never be shown).
pub fn names(
    problems: &mut Vec<Problem>,
    raw: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let mut english_refused = false;
    for (language, name) in raw {
        let served = crate::i18n::Locale::parse(&language).map(|l| l.tag());
        let field = format!("names.{language}");
        if served.is_none() {
            problems.push(Problem::new(
                "names",
                format!(
                    "names has an unknown language {language:?} (en, zh-HK and zh-CN are served)"
                ),
            ));
        } else if let Some(tag) = served.filter(|tag| *tag != language) {
            problems.push(Problem::new(
                "names",
                format!("names has {language:?}: write it as {tag:?}, the language it is shown in"),
            ));
        } else if name.trim().is_empty() || name.chars().count() > 80 {
            english_refused |= language == "en";
            problems.push(Problem::new(
                field,
                format!("name in {language} must be 1–80 characters"),
            ));
        } else if name.contains(['<', '>']) {
            english_refused |= language == "en";
            problems.push(Problem::new(
                field,
                format!("name in {language} must be text without < or >"),
            ));
        } else {
            names.insert(language, name.trim().to_owned());
        }
    }
    if !names.contains_key("en") && !english_refused {
        problems.push(Problem::new(
            "names.en",
            "an English name (names.en) is needed",
        ));
    }
    names
}

/// Minor units per currency as an entry writes them, e.g. `{"HKD": 8800}`.
pub fn money_map(amounts: &BTreeMap<Currency, i64>) -> Value {
    Value::Object(
        amounts
            .iter()
            .map(|(currency, amount)| (currency.as_str().to_owned(), json!(amount)))
            .collect(),
    )
}
