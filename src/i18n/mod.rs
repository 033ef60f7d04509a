//! Every user-visible string lives in a message catalog, one TOML file per language.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Locale {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-HK")]
    ZhHk,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhHk, Locale::En];

    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhHk => "zh-HK",
        }
    }

    /// The language's own name, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::ZhHk => "繁體中文",
        }
    }

    /// Exact tags we serve, plus the close relatives that read the same script.
    pub fn parse(tag: &str) -> Option<Locale> {
        let tag = tag.trim().to_ascii_lowercase();
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        match (primary, tag.as_str()) {
            ("en", _) => Some(Locale::En),
            // zh-CN has no catalog yet; Traditional is closer for a Chinese reader than English.
            ("zh", _) => Some(Locale::ZhHk),
            _ => None,
        }
    }

    /// Picks from an `Accept-Language` header by quality, first match wins on ties.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(f32, Locale)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(locale) = Locale::parse(tag)
                && quality > 0.0
                && best.is_none_or(|(q, _)| quality > q)
            {
                best = Some((quality, locale));
            }
        }
        best.map(|(_, locale)| locale)
    }
}

type Catalog = HashMap<String, String>;

fn catalogs() -> &'static HashMap<Locale, Catalog> {
    static CATALOGS: OnceLock<HashMap<Locale, Catalog>> = OnceLock::new();
    CATALOGS.get_or_init(|| {
        let mut all = HashMap::new();
        all.insert(Locale::En, load(include_str!("en.toml")));
        all.insert(Locale::ZhHk, load(include_str!("zh-HK.toml")));
        all
    })
}

fn load(text: &str) -> Catalog {
    // The catalogs are compiled in and checked by tests; a broken one is a build defect.
    let tree: toml::Table = toml::from_str(text).unwrap_or_default();
    let mut out = HashMap::new();
    flatten(&tree, String::new(), &mut out);
    out
}

fn flatten(table: &toml::Table, prefix: String, out: &mut Catalog) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => flatten(inner, path, out),
            toml::Value::String(text) => {
                out.insert(path, text.clone());
            }
            _ => {}
        }
    }
}

/// The text for `key`; a missing key shows itself, so it is noticed, never a blank.
pub fn t(locale: Locale, key: &str) -> String {
    catalogs()
        .get(&locale)
        .and_then(|c| c.get(key))
        .or_else(|| catalogs().get(&Locale::En).and_then(|c| c.get(key)))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// `t` with `{name}` placeholders filled in.
pub fn tf(locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
    let mut text = t(locale, key);
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// `tf` for a count: `{key}.one` when `count` is 1, else `{key}.other` (`key` itself
/// when the catalog has no plural forms for it), so that no text says "period(s)".
pub fn tn(locale: Locale, key: &str, count: i64, args: &[(&str, &str)]) -> String {
    let form = if count == 1 { "one" } else { "other" };
    let plural = format!("{key}.{form}");
    if t(locale, &plural) == plural {
        tf(locale, key, args)
    } else {
        tf(locale, &plural, args)
    }
}

#[cfg(test)]
mod terms;

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(text: &str) -> Vec<String> {
        let mut out: Vec<String> = text
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn catalogs_parse_and_have_the_same_keys_and_placeholders() {
        for source in [include_str!("en.toml"), include_str!("zh-HK.toml")] {
            toml::from_str::<toml::Table>(source).expect("catalog is valid TOML");
        }
        let en = &catalogs()[&Locale::En];
        let zh = &catalogs()[&Locale::ZhHk];
        assert!(en.len() > 50);
        let mut missing: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
        missing.extend(zh.keys().filter(|k| !en.contains_key(*k)));
        assert!(missing.is_empty(), "keys in one catalog only: {missing:?}");
        for (key, text) in en {
            assert_eq!(
                placeholders(text),
                placeholders(&zh[key]),
                "placeholders differ for {key}"
            );
        }
    }

    #[test]
    fn accept_language_picks_by_quality() {
        assert_eq!(
            Locale::from_accept_language("en-GB,en;q=0.9"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("fr, zh-HK;q=0.8, en;q=0.5"),
            Some(Locale::ZhHk)
        );
        assert_eq!(Locale::from_accept_language("zh-TW"), Some(Locale::ZhHk));
        assert_eq!(Locale::from_accept_language("fr, de;q=0.5"), None);
        assert_eq!(
            Locale::from_accept_language("en;q=0, zh;q=0.1"),
            Some(Locale::ZhHk)
        );
    }

    #[test]
    fn placeholders_are_filled() {
        let text = tf(
            Locale::En,
            "message.code.body",
            &[("code", "123456"), ("minutes", "10")],
        );
        assert!(
            text.contains("123456") && text.contains("10 minutes"),
            "{text}"
        );
        assert!(!text.contains('{'));
        assert_eq!(t(Locale::ZhHk, "no.such.key"), "no.such.key");
    }
}
