//! Line events: each order to the network (throttle, suspend, resume) recorded in the
//! caller's transaction and delivered by a durable job, so that nothing is lost or
//! sent twice out of order.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::jobs::{self, Job};
use crate::network::{self, Action};

use super::Iccid;

pub const DELIVER_JOB: &str = "network.deliver";

#[derive(Debug, Serialize, Deserialize)]
struct DeliverJob {
    event_id: String,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    iccid: String,
    action: String,
    throttle_kbps: Option<i64>,
    delivered_at: Option<i64>,
}

fn corrupt(what: &str) -> Error {
    Error::internal(anyhow::anyhow!("line event has a bad {what}"))
}

impl EventRow {
    fn action(&self) -> Result<Action> {
        Ok(match self.action.as_str() {
            "throttle" => Action::Throttle {
                kbps: self
                    .throttle_kbps
                    .and_then(|kbps| u32::try_from(kbps).ok())
                    .ok_or_else(|| corrupt("throttle_kbps"))?,
            },
            "suspend" => Action::Suspend,
            "resume" => Action::Resume,
            _ => return Err(corrupt("action")),
        })
    }
}

/// Records the order to the network and queues its delivery.
pub async fn queue(
    tx: &mut Tx,
    iccid: &Iccid,
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
        .bind(iccid.as_str())
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
    let event: Option<EventRow> = sqlx::query_as(
        "SELECT iccid, action, throttle_kbps, delivered_at FROM line_events WHERE id = $1",
    )
    .bind(&event_id)
    .fetch_optional(app.db.reader())
    .await?;
    let Some(event) = event else { return Ok(None) };
    if event.delivered_at.is_some() {
        return Ok(None);
    }
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
    let action = event.action()?;
    let result = network::adapter(app)
        .apply(&event_id, &event.iccid, &action)
        .await;
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
            Ok(Some(app.now() + network::retry_after(job.attempts)))
        }
    }
}
