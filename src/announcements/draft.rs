//! An announcement as staff write it (the admin API's body, the console's form),
//! checked whole before anything is stored: every problem is named at once, and an
//! end that is not after the start is refused on its own code.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::catalog::Zone;
use crate::error::{Code, Error, Result};
use crate::i18n::Locale;
use crate::lines::LineStatus;
use crate::preferences::Channels;

use super::Priority;
use super::audience::Audience;

/// Longest title, in characters: it must fit a banner on a phone.
pub const TITLE_MAX: usize = 120;
/// Longest body, in characters.
pub const BODY_MAX: usize = 20_000;

/// What was sent, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct DraftInput {
    /// Language tag → title.
    pub titles: BTreeMap<String, String>,
    /// Language tag → Markdown.
    pub bodies: BTreeMap<String, String>,
    pub zones: Vec<String>,
    pub plans: Vec<String>,
    pub line_status: Vec<String>,
    pub auto_renew: Option<bool>,
    /// `None`: from now.
    pub starts_at: Option<DateTime<Utc>>,
    /// `None`: until taken down.
    pub ends_at: Option<DateTime<Utc>>,
    /// `normal` (the default) or `banner`.
    pub priority: Option<String>,
    pub marketing: bool,
    pub send_sms: bool,
    pub send_email: bool,
}

/// A checked announcement, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub titles: BTreeMap<String, String>,
    pub bodies: BTreeMap<String, String>,
    pub audience: Audience,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub marketing: bool,
    /// The channels it is sent by when it starts.
    pub send: Channels,
}

impl DraftInput {
    /// Checks the whole draft against the plans there are; `now` is when a draft
    /// without a start starts.
    pub fn check(self, known_plans: &BTreeSet<String>, now: DateTime<Utc>) -> Result<Draft> {
        let starts_at = self.starts_at.unwrap_or(now);
        if self.ends_at.is_some_and(|end| end <= starts_at) {
            return Err(Error::invalid(Code::InvalidSchedule).on_field("ends_at"));
        }
        let mut problems = Vec::new();
        let titles = texts(&self.titles, "title", TITLE_MAX, &mut problems);
        let bodies = texts(&self.bodies, "body", BODY_MAX, &mut problems);
        if titles.is_empty() && !self.titles.keys().any(|tag| language(tag).is_none()) {
            problems.push("title: give a title in at least one language".to_owned());
        }
        for tag in bodies.keys().filter(|tag| !titles.contains_key(*tag)) {
            problems.push(format!("body.{tag}: there is no title in {tag}"));
        }
        if titles.values().any(|title| title.contains(['\n', '\r'])) {
            problems.push("title: one line only".to_owned());
        }
        let mut zones = Vec::new();
        for zone in &self.zones {
            match Zone::parse(zone) {
                Some(zone) if !zones.contains(&zone) => zones.push(zone),
                Some(_) => {}
                None => problems.push(format!(
                    "audience.zones: {zone:?} is not a zone (hk, hk_mo, cn_hk_mo)"
                )),
            }
        }
        let mut plans = Vec::new();
        for plan in &self.plans {
            if !known_plans.contains(plan) {
                problems.push(format!("audience.plans: there is no plan {plan:?}"));
            } else if !plans.contains(plan) {
                plans.push(plan.clone());
            }
        }
        let mut line_status = Vec::new();
        for status in &self.line_status {
            match LineStatus::parse(status) {
                Some(status) if !line_status.contains(&status) => line_status.push(status),
                Some(_) => {}
                None => problems.push(format!(
                    "audience.line_status: {status:?} is not one of pending_install, active, \
                     throttled, suspended, expired"
                )),
            }
        }
        let priority = match self.priority.as_deref() {
            None => Priority::Normal,
            Some(text) => Priority::parse(text).unwrap_or_else(|| {
                problems.push(format!("priority: {text:?} is not normal or banner"));
                Priority::Normal
            }),
        };
        if !problems.is_empty() {
            return Err(Error::invalid(Code::InvalidAnnouncement).with_details(problems));
        }
        Ok(Draft {
            titles,
            bodies,
            audience: Audience {
                zones,
                plans,
                line_status,
                auto_renew: self.auto_renew,
            },
            starts_at,
            ends_at: self.ends_at,
            priority,
            marketing: self.marketing,
            send: Channels {
                sms: self.send_sms,
                email: self.send_email,
            },
        })
    }
}

/// A language we write in, by its exact tag.
fn language(tag: &str) -> Option<Locale> {
    Locale::ALL.into_iter().find(|locale| locale.tag() == tag)
}

/// The non-empty texts, trimmed, of known languages; a problem for each unknown
/// language and each text too long.
fn texts(
    given: &BTreeMap<String, String>,
    what: &str,
    max: usize,
    problems: &mut Vec<String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (tag, text) in given {
        if language(tag).is_none() {
            problems.push(format!(
                "{what}: {tag:?} is not a language tag we write (zh-HK, zh-CN, en)"
            ));
            continue;
        }
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if text.chars().count() > max {
            problems.push(format!("{what}.{tag}: at most {max} characters"));
        }
        out.insert(tag.clone(), text.to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn plans() -> BTreeSet<String> {
        BTreeSet::from(["HK-30D-20G".to_owned()])
    }

    fn input() -> DraftInput {
        DraftInput {
            titles: BTreeMap::from([
                ("zh-HK".into(), " 新優惠 ".into()),
                ("en".into(), "New offer".into()),
            ]),
            bodies: BTreeMap::from([("en".into(), "**20 GB**".into())]),
            ..DraftInput::default()
        }
    }

    #[test]
    fn a_plain_draft_starts_now_for_everyone() {
        let draft = input().check(&plans(), now()).unwrap();
        assert_eq!(draft.starts_at, now());
        assert_eq!(draft.titles["zh-HK"], "新優惠");
        assert!(draft.audience.is_everyone());
        assert_eq!(draft.priority, Priority::Normal);
    }

    #[test]
    fn an_end_not_after_the_start_is_refused() {
        for end in [now(), now() - Duration::hours(1)] {
            let draft = DraftInput {
                starts_at: Some(now()),
                ends_at: Some(end),
                ..input()
            };
            assert_eq!(
                draft.check(&plans(), now()).unwrap_err().code,
                Code::InvalidSchedule
            );
        }
    }

    #[test]
    fn every_problem_is_named() {
        let draft = DraftInput {
            titles: BTreeMap::from([("zh-Hant".into(), "x".into()), ("en".into(), "a\nb".into())]),
            bodies: BTreeMap::from([("zh-CN".into(), "正文".into())]),
            zones: vec!["mars".into()],
            plans: vec!["NOPE".into()],
            line_status: vec!["sleeping".into()],
            priority: Some("urgent".into()),
            ..DraftInput::default()
        };
        let error = draft.check(&plans(), now()).unwrap_err();
        assert_eq!(error.code, Code::InvalidAnnouncement);
        let all = error.details.join("\n");
        for part in [
            "zh-Hant",
            "one line",
            "body.zh-CN",
            "mars",
            "NOPE",
            "sleeping",
            "urgent",
        ] {
            assert!(all.contains(part), "{part} in {all}");
        }
    }

    #[test]
    fn a_title_is_needed_and_kept_short() {
        let empty = DraftInput {
            titles: BTreeMap::from([("en".into(), "   ".into())]),
            ..DraftInput::default()
        };
        assert_eq!(
            empty.check(&plans(), now()).unwrap_err().code,
            Code::InvalidAnnouncement
        );
        let long = DraftInput {
            titles: BTreeMap::from([("en".into(), "x".repeat(TITLE_MAX + 1))]),
            ..DraftInput::default()
        };
        assert!(long.check(&plans(), now()).unwrap_err().details[0].contains("at most"));
    }
}
