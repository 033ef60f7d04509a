//! Sending an announcement by SMS and email when it starts, as durable jobs:
//!
//! 1. [`SEND_JOB`] goes through the subscribers a page at a time (each page its own
//!    transaction, then a job for the next page), keeps those the audience targets —
//!    for a marketing announcement only those whose consent by the channel is in force
//!    — and adds one delivery per (announcement, account, channel): the table's key
//!    makes a second pass (a restart, an edit) add nothing.
//! 2. [`DELIVER_JOB`] claims its delivery (`queued` → `sending`, committed before the
//!    message leaves), asks again whether a marketing message may still go (an opt-out
//!    since counts), sends, and marks it `sent`. A claimed delivery is never claimed
//!    again, so a worker that dies mid-send never sends the message twice.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::clock::to_millis;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::jobs::{self, Job};
use crate::messages::{Channel, quiet_until};
use crate::preferences;

use super::{Announcement, Draft, Phase, audience, deliveries, message};

pub const SEND_JOB: &str = "announcements.send";
pub const DELIVER_JOB: &str = "announcements.deliver";

/// Subscribers looked at per page.
const PAGE: i64 = 200;

#[derive(Debug, Serialize, Deserialize)]
struct SendJob {
    announcement_id: String,
    /// The last account of the page before; `None` for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct DeliverJob {
    announcement_id: String,
    account_id: String,
    channel: Channel,
}

/// Queues the sending for when the draft starts, in the caller's transaction; nothing
/// when it goes by no channel. An edit queues it again for its (new) start: the first
/// page finds the deliveries already made and adds only the missing ones.
pub(super) async fn queue(tx: &mut Tx, id: &str, draft: &Draft, now: DateTime<Utc>) -> Result<()> {
    if !draft.send.sms && !draft.send.email {
        return Ok(());
    }
    let key = format!("{SEND_JOB}:{id}:{}", to_millis(draft.starts_at));
    let job = SendJob {
        announcement_id: id.to_owned(),
        after: None,
    };
    jobs::enqueue(
        tx,
        SEND_JOB,
        Some(&key),
        &job,
        draft.starts_at.max(now),
        now,
    )
    .await
}

/// Runs one page of [`SEND_JOB`].
pub async fn send_page(app: &App, job: &Job) -> Result<Option<DateTime<Utc>>> {
    let work: SendJob = job.payload()?;
    let now = app.now();
    let Some(announcement) = super::find(app, &work.announcement_id).await? else {
        return Ok(None);
    };
    // Moved to a later start: the job queued by that edit sends it then.
    if announcement.phase(now) != Phase::Current {
        return Ok(None);
    }
    let channels: Vec<Channel> = [Channel::Sms, Channel::Email]
        .into_iter()
        .filter(|channel| announcement.send.get(*channel))
        .collect();
    if channels.is_empty() {
        return Ok(None);
    }
    let accounts = crate::accounts::page(app, work.after.as_deref(), PAGE).await?;
    let zones = audience::zones(app, [&announcement.audience]).await?;
    let mut chosen = Vec::new();
    for account in &accounts {
        if !announcement.audience.is_everyone() {
            let facts = audience::facts_of(app, &account.id, &zones).await?;
            if !announcement.audience.matches(&facts) {
                continue;
            }
        }
        for &channel in &channels {
            if announcement.marketing && !preferences::may_market(app, &account.id, channel).await?
            {
                continue;
            }
            chosen.push((account.id.clone(), channel));
        }
    }
    let mut tx = app.db.begin().await?;
    for (account_id, channel) in chosen {
        if !deliveries::add(&mut tx, &announcement.id, &account_id, channel, now).await? {
            continue;
        }
        let key = format!(
            "{DELIVER_JOB}:{}:{account_id}:{}",
            announcement.id,
            preferences::channel_tag(channel)
        );
        let deliver = DeliverJob {
            announcement_id: announcement.id.clone(),
            account_id,
            channel,
        };
        jobs::enqueue(&mut tx, DELIVER_JOB, Some(&key), &deliver, now, now).await?;
    }
    if let Some(last) = accounts.last().filter(|_| accounts.len() as i64 == PAGE) {
        let next = SendJob {
            announcement_id: announcement.id.clone(),
            after: Some(last.id.clone()),
        };
        let key = format!("{SEND_JOB}:{}:after:{}", announcement.id, last.id);
        jobs::enqueue(&mut tx, SEND_JOB, Some(&key), &next, now, now).await?;
    }
    tx.commit().await?;
    Ok(None)
}

/// Runs one [`DELIVER_JOB`]: one message to one subscriber by one channel, at most once.
pub async fn deliver(app: &App, job: &Job) -> Result<Option<DateTime<Utc>>> {
    let work: DeliverJob = job.payload()?;
    let now = app.now();
    // An announcement is news, not urgent: no SMS in quiet hours.
    if work.channel == Channel::Sms {
        let morning = quiet_until(now, app.config.time_zone());
        if morning > now {
            return Ok(Some(morning));
        }
    }
    let mut tx = app.db.begin().await?;
    let claimed = deliveries::claim(
        &mut tx,
        &work.announcement_id,
        &work.account_id,
        work.channel,
    )
    .await?;
    tx.commit().await?;
    if !claimed {
        return Ok(None);
    }
    let outcome = send_one(app, &work).await;
    let state = match &outcome {
        Ok(true) => "sent",
        Ok(false) => "skipped",
        Err(_) => "queued",
    };
    let mut tx = app.db.begin().await?;
    deliveries::finish(
        &mut tx,
        &work.announcement_id,
        &work.account_id,
        work.channel,
        state,
        app.now(),
    )
    .await?;
    tx.commit().await?;
    outcome.map(|_| None)
}

/// Sends the message when it may still go; `Ok(false)` when it may not (the
/// announcement ended or is gone, the account is gone, consent was withdrawn).
async fn send_one(app: &App, work: &DeliverJob) -> Result<bool> {
    let now = app.now();
    let Some(announcement) = super::find(app, &work.announcement_id).await? else {
        return Ok(false);
    };
    if announcement.phase(now) == Phase::Ended || !announcement.send.get(work.channel) {
        return Ok(false);
    }
    if announcement.marketing
        && !preferences::may_market(app, &work.account_id, work.channel).await?
    {
        return Ok(false);
    }
    let Some(account) = crate::accounts::find(app, &work.account_id).await? else {
        return Ok(false);
    };
    let message = message::compose(app, &announcement, &account, work.channel);
    app.messenger
        .send(&app.db, app.now(), &message)
        .await
        .map_err(Error::internal)?;
    Ok(true)
}

/// How the announcement's sending stands: (waiting, sent, skipped).
pub async fn progress(app: &App, announcement: &Announcement) -> Result<(i64, i64, i64)> {
    deliveries::counts(app.db.reader(), &announcement.id).await
}
