//! Alerts that close the loop: 75 % and 90 % used, data exhausted, fair use reached,
//! and validity ending in 3 days or 1 day with nothing queued — each at most once
//! per period, by SMS and email in the subscriber's language, with a link to a
//! pre-filled renewal.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::db::Tx;
use crate::error::Result;
use crate::i18n::{Locale, t, tf};
use crate::jobs::{self, Job};
use crate::messages::{Channel, Message};
use crate::network::{self, Action};

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
/// alerts send no SMS in quiet hours (see [`crate::auto_renew::quiet_until`]).
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
        let fresh = sqlx::query("INSERT INTO alerts (period_id, kind, iccid, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT (period_id, kind) DO NOTHING")
            .bind(&crossing.period_id)
            .bind(crossing.kind)
            .bind(&crossing.iccid)
            .bind(to_millis(now))
            .execute(&mut **tx)
            .await?
            .rows_affected()
            == 1;
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
        match crossing.kind {
            "exhausted" => {
                let action = if app.config.network.exhausted_action == "suspend" {
                    Action::Suspend
                } else {
                    Action::Throttle {
                        kbps: app.config.network.exhausted_throttle_kbps,
                    }
                };
                network::enforce(tx, &crossing.iccid, action, "quota_exhausted", now).await?;
            }
            "fair_use" => {
                let version_id: String =
                    sqlx::query("SELECT plan_version_id FROM line_periods WHERE id = $1")
                        .bind(&crossing.period_id)
                        .fetch_one(&mut **tx)
                        .await?
                        .try_get("plan_version_id")?;
                let terms = crate::catalog::version(&mut **tx, &version_id).await?;
                let kbps = match terms.map(|t| t.allowance) {
                    Some(crate::catalog::Allowance::Unlimited { throttle_kbps, .. }) => {
                        throttle_kbps
                    }
                    _ => 128,
                };
                network::enforce(
                    tx,
                    &crossing.iccid,
                    Action::Throttle { kbps },
                    "fair_use",
                    now,
                )
                .await?;
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
        let rows = sqlx::query(
            "SELECT p.id, p.iccid FROM line_periods p WHERE p.starts_at <= $1 AND p.ends_at > $1 AND p.ends_at <= $2 \
             AND NOT EXISTS (SELECT 1 FROM line_periods q WHERE q.iccid = p.iccid AND q.starts_at >= p.ends_at)",
        )
        .bind(to_millis(now))
        .bind(to_millis(now + within))
        .fetch_all(app.db.reader())
        .await?;
        for row in rows {
            found.push(Crossing {
                period_id: row.try_get("id")?,
                iccid: row.try_get("iccid")?,
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
        crate::auto_renew::quiet_until(now, app.config.time_zone())
    };
    let row = sqlx::query(
        "SELECT a.phone, a.email, a.locale, p.plan_version_id, p.ends_at FROM lines l JOIN accounts a ON a.id = l.account_id \
         JOIN line_periods p ON p.id = $1 WHERE l.iccid = $2",
    )
    .bind(&alert.period_id)
    .bind(&alert.iccid)
    .fetch_optional(app.db.reader())
    .await?;
    let Some(row) = row else { return Ok(()) };
    let locale = Locale::parse(&row.try_get::<String, _>("locale")?)
        .unwrap_or(app.config.locale.default_language);
    let version_id: String = row.try_get("plan_version_id")?;
    let plan = crate::catalog::plan_of_version(app.db.reader(), &version_id).await?;
    let link = format!(
        "{}/checkout?plan={plan}&iccid={}",
        app.config.public_url(),
        alert.iccid
    );
    let tail = &alert.iccid[alert.iccid.len().saturating_sub(4)..];
    let key = format!("alert.{}", alert.kind);
    let body = tf(
        locale,
        &format!("{key}.body"),
        &[("line", tail), ("link", &link)],
    );
    for (channel, to) in [
        (Channel::Sms, row.try_get::<String, _>("phone")?),
        (Channel::Email, row.try_get::<String, _>("email")?),
    ] {
        if channel == Channel::Email && alert.sms_only {
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
        };
        app.messenger
            .send(&message)
            .await
            .map_err(crate::error::Error::internal)?;
    }
    Ok(())
}
