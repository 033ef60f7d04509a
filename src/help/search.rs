//! Search terms, the same for the text indexed and the query typed: Chinese (and
//! other CJK) text has no spaces between words, so each CJK character and each pair
//! of neighbours is a term (「忘記密碼」 → 忘, 記, 密, 碼, 忘記, 記密, 密碼); other words
//! are lower-cased and cut to their first five letters, a crude stem that lets
//! "forgotten passwords" find "Forgot your password". Pure: the store keeps the
//! terms in a table and matches them with plain SQL on both databases.

use std::collections::BTreeMap;

/// Weight of a term found in a title; one found only in the text weighs 1.
pub const TITLE_WEIGHT: i64 = 3;
/// Most terms a query is cut to.
pub const MAX_QUERY_TERMS: usize = 24;
const STEM_CHARS: usize = 5;

/// Little words that say nothing about what an article is about.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "be", "but", "can", "do", "does", "for", "how", "i", "if", "in", "is",
    "it", "my", "of", "on", "or", "the", "to", "was", "what", "when", "why", "with", "you", "your",
];

/// CJK ideographs, kana and Hangul: written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F) // Extensions B–F, compatibility supplement
}

/// Full-width Latin letters and digits (ＡＢＣ１２３, typed with a Chinese input
/// method) read as their ASCII selves; everything lower-cased.
fn fold(c: char) -> char {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_lowercase().next().unwrap_or(c)
}

enum Run {
    Cjk(Vec<char>),
    Word(String),
}

fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut cjk: Vec<char> = Vec::new();
    let mut word = String::new();
    for c in text.chars().map(fold) {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(Run::Word(std::mem::take(&mut word)));
            }
            cjk.push(c);
        } else if c.is_alphanumeric() {
            if !cjk.is_empty() {
                out.push(Run::Cjk(std::mem::take(&mut cjk)));
            }
            word.push(c);
        } else {
            if !word.is_empty() {
                out.push(Run::Word(std::mem::take(&mut word)));
            }
            if !cjk.is_empty() {
                out.push(Run::Cjk(std::mem::take(&mut cjk)));
            }
        }
    }
    if !word.is_empty() {
        out.push(Run::Word(word));
    }
    if !cjk.is_empty() {
        out.push(Run::Cjk(cjk));
    }
    out
}

fn stem(word: &str) -> Option<String> {
    if STOP_WORDS.contains(&word) {
        return None;
    }
    Some(word.chars().take(STEM_CHARS).collect())
}

/// Every term of `text`, for the index: CJK characters and pairs, word stems.
pub fn index_terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in runs(text) {
        match run {
            Run::Cjk(chars) => {
                out.extend(chars.iter().map(char::to_string));
                out.extend(chars.windows(2).map(|pair| pair.iter().collect()));
            }
            Run::Word(word) => out.extend(stem(&word)),
        }
    }
    out
}

/// An article's terms with their weights: a title's count more than the text's.
pub fn weighted_terms<'a>(
    parts: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> BTreeMap<String, i64> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for (title, text) in parts {
        for (source, weight) in [(text, 1), (title, TITLE_WEIGHT)] {
            for term in index_terms(source) {
                let entry = out.entry(term).or_insert(weight);
                *entry = (*entry).max(weight);
            }
        }
    }
    out
}

/// The distinct terms of a query: pairs for a CJK run of two or more characters
/// (the lone characters would match nearly everything), the character itself for
/// one alone; word stems. At most [`MAX_QUERY_TERMS`].
pub fn query_terms(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |term: String| {
        if !out.contains(&term) && out.len() < MAX_QUERY_TERMS {
            out.push(term);
        }
    };
    for run in runs(query) {
        match run {
            Run::Cjk(chars) if chars.len() == 1 => push(chars[0].to_string()),
            Run::Cjk(chars) => chars
                .windows(2)
                .for_each(|pair| push(pair.iter().collect())),
            Run::Word(word) => {
                if let Some(stem) = stem(&word) {
                    push(stem);
                }
            }
        }
    }
    out
}

/// How many of a query's terms an article must hold to be shown: all of one or two,
/// two thirds of more (so that a stray pair across two words, 「記密」 in 「忘記密碼」,
/// does not hide the article that has the words).
pub fn enough(terms: usize) -> usize {
    if terms <= 2 {
        terms
    } else {
        (terms * 2).div_ceil(3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_cut_into_characters_and_pairs() {
        assert_eq!(
            index_terms("忘記密碼"),
            ["忘", "記", "密", "碼", "忘記", "記密", "密碼"]
        );
        assert_eq!(query_terms("忘記密碼"), ["忘記", "記密", "密碼"]);
        assert_eq!(query_terms("密碼"), ["密碼"]);
        assert_eq!(query_terms("碼"), ["碼"]);
        assert_eq!(query_terms("「密碼」？"), ["密碼"]);
    }

    #[test]
    fn words_are_stemmed_and_little_words_dropped() {
        assert_eq!(query_terms("Forgot your password?"), ["forgo", "passw"]);
        assert_eq!(query_terms("forgotten PASSWORDS"), ["forgo", "passw"]);
        assert_eq!(query_terms("ｅＳＩＭ"), ["esim"]);
        assert_eq!(query_terms("the a to"), Vec::<String>::new());
        assert_eq!(
            index_terms("iPhone安裝eSIM"),
            ["iphon", "安", "裝", "安裝", "esim"]
        );
    }

    #[test]
    fn a_title_term_weighs_more_than_a_text_term() {
        let terms = weighted_terms([("忘記密碼", "重設密碼")]);
        assert_eq!(terms["密碼"], TITLE_WEIGHT);
        assert_eq!(terms["重設"], 1);
    }

    #[test]
    fn most_of_a_long_query_must_match() {
        assert_eq!(enough(0), 0);
        assert_eq!(enough(1), 1);
        assert_eq!(enough(2), 2);
        assert_eq!(enough(3), 2);
        assert_eq!(enough(6), 4);
    }

    #[test]
    fn hostile_queries_are_only_terms() {
        let terms = query_terms("'; DROP TABLE help_terms; --");
        assert_eq!(terms, ["drop", "table", "help", "terms"]);
        assert!(query_terms(&"密".repeat(500)).len() <= MAX_QUERY_TERMS);
    }
}
