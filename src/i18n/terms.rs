//! One word per concept in each language: the words a catalog must not use, each
//! with the one it uses instead. A reader who sees 「自動續期」 on one page and
//! 「自動續費」 on the next wonders whether they are two things.

use super::{Locale, catalogs};

/// (a word that drifted in, the catalog's word for the same thing).
const AVOID: &[(Locale, &str, &str)] = &[
    (Locale::ZhHk, "續費", "續期"),
    (Locale::ZhHk, "電話號碼", "手機號碼"),
    (Locale::ZhHk, "充值", "增值"),
    (Locale::ZhHk, "儲值", "增值"),
    (Locale::ZhHk, "賬戶", "帳戶"),
    (Locale::ZhHk, "登錄", "登入"),
    (Locale::ZhHk, "套餐", "計劃"),
    (Locale::ZhHk, "电", "（繁體字）"),
    (Locale::En, "phone number", "mobile number"),
    (Locale::En, "recharge", "top up"),
    (Locale::En, "sign in", "log in"),
    (Locale::En, "Sign in", "Log in"),
    (Locale::En, "auto renew", "auto-renew"),
    (Locale::En, "(s)", "a plural form (`one` / `other`)"),
];

/// Words that contain an avoided one but mean something else: 手續費 is a fee, not
/// a renewal.
const ALLOWED: &[&str] = &["手續費"];

/// Whether `text` says `word`, not counting it inside an allowed word.
fn uses(text: &str, word: &str) -> bool {
    let mut rest = text.to_owned();
    for allowed in ALLOWED {
        rest = rest.replace(allowed, "");
    }
    rest.contains(word)
}

#[test]
fn the_fee_is_not_a_renewal() {
    assert!(!uses("付款手續費", "續費"));
    assert!(uses("自動續費", "續費"));
}

#[test]
fn each_concept_has_one_word() {
    let mut drifted = Vec::new();
    for (locale, avoid, instead) in AVOID {
        let Some(catalog) = catalogs().get(locale) else {
            continue;
        };
        let mut keys: Vec<&String> = catalog
            .iter()
            .filter(|(_, text)| uses(text, avoid))
            .map(|(key, _)| key)
            .collect();
        keys.sort();
        for key in keys {
            drifted.push(format!(
                "{}: {key} says “{avoid}”; use “{instead}”",
                locale.tag()
            ));
        }
    }
    assert!(drifted.is_empty(), "{drifted:#?}");
}
