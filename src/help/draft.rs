//! An article as the operator sends it, checked whole: every problem named at once.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::error::{Code, Error, Result};
use crate::i18n::Locale;

use super::{Article, Topic};

/// An article to write: what the admin API and the console send.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub slug: String,
    pub topic: String,
    pub published: bool,
    pub titles: BTreeMap<String, String>,
    pub bodies: BTreeMap<String, String>,
}

const MAX_TITLE: usize = 120;
const MAX_BODY: usize = 20_000;

/// A slug: 2–64 of a–z, 0–9 and `-`, not starting or ending with `-`.
pub fn valid_slug(slug: &str) -> bool {
    (2..=64).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

impl Draft {
    /// Every problem at once (`invalid_article` with details), or the checked article.
    pub fn check(&self, now: DateTime<Utc>, actor: &str) -> Result<Article> {
        let mut problems = Vec::new();
        if !valid_slug(&self.slug) {
            problems.push("slug: 2–64 of a–z, 0–9 and -".to_owned());
        }
        let topic = Topic::parse(&self.topic);
        if topic.is_none() {
            problems.push("topic: one of account, payment, install, data, other".to_owned());
        }
        for tag in self.titles.keys().chain(self.bodies.keys()) {
            if exact_locale(tag).is_none() {
                problems.push(format!("{tag:?}: languages are zh-HK, zh-CN and en"));
            }
        }
        for (tag, title) in &self.titles {
            let chars = title.trim().chars().count();
            if chars == 0 || chars > MAX_TITLE || title.chars().any(char::is_control) {
                problems.push(format!("title.{tag}: 1–{MAX_TITLE} characters on one line"));
            }
            if self
                .bodies
                .get(tag)
                .is_none_or(|body| body.trim().is_empty())
            {
                problems.push(format!("body.{tag}: the text of the {tag} title"));
            }
        }
        for (tag, body) in &self.bodies {
            if body.chars().count() > MAX_BODY {
                problems.push(format!("body.{tag}: at most {MAX_BODY} characters"));
            }
            if !self.titles.contains_key(tag) {
                problems.push(format!("title.{tag}: the title of the {tag} text"));
            }
        }
        if self.titles.is_empty() {
            problems.push("title: at least one language".to_owned());
        }
        match topic {
            Some(topic) if problems.is_empty() => Ok(Article {
                slug: self.slug.clone(),
                topic,
                published: self.published,
                titles: trimmed(&self.titles),
                bodies: self.bodies.clone(),
                updated_at: now,
                updated_by: actor.to_owned(),
            }),
            _ => {
                problems.dedup();
                Err(Error::invalid(Code::InvalidArticle).with_details(problems))
            }
        }
    }
}

/// One of the exact tags articles are written under (`zh-Hans` or `zh-TW` is no such tag).
pub fn exact_locale(tag: &str) -> Option<Locale> {
    Locale::ALL.into_iter().find(|locale| locale.tag() == tag)
}

fn trimmed(map: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    map.iter()
        .map(|(k, v)| (k.clone(), v.trim().to_owned()))
        .collect()
}
