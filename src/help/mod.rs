//! The help centre: articles the operator writes in Markdown, per language (zh-HK,
//! zh-CN, en), grouped by topic and searchable in Chinese without word spaces as in
//! English. A reader gets an article in their language, else the other Chinese, else
//! English, else whatever it is written in. Every change is audited. The starter
//! articles ([`starter`]) are the operator's first content on a new installation.

mod draft;
pub mod markdown;
pub mod search;
pub mod starter;
mod store;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::audit;
use crate::error::{Code, Error, Result};

use crate::i18n::Locale;
pub use draft::{Draft, exact_locale, valid_slug};

/// What an article (and a support case) is about.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Account,
    Payment,
    Install,
    Data,
    Other,
}

impl Topic {
    /// In the order the help centre lists them.
    pub const ALL: [Topic; 5] = [
        Topic::Account,
        Topic::Payment,
        Topic::Install,
        Topic::Data,
        Topic::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Account => "account",
            Topic::Payment => "payment",
            Topic::Install => "install",
            Topic::Data => "data",
            Topic::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == text.trim())
    }
}

/// An article as the operator wrote it: every language's title and Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub slug: String,
    pub topic: Topic,
    pub published: bool,
    /// Title by language tag.
    pub titles: BTreeMap<String, String>,
    /// Markdown by language tag.
    pub bodies: BTreeMap<String, String>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// An article in the reader's language (or the nearest one written).
#[derive(Debug, Clone)]
pub struct Shown {
    pub slug: String,
    pub topic: Topic,
    /// The language it is shown in.
    pub language: Locale,
    pub title: String,
    /// Safe HTML rendered from the Markdown.
    pub body_html: String,
    pub updated_at: DateTime<Utc>,
}

/// A search result or a topic list's entry.
#[derive(Debug, Clone)]
pub struct Hit {
    pub slug: String,
    pub topic: Topic,
    pub title: String,
    pub excerpt: String,
}

const EXCERPT_CHARS: usize = 110;

/// The language `article` is read in by a `locale` reader: theirs, the other Chinese,
/// English, else the first it is written in.
fn language_for(titles: &BTreeMap<String, String>, locale: Locale) -> Option<Locale> {
    let mut order: Vec<Locale> = locale.fallbacks().to_vec();
    for other in [Locale::ZhHk, Locale::ZhCn, Locale::En] {
        if !order.contains(&other) {
            order.push(other);
        }
    }
    order.into_iter().find(|l| titles.contains_key(l.tag()))
}

/// The title a `locale` reader sees, or the slug-less empty string when none.
pub fn language_title(titles: &BTreeMap<String, String>, locale: Locale) -> &str {
    language_for(titles, locale)
        .and_then(|l| titles.get(l.tag()))
        .map_or("", String::as_str)
}

impl Article {
    pub fn shown(&self, locale: Locale) -> Option<Shown> {
        let language = language_for(&self.titles, locale)?;
        Some(Shown {
            slug: self.slug.clone(),
            topic: self.topic,
            language,
            title: self.titles.get(language.tag())?.clone(),
            body_html: markdown::to_html(self.bodies.get(language.tag())?),
            updated_at: self.updated_at,
        })
    }

    fn hit(&self, locale: Locale, query: &[String]) -> Option<Hit> {
        let language = language_for(&self.titles, locale)?;
        let text = markdown::to_text(self.bodies.get(language.tag())?);
        Some(Hit {
            slug: self.slug.clone(),
            topic: self.topic,
            title: self.titles.get(language.tag())?.clone(),
            excerpt: excerpt(&text, query),
        })
    }
}

/// About [`EXCERPT_CHARS`] of `text` around the first query term found in it (the
/// start when none is), with … where it is cut.
pub fn excerpt(text: &str, query: &[String]) -> String {
    let lower = text.to_lowercase();
    let chars: Vec<char> = text.chars().collect();
    let lower_chars: Vec<char> = lower.chars().collect();
    let found = query.iter().find_map(|term| {
        let term: Vec<char> = term.chars().collect();
        lower_chars
            .windows(term.len().max(1))
            .position(|w| w == term.as_slice())
    });
    let mut start = found.map_or(0, |at| at.saturating_sub(EXCERPT_CHARS / 3));
    let mut end = (start + EXCERPT_CHARS).min(chars.len());
    // Not in the middle of a word (Chinese has no word to break).
    let in_word = |i: usize| {
        chars
            .get(i)
            .is_some_and(|c| c.is_alphanumeric() && !search::is_cjk(*c))
    };
    if start > 0
        && in_word(start - 1)
        && in_word(start)
        && let Some(space) = chars[start..end]
            .iter()
            .take(20)
            .position(|c| c.is_whitespace())
    {
        start += space + 1;
    }
    if end < chars.len()
        && in_word(end - 1)
        && in_word(end)
        && let Some(space) = chars[start..end]
            .iter()
            .rev()
            .take(20)
            .position(|c| c.is_whitespace())
    {
        end -= space + 1;
    }
    let mut out: String = chars[start..end].iter().collect();
    if start > 0 {
        out.insert(0, '…');
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// A published article in the reader's language; `None` for an unknown or
/// unpublished slug.
pub async fn show(app: &App, slug: &str, locale: Locale) -> Result<Option<Shown>> {
    let mut conn = app.db.reader().acquire().await?;
    Ok(store::find(&mut conn, slug)
        .await?
        .filter(|a| a.published)
        .and_then(|a| a.shown(locale)))
}

/// An article as written, published or not (for the console and the admin API).
pub async fn find(app: &App, slug: &str) -> Result<Option<Article>> {
    let mut conn = app.db.reader().acquire().await?;
    store::find(&mut conn, slug).await
}

/// Every article, published or not, by topic then slug.
pub async fn all(app: &App) -> Result<Vec<Article>> {
    store::all(app.db.reader()).await
}

/// Published articles matching `query` (any language's text), best first, shown in
/// the reader's language; every published article, by topic, for an empty query.
pub async fn search(app: &App, query: &str, locale: Locale) -> Result<Vec<Hit>> {
    let terms = search::query_terms(query);
    let articles: Vec<Article> = if terms.is_empty() {
        store::all(app.db.reader())
            .await?
            .into_iter()
            .filter(|a| a.published)
            .collect()
    } else {
        let slugs = store::matching(app.db.reader(), &terms, search::enough(terms.len())).await?;
        let mut found = Vec::with_capacity(slugs.len());
        let mut conn = app.db.reader().acquire().await?;
        for slug in slugs {
            if let Some(article) = store::find(&mut conn, &slug).await? {
                found.push(article);
            }
        }
        found
    };
    Ok(articles
        .iter()
        .filter_map(|a| a.hit(locale, &terms))
        .collect())
}

/// Writes a new article (`create`) or changes one, with its search terms and an
/// audit entry, in one transaction. A new slug that exists answers 409
/// `article_exists`; a change to one that does not, 404 `article_not_found`.
pub async fn save(app: &App, draft: &Draft, actor: &str, create: bool) -> Result<Article> {
    let now = app.now();
    let article = draft.check(now, actor)?;
    let mut tx = audit::begin(&app.db).await?;
    let existing = store::find(&mut tx, &article.slug).await?;
    match (&existing, create) {
        (Some(_), true) => return Err(Error::conflict(Code::ArticleExists)),
        (None, false) => return Err(Error::not_found(Code::ArticleNotFound)),
        _ => {}
    }
    store::write(&mut tx, app.db.backend(), &article, existing.is_none()).await?;
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        actor,
        if create { "help.create" } else { "help.update" },
        &article.slug,
        &format!(
            "topic {}, languages {}, {}",
            article.topic.as_str(),
            article
                .titles
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            if article.published {
                "published"
            } else {
                "hidden"
            }
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(article)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_cut_between_words() {
        let text = "Open Reset password (the login page links to it as Forgot password?). Enter the mobile number you registered with, or your verified email address, and a code comes.";
        let cut = excerpt(text, &["forgo".to_owned()]);
        assert!(cut.starts_with('…') && cut.ends_with('…'), "{cut}");
        let inner = cut.trim_matches('…');
        assert!(text.contains(inner), "{cut}");
        let first = inner.split_whitespace().next().unwrap_or("");
        assert!(
            text.split_whitespace().any(|w| w == first),
            "starts on a whole word: {cut}"
        );
        assert_eq!(
            excerpt("忘記密碼不用擔心", &["密碼".to_owned()]),
            "忘記密碼不用擔心"
        );
    }
}
