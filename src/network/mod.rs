//! The network side: what we tell the host network (or upstream eSIM provider) about
//! a line — throttle, suspend, resume — through one adapter trait, recorded as line
//! events and delivered by a durable job so that nothing is lost or sent twice out
//! of order.

mod http;
mod sandbox;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::db::Tx;
use crate::error::Result;
use crate::ids::new_id;
use crate::jobs::{self, Job};

pub use http::HttpNetwork;
pub use sandbox::{SandboxNetwork, told};

pub const DELIVER_JOB: &str = "network.deliver";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Throttle { kbps: u32 },
    Suspend,
    Resume,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Throttle { .. } => "throttle",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
        }
    }
}

#[async_trait::async_trait]
pub trait Network: Send + Sync + 'static {
    /// Tells the network; `event_id` lets it ignore a repeat.
    async fn apply(&self, event_id: &str, iccid: &str, action: &Action) -> anyhow::Result<()>;
}

pub fn adapter(app: &App) -> Box<dyn Network> {
    match app.config.network.adapter.as_str() {
        "http" => Box::new(HttpNetwork::new(&app.config.network)),
        _ => Box::new(SandboxNetwork::new(app)),
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct DeliverJob {
    event_id: String,
}

/// Changes the line's status and queues the order to the network, in the caller's
/// transaction. Nothing happens when the line already is in that state for that reason.
pub async fn enforce(
    tx: &mut Tx,
    iccid: &str,
    action: Action,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let status = match action {
        Action::Throttle { .. } => "throttled",
        Action::Suspend => "suspended",
        Action::Resume => "active",
    };
    let changed = sqlx::query(
        "UPDATE lines SET status = $1, status_reason = $2, updated_at = $3 \
         WHERE iccid = $4 AND NOT (status = $1 AND COALESCE(status_reason, '') = $5) AND status <> 'pending_install'",
    )
    .bind(status)
    .bind(if action == Action::Resume { None } else { Some(reason) })
    .bind(to_millis(now))
    .bind(iccid)
    .bind(if action == Action::Resume { "" } else { reason })
    .execute(&mut **tx)
    .await?;
    if changed.rows_affected() == 0 {
        return Ok(false);
    }
    queue(tx, iccid, action, reason, now).await?;
    Ok(true)
}

/// Records the order to the network and queues its delivery.
pub async fn queue(
    tx: &mut Tx,
    iccid: &str,
    action: Action,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = new_id("lev", now);
    let kbps = match action {
        Action::Throttle { kbps } => Some(i64::from(kbps)),
        _ => None,
    };
    sqlx::query("INSERT INTO line_events (id, iccid, action, reason, throttle_kbps, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&id)
        .bind(iccid)
        .bind(action.name())
        .bind(reason)
        .bind(kbps)
        .bind(to_millis(now))
        .execute(&mut **tx)
        .await?;
    jobs::enqueue(
        tx,
        DELIVER_JOB,
        None,
        &DeliverJob { event_id: id },
        now,
        now,
    )
    .await?;
    tracing::info!(
        line.action = action.name(),
        reason,
        "line enforcement queued"
    );
    Ok(())
}

/// Delivers one line event; `Ok(Some(at))` to try again later.
pub async fn deliver(app: &App, job: &Job) -> Result<Option<DateTime<Utc>>> {
    let DeliverJob { event_id } = job.payload()?;
    let row = sqlx::query(
        "SELECT iccid, action, throttle_kbps, delivered_at FROM line_events WHERE id = $1",
    )
    .bind(&event_id)
    .fetch_optional(app.db.reader())
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.try_get::<Option<i64>, _>("delivered_at")?.is_some() {
        return Ok(None);
    }
    let iccid: String = row.try_get("iccid")?;
    // A newer order about the line replaces this one: sending it late (after a retry)
    // would undo the newer one at the network.
    let newer: i64 = sqlx::query(
        "SELECT COUNT(*) FROM line_events e JOIN line_events this ON this.id = $1 \
         WHERE e.iccid = this.iccid AND (e.created_at > this.created_at OR (e.created_at = this.created_at AND e.id > this.id))",
    )
    .bind(&event_id)
    .fetch_one(app.db.reader())
    .await?
    .try_get(0)?;
    if newer > 0 {
        let mut tx = app.db.begin().await?;
        sqlx::query("UPDATE line_events SET delivered_at = $1 WHERE id = $2")
            .bind(to_millis(app.now()))
            .bind(&event_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(None);
    }
    let action = match row.try_get::<String, _>("action")?.as_str() {
        "throttle" => Action::Throttle {
            kbps: u32::try_from(row.try_get::<Option<i64>, _>("throttle_kbps")?.unwrap_or(0))
                .unwrap_or(0),
        },
        "suspend" => Action::Suspend,
        _ => Action::Resume,
    };
    let result = adapter(app).apply(&event_id, &iccid, &action).await;
    let mut tx = app.db.begin().await?;
    match result {
        Ok(()) => {
            sqlx::query(
                "UPDATE line_events SET delivered_at = $1, attempts = attempts + 1 WHERE id = $2",
            )
            .bind(to_millis(app.now()))
            .bind(&event_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(None)
        }
        Err(error) => {
            sqlx::query("UPDATE line_events SET attempts = attempts + 1 WHERE id = $1")
                .bind(&event_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::warn!(%error, "network did not take the line event; will retry");
            let wait = chrono::Duration::seconds(
                10 * 2i64.pow(u32::try_from(job.attempts.clamp(1, 8)).unwrap_or(8)),
            );
            Ok(Some(app.now() + wait))
        }
    }
}

/// Why a line is as it is, for the account page.
pub fn is_known_reason(reason: &str) -> bool {
    matches!(reason, "quota_exhausted" | "fair_use" | "no_period_left")
}
