//! Alerts that close the loop: 75 % and 90 % used, data exhausted, fair use reached,
//! and validity ending in 3 days or 1 day with nothing queued — each at most once
//! per period, by SMS and email (those the subscriber keeps on for alerts) in their
//! language, with a link to a pre-filled renewal.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::db::Tx;
use crate::error::Result;
use crate::i18n::{t, tf};
use crate::jobs::{self, Job};
use crate::lines::{self, Iccid};
use crate::messages::{Channel, Message};
use crate::network::Action;

use super::alert_log;
use super::charge::PeriodQuota;

pub const ALERT_JOB: &str = "usage.alert";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crossing {
    pub period_id: String,
    pub iccid: String,
    pub kind: &'static str,
}

/// The thresholds a charge carried a period across.
pub fn crossings(before: &PeriodQuota, after: &PeriodQuota) -> Vec<Crossing> {
    let mut out = Vec::new();
    let mut push = |kind| {
        out.push(Crossing {
            period_id: after.id.clone(),
            iccid: after.iccid.clone(),
            kind,
        })
    };
    match (before.allowance, before.fair_use_cap) {
        (Some(_), _) => {
            let (was, now) = (
                before.percent_used().unwrap_or(0),
                after.percent_used().unwrap_or(0),
            );
            if was < 75 && now >= 75 {
                push("used_75");
            }
            if was < 90 && now >= 90 {
                push("used_90");
            }
            if before.remaining() != Some(0) && after.remaining() == Some(0) {
                push("exhausted");
            }
        }
        (None, Some(cap)) => {
            if before.used < cap && after.used >= cap {
                push("fair_use");
            }
        }
        (None, None) => {}
    }
    out
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct AlertJob {
    period_id: String,
    iccid: String,
    kind: String,
    /// Only the SMS, held back by quiet hours (the email went at once).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    sms_only: bool,
}

/// Exhaustion and a lapse within a day cannot wait for the morning; the rest of the
/// alerts send no SMS in quiet hours (see [`crate::messages::quiet_until`]).
fn urgent(kind: &str) -> bool {
    matches!(kind, "exhausted" | "expires_1d")
}

/// Records each crossing once per period, queues its messages, and enforces what
/// must be enforced (exhaustion, fair use), all in the caller's transaction.
pub async fn record(
    app: &App,
    tx: &mut Tx,
    crossings: &[Crossing],
    now: DateTime<Utc>,
) -> Result<()> {
    for crossing in crossings {
        let fresh =
            alert_log::mark_once(tx, &crossing.period_id, crossing.kind, &crossing.iccid, now)
                .await?;
        if !fresh {
            continue;
        }
        let job = AlertJob {
            period_id: crossing.period_id.clone(),
            iccid: crossing.iccid.clone(),
            kind: crossing.kind.to_owned(),
            sms_only: false,
        };
        jobs::enqueue(tx, ALERT_JOB, None, &job, now, now).await?;
        if !matches!(crossing.kind, "exhausted" | "fair_use") {
            continue;
        }
        let iccid = Iccid::from_stored(&crossing.iccid)?;
        match crossing.kind {
            "exhausted" => {
                let action = if app.config.network.exhausted_action == "suspend" {
                    Action::Suspend
                } else {
                    Action::Throttle {
                        kbps: app.config.network.exhausted_throttle_kbps,
                    }
                };
                lines::enforce(tx, &iccid, action, "quota_exhausted", now).await?;
            }
            "fair_use" => {
                let kbps = lines::fair_use_kbps(tx, &crossing.period_id).await?;
                let kbps = u32::try_from(kbps.unwrap_or(128)).unwrap_or(128);
                lines::enforce(tx, &iccid, Action::Throttle { kbps }, "fair_use", now).await?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Periods ending within 3 days (and 1 day) with nothing queued after them.
pub async fn scan_expiring(app: &App) -> Result<usize> {
    let now = app.now();
    let mut found = Vec::new();
    for (kind, within) in [
        ("expires_3d", Duration::days(3)),
        ("expires_1d", Duration::days(1)),
    ] {
        for (period_id, iccid) in lines::ending_by(app, now, now + within).await? {
            found.push(Crossing {
                period_id: period_id.into_string(),
                iccid: iccid.to_string(),
                kind,
            });
        }
    }
    if found.is_empty() {
        return Ok(0);
    }
    let mut tx = app.db.begin().await?;
    record(app, &mut tx, &found, now).await?;
    tx.commit().await?;
    Ok(found.len())
}

/// Sends one alert by SMS and email; in quiet hours, a non-urgent alert's SMS is
/// queued for the morning instead.
pub async fn send(app: &App, job: &Job) -> Result<()> {
    let alert: AlertJob = job.payload()?;
    let now = app.now();
    let sms_at = if urgent(&alert.kind) {
        now
    } else {
        crate::messages::quiet_until(now, app.config.time_zone())
    };
    let Some(period) = lines::period_of_line(app, &alert.period_id, &alert.iccid).await? else {
        return Ok(());
    };
    let Some(account_id) = &period.account_id else {
        return Ok(());
    };
    let Some(account) = crate::accounts::find(app, account_id.as_str()).await? else {
        return Ok(());
    };
    let locale = account.locale;
    let plan = period.plan_code;
    let link = format!(
        "{}/checkout?plan={plan}&iccid={}",
        app.config.public_url(),
        alert.iccid
    );
    // The subscriber chooses the channels of alerts (the preferences page).
    let wanted = crate::preferences::alert_channels(app, account_id.as_str()).await?;
    let tail = &alert.iccid[alert.iccid.len().saturating_sub(4)..];
    let key = format!("alert.{}", alert.kind);
    let body = tf(
        locale,
        &format!("{key}.body"),
        &[("line", tail), ("link", &link)],
    );
    for (channel, to) in [
        (Channel::Sms, account.phone.to_string()),
        (Channel::Email, account.email.to_string()),
    ] {
        if (channel == Channel::Email && alert.sms_only) || !wanted.get(channel) {
            continue;
        }
        if channel == Channel::Sms && sms_at > now {
            let later = AlertJob {
                sms_only: true,
                ..alert.clone()
            };
            let mut tx = app.db.begin().await?;
            jobs::enqueue(&mut tx, ALERT_JOB, None, &later, sms_at, now).await?;
            tx.commit().await?;
            continue;
        }
        let message = Message {
            channel,
            to,
            locale,
            kind: format!("alert_{}", alert.kind),
            subject: if channel == Channel::Email {
                t(locale, &format!("{key}.subject"))
            } else {
                String::new()
            },
            body: body.clone(),
            html: None,
            unsubscribe: None,
        };
        app.messenger
            .send(&app.db, app.now(), &message)
            .await
            .map_err(crate::error::Error::internal)?;
    }
    Ok(())
}
