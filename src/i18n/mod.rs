//! Every user-visible string lives in a message catalog, one TOML file per language.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Locale {
    #[serde(rename = "en")]
    En,
    /// Traditional Chinese as Hong Kong writes it.
    #[serde(rename = "zh-HK")]
    ZhHk,
    /// Simplified Chinese as the Mainland writes it.
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Locale {
    /// In the order the language switch shows them.
    pub const ALL: [Locale; 3] = [Locale::ZhHk, Locale::ZhCn, Locale::En];

    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhHk => "zh-HK",
            Locale::ZhCn => "zh-CN",
        }
    }

    /// The language's own name, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::ZhHk => "繁體中文",
            Locale::ZhCn => "简体中文",
        }
    }

    /// Where a text missing in this language is looked for next: the other Chinese
    /// before English (a Chinese reader reads either script more easily than English),
    /// English last.
    pub fn fallbacks(self) -> &'static [Locale] {
        match self {
            Locale::En => &[Locale::En],
            Locale::ZhHk => &[Locale::ZhHk, Locale::ZhCn, Locale::En],
            Locale::ZhCn => &[Locale::ZhCn, Locale::ZhHk, Locale::En],
        }
    }

    /// Exact tags we serve, plus the close relatives that read the same script.
    ///
    /// For Chinese the script subtag decides (`zh-Hans-HK` is Simplified, `zh-Hant-CN`
    /// Traditional); without one, the region: Hong Kong, Taiwan and Macau write
    /// Traditional, everywhere else (the Mainland, Singapore, Malaysia) Simplified. A
    /// bare `zh` means Simplified, as CLDR's likely subtags (`zh` → `zh-Hans-CN`) and the
    /// browsers that send it mean it; a Hong Kong reader's browser sends `zh-HK` or
    /// `zh-TW`, and a request with no language at all still gets the configured default.
    /// Cantonese (`yue`) is written in Traditional unless it says `Hans`.
    pub fn parse(tag: &str) -> Option<Locale> {
        let tag = tag.trim().to_ascii_lowercase();
        let mut subtags = tag.split(['-', '_']);
        let primary = subtags.next().unwrap_or("");
        let rest: Vec<&str> = subtags.collect();
        let traditional = || {
            rest.contains(&"hant")
                || (!rest.contains(&"hans")
                    && rest.iter().any(|s| matches!(*s, "hk" | "tw" | "mo")))
        };
        match primary {
            "en" => Some(Locale::En),
            "zh" | "cmn" if traditional() => Some(Locale::ZhHk),
            "zh" | "cmn" => Some(Locale::ZhCn),
            "yue" if rest.contains(&"hans") => Some(Locale::ZhCn),
            "yue" => Some(Locale::ZhHk),
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
        all.insert(Locale::ZhCn, load(include_str!("zh-CN.toml")));
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

/// The text for `key`, else its text in the language's fallbacks; a key missing
/// everywhere shows itself, so it is noticed, never a blank.
pub fn t(locale: Locale, key: &str) -> String {
    locale
        .fallbacks()
        .iter()
        .find_map(|l| catalogs().get(l).and_then(|c| c.get(key)))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// A name an operator gave by language tag (a plan's, an offer's): the reader's
/// language, else its fallbacks'.
pub fn name_in(names: &BTreeMap<String, String>, locale: Locale) -> Option<&str> {
    locale
        .fallbacks()
        .iter()
        .find_map(|l| names.get(l.tag()))
        .map(String::as_str)
}

/// Every key of `locale`'s catalog, sorted.
pub fn keys(locale: Locale) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = catalogs()
        .get(&locale)
        .map(|c| c.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
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

    fn source(locale: Locale) -> &'static str {
        match locale {
            Locale::En => include_str!("en.toml"),
            Locale::ZhHk => include_str!("zh-HK.toml"),
            Locale::ZhCn => include_str!("zh-CN.toml"),
        }
    }

    #[test]
    fn catalogs_parse_and_have_the_same_keys_and_placeholders() {
        let en = &catalogs()[&Locale::En];
        assert!(en.len() > 50);
        for locale in Locale::ALL {
            toml::from_str::<toml::Table>(source(locale)).expect("catalog is valid TOML");
            let other = &catalogs()[&locale];
            let mut missing: Vec<_> = en.keys().filter(|k| !other.contains_key(*k)).collect();
            missing.extend(other.keys().filter(|k| !en.contains_key(*k)));
            missing.sort();
            assert!(
                missing.is_empty(),
                "keys in en or {} only (scripts/i18n_missing.py lists them): {missing:?}",
                locale.tag()
            );
            for (key, text) in en {
                assert_eq!(
                    placeholders(text),
                    placeholders(&other[key]),
                    "placeholders differ for {key} in {}",
                    locale.tag()
                );
            }
        }
    }

    /// The Simplified catalog is its own text, not the Traditional one with a few
    /// characters swapped: no Traditional-only character is left in it.
    #[test]
    fn the_simplified_catalog_has_no_traditional_characters() {
        const TRADITIONAL: &str = "們個這對過還時間會後開關電話號碼帳戶網絡數據計劃續費儲錢餘額體驗證碼訊單擇權點擊幣應裝線請設換輸讀確認";
        for (key, text) in &catalogs()[&Locale::ZhCn] {
            let found: String = text.chars().filter(|c| TRADITIONAL.contains(*c)).collect();
            assert!(found.is_empty(), "{key} has Traditional {found}: {text}");
        }
    }

    /// SMS texts stay within four concatenated UCS-2 segments (4 × 67 characters) with
    /// long placeholder values filled in, so a gateway does not split them further.
    #[test]
    fn chinese_sms_texts_are_short() {
        let link = "https://my.example.hk/checkout?plan=HK-30D-UNL&iccid=8985200000000000012";
        let args = [
            ("code", "123456"),
            ("minutes", "10"),
            ("url", "https://my.example.hk/reset"),
            ("phone", "+852 ••••4567"),
            ("line", "0012"),
            ("link", link),
            ("amount", "HK$188.00"),
            ("ends", "2026年12月15日 02:34"),
        ];
        for locale in [Locale::ZhHk, Locale::ZhCn] {
            for (key, _) in catalogs()[&locale]
                .iter()
                .filter(|(k, _)| k.ends_with(".body"))
            {
                let text = tf(locale, key, &args);
                assert!(
                    text.chars().count() <= 4 * 67,
                    "{key} in {}: {text}",
                    locale.tag()
                );
            }
        }
    }

    #[test]
    fn tags_parse_to_the_script_they_read() {
        for tag in [
            "zh-CN",
            "zh-cn",
            "zh_CN",
            "zh-SG",
            "zh-MY",
            "zh-Hans",
            "zh-Hans-CN",
            "zh-Hans-HK",
            "zh",
            "cmn-Hans",
            "yue-Hans",
        ] {
            assert_eq!(Locale::parse(tag), Some(Locale::ZhCn), "{tag}");
        }
        for tag in [
            "zh-HK",
            "zh-hk",
            "zh-TW",
            "zh-MO",
            "zh-Hant",
            "zh-Hant-TW",
            "zh-Hant-CN",
            "yue",
            "yue-HK",
        ] {
            assert_eq!(Locale::parse(tag), Some(Locale::ZhHk), "{tag}");
        }
        for tag in ["en", "en-GB", "EN_us"] {
            assert_eq!(Locale::parse(tag), Some(Locale::En), "{tag}");
        }
        for tag in ["", "fr", "z", "zhx", "*", "ja-JP"] {
            assert_eq!(Locale::parse(tag), None, "{tag}");
        }
        for locale in Locale::ALL {
            assert_eq!(Locale::parse(locale.tag()), Some(locale));
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
            Some(Locale::ZhCn)
        );
        assert_eq!(
            Locale::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Some(Locale::ZhCn)
        );
        assert_eq!(
            Locale::from_accept_language("en;q=0.8, zh-Hans;q=0.9, zh-HK;q=0.5"),
            Some(Locale::ZhCn)
        );
        assert_eq!(
            Locale::from_accept_language("zh-CN;q=0.7, zh-HK;q=0.9"),
            Some(Locale::ZhHk)
        );
        // Ties go to the first listed.
        assert_eq!(
            Locale::from_accept_language("zh-SG, zh-TW"),
            Some(Locale::ZhCn)
        );
        assert_eq!(
            Locale::from_accept_language("zh-CN;q=0, en;q=0.1"),
            Some(Locale::En)
        );
    }

    #[test]
    fn a_missing_text_falls_back_to_the_other_chinese_before_english() {
        let names = BTreeMap::from([
            ("en".to_owned(), "Day Pass".to_owned()),
            ("zh-HK".to_owned(), "日票".to_owned()),
        ]);
        assert_eq!(name_in(&names, Locale::ZhCn), Some("日票"));
        assert_eq!(name_in(&names, Locale::En), Some("Day Pass"));
        let english_only = BTreeMap::from([("en".to_owned(), "Day Pass".to_owned())]);
        assert_eq!(name_in(&english_only, Locale::ZhCn), Some("Day Pass"));
        assert_eq!(name_in(&BTreeMap::new(), Locale::ZhCn), None);
        assert_eq!(t(Locale::ZhCn, "nav.login"), "登录");
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
        assert_eq!(t(Locale::ZhCn, "no.such.key"), "no.such.key");
    }
}
