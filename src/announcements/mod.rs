//! The operator's announcements: a title and a Markdown body per language, for
//! everyone or for the subscribers whose lines an audience targets, shown from a start
//! until an end, as a banner on every portal page when it affects the service; read
//! or dismissed per subscriber; optionally sent by SMS and email when it starts —
//! a marketing one only to those who consented by that channel ([`send`]).

pub mod audience;
mod deliveries;
mod draft;
mod message;
pub mod send;
mod store;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::i18n::Locale;
use crate::preferences::Channels;

pub use audience::{Audience, LineFacts};
pub use draft::{BODY_MAX, Draft, DraftInput, TITLE_MAX};
pub use send::{DELIVER_JOB, SEND_JOB};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AnnouncementPriority)]
pub enum Priority {
    Normal,
    /// Shown on every portal page while current, until dismissed.
    Banner,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Normal => "normal",
            Priority::Banner => "banner",
        }
    }

    pub fn parse(text: &str) -> Option<Priority> {
        [Priority::Normal, Priority::Banner]
            .into_iter()
            .find(|priority| priority.as_str() == text)
    }
}

/// Where an announcement stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Scheduled,
    Current,
    Ended,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Scheduled => "scheduled",
            Phase::Current => "current",
            Phase::Ended => "ended",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub id: String,
    pub titles: BTreeMap<String, String>,
    pub bodies: BTreeMap<String, String>,
    pub audience: Audience,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub marketing: bool,
    pub send: Channels,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

impl Announcement {
    /// The title in the reader's language, else its fallbacks', else any.
    pub fn title(&self, locale: Locale) -> &str {
        in_language(&self.titles, locale)
    }

    /// The Markdown body in the language its title is shown in.
    pub fn body(&self, locale: Locale) -> &str {
        let shown = locale
            .fallbacks()
            .iter()
            .find(|l| self.titles.contains_key(l.tag()))
            .map(|l| l.tag())
            .or_else(|| self.titles.keys().next().map(String::as_str));
        shown
            .and_then(|tag| self.bodies.get(tag))
            .map_or("", String::as_str)
    }

    /// The body as HTML safe to put in a page.
    pub fn body_html(&self, locale: Locale) -> String {
        crate::markdown::to_html(self.body(locale))
    }

    pub fn phase(&self, now: DateTime<Utc>) -> Phase {
        if now < self.starts_at {
            Phase::Scheduled
        } else if self.ends_at.is_some_and(|end| end <= now) {
            Phase::Ended
        } else {
            Phase::Current
        }
    }
}

fn in_language(texts: &BTreeMap<String, String>, locale: Locale) -> &str {
    crate::i18n::name_in(texts, locale)
        .or_else(|| texts.values().next().map(String::as_str))
        .unwrap_or("")
}

/// A current announcement as one reader sees it.
#[derive(Debug, Clone)]
pub struct Shown {
    pub announcement: Announcement,
    /// `None` for a visitor not signed in.
    pub read: Option<bool>,
}

/// Checks `input` against the catalog's plans (retired ones too).
pub async fn check(app: &App, input: DraftInput) -> Result<Draft> {
    let plans: BTreeSet<String> = crate::catalog::history::plan_codes(app)
        .await?
        .into_iter()
        .map(|code| code.as_str().to_owned())
        .collect();
    input.check(&plans, app.now())
}

/// Stores a new announcement with its audit entry, and queues its sending for when it
/// starts; returns its id.
pub async fn create(app: &App, input: DraftInput, actor: &str) -> Result<String> {
    let draft = check(app, input).await?;
    let now = app.now();
    let id = crate::ids::new_id("ann", now);
    let mut tx = crate::audit::begin(&app.db).await?;
    store::insert(&mut tx, &id, &draft, actor, now).await?;
    audit(app, &mut tx, actor, "announcement.create", &id, &draft, now).await?;
    send::queue(&mut tx, &id, &draft, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Replaces an announcement's content, audience and schedule. Messages already sent
/// are not sent again; channels or subscribers added are sent to when it starts.
pub async fn update(app: &App, id: &str, input: DraftInput, actor: &str) -> Result<()> {
    let draft = check(app, input).await?;
    let now = app.now();
    let mut tx = crate::audit::begin(&app.db).await?;
    if !store::update(&mut tx, id, &draft, actor, now).await? {
        return Err(Error::not_found(Code::AnnouncementNotFound));
    }
    audit(app, &mut tx, actor, "announcement.update", id, &draft, now).await?;
    send::queue(&mut tx, id, &draft, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn audit(
    app: &App,
    tx: &mut crate::db::Tx,
    actor: &str,
    action: &str,
    id: &str,
    draft: &Draft,
    now: DateTime<Utc>,
) -> Result<()> {
    let detail = format!(
        "{} · {} · marketing={} · sms={} email={}",
        in_language(&draft.titles, Locale::En),
        draft.priority.as_str(),
        draft.marketing,
        draft.send.sms,
        draft.send.email
    );
    let key = crate::audit::Key::from_secret(&app.secret);
    crate::audit::record(tx, &key, now, actor, action, id, &detail).await
}

pub async fn find(app: &App, id: &str) -> Result<Option<Announcement>> {
    store::find(app.db.reader(), id).await
}

/// Every announcement, newest start first (the back office).
pub async fn list(app: &App) -> Result<Vec<Announcement>> {
    store::list(app.db.reader()).await
}

/// The announcements current now for a reader: a visitor sees those for everyone; a
/// subscriber also those targeted at them, each with whether they read it. Banners
/// first, then the newest.
pub async fn current_for(app: &App, account_id: Option<&str>) -> Result<Vec<Shown>> {
    let now = app.now();
    let current = store::current(app.db.reader(), now).await?;
    let Some(account_id) = account_id else {
        return Ok(current
            .into_iter()
            .filter(|a| a.audience.is_everyone())
            .map(|announcement| Shown {
                announcement,
                read: None,
            })
            .collect());
    };
    // The lines are looked at only when something current is targeted.
    let facts = if current.iter().any(|a| !a.audience.is_everyone()) {
        let zones = audience::zones(app, current.iter().map(|a| &a.audience)).await?;
        audience::facts_of(app, account_id, &zones).await?
    } else {
        Vec::new()
    };
    let read = store::read_ids(app.db.reader(), account_id).await?;
    Ok(current
        .into_iter()
        .filter(|a| a.audience.matches(&facts))
        .map(|announcement| Shown {
            read: Some(read.contains(&announcement.id)),
            announcement,
        })
        .collect())
}

/// The banners to show on a page: current, for the reader, not dismissed.
pub async fn banners_for(app: &App, account_id: Option<&str>) -> Result<Vec<Announcement>> {
    Ok(current_for(app, account_id)
        .await?
        .into_iter()
        .filter(|shown| shown.announcement.priority == Priority::Banner && shown.read != Some(true))
        .map(|shown| shown.announcement)
        .collect())
}

/// Marks a current announcement for the subscriber read (a banner dismissed); one
/// that is not current or not for them is not found.
pub async fn mark_read(app: &App, account_id: &str, id: &str) -> Result<()> {
    let visible = current_for(app, Some(account_id))
        .await?
        .into_iter()
        .any(|shown| shown.announcement.id == id);
    if !visible {
        return Err(Error::not_found(Code::AnnouncementNotFound));
    }
    let mut tx = app.db.begin().await?;
    store::mark_read(&mut tx, id, account_id, app.now()).await?;
    tx.commit().await?;
    Ok(())
}
