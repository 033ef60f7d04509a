//! Fields every entry of the catalog file may have — names by language, instants,
//! amounts per currency — each checked with a message that says what is wrong and
//! what would be right. Plans use them here; promotions and coupons reuse them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::money::Currency;

/// A TOML date-time or an RFC 3339 text (as JSON sends it), with its offset.
pub fn instant(
    problems: &mut Vec<String>,
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
            problems.push(format!(
                "{field} must be a date and time with its offset, e.g. 2026-12-01T00:00:00+08:00 (got {text})"
            ))
        })
        .ok()
}

/// Names by language: English needed, each 1–80 characters, each under the exact tag
/// of a language the portal serves (a name under `zh-Hans` would never be shown).
pub fn names(
    problems: &mut Vec<String>,
    raw: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for (language, name) in raw {
        let served = crate::i18n::Locale::parse(&language).map(|l| l.tag());
        if served.is_none() {
            problems.push(format!(
                "names has an unknown language {language:?} (en, zh-HK and zh-CN are served)"
            ));
        } else if let Some(tag) = served.filter(|tag| *tag != language) {
            problems.push(format!(
                "names has {language:?}: write it as {tag:?}, the language it is shown in"
            ));
        } else if name.trim().is_empty() || name.chars().count() > 80 {
            problems.push(format!("name in {language} must be 1–80 characters"));
        } else {
            names.insert(language, name.trim().to_owned());
        }
    }
    if !names.contains_key("en") {
        problems.push("an English name (names.en) is needed".to_owned());
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
