//! The low-stock alert. When the free eSIMs fall to `[inventory] low_stock_threshold`
//! or below, the admins are told once: an `inventory.low_stock` entry in the audit log
//! (which the console's home page and the inventory page also warn of while the
//! stock stays low) and, when `[support] email` is set, an email to it, sent by a
//! job so that a mail server that is down delays it rather than loses it. When the
//! stock is above the threshold again (an import), the alert is cleared
//! (`inventory.restocked`) and the next fall is told again.
//!
//! The background loop checks every 30 seconds, and an import checks at once. One
//! row in `esim_stock_alerts`, inserted first-wins, makes "once" hold with any
//! number of app nodes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::app::App;
use crate::audit::{self, Key};
use crate::clock::to_millis;
use crate::error::{Error, Result};
use crate::i18n::tf;
use crate::jobs::{self, Job};
use crate::messages::{Channel, Message};

/// The job that emails the support address about a fall.
pub const LOW_STOCK_JOB: &str = "inventory.low_stock";
/// The audit log's actor for what the server does by itself.
pub const SYSTEM_ACTOR: &str = "system";
/// What the audit entries are about.
pub const SUBJECT: &str = "esim_inventory";
const KIND: &str = "low_stock";

/// What a check did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    /// The stock fell to the threshold or below: the admins were told now.
    Raised { free: i64, threshold: i64 },
    /// The stock is above the threshold again: the next fall will be told.
    Cleared { free: i64 },
    /// Nothing to tell: still low (told already) or still above.
    Unchanged,
}

#[derive(Debug, Serialize, Deserialize)]
struct Notice {
    free: i64,
    threshold: i64,
}

async fn free_and_raised(app: &App) -> Result<(i64, bool)> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM esim_inventory WHERE order_id IS NULL) AS free, \
         (SELECT COUNT(*) FROM esim_stock_alerts WHERE kind = $1) AS raised",
    )
    .bind(KIND)
    .fetch_one(app.db.reader())
    .await?;
    Ok((row.try_get("free")?, row.try_get::<i64, _>("raised")? > 0))
}

/// Compares the free eSIMs with the threshold and tells the admins of a crossing.
/// Reads only, unless there is something to tell.
pub async fn check(app: &App) -> Result<Alert> {
    let threshold = app.config.inventory.low_stock_threshold;
    let (free, raised) = free_and_raised(app).await?;
    let low = free <= threshold;
    if low == raised {
        return Ok(Alert::Unchanged);
    }
    let now = app.now();
    let key = Key::from_secret(&app.secret);
    let mut tx = audit::begin(&app.db).await?;
    let alert = if low {
        let inserted = sqlx::query(
            "INSERT INTO esim_stock_alerts (kind, free, threshold, raised_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kind) DO NOTHING",
        )
        .bind(KIND)
        .bind(free)
        .bind(threshold)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(Alert::Unchanged);
        }
        let detail = format!("{free} free, threshold {threshold}");
        audit::record(
            &mut tx,
            &key,
            now,
            SYSTEM_ACTOR,
            "inventory.low_stock",
            SUBJECT,
            &detail,
        )
        .await?;
        if !app.config.support.email.is_empty() {
            let unique = format!("{LOW_STOCK_JOB}:{}", to_millis(now));
            let notice = Notice { free, threshold };
            jobs::enqueue(&mut tx, LOW_STOCK_JOB, Some(&unique), &notice, now, now).await?;
        }
        Alert::Raised { free, threshold }
    } else {
        let deleted = sqlx::query("DELETE FROM esim_stock_alerts WHERE kind = $1")
            .bind(KIND)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Ok(Alert::Unchanged);
        }
        let detail = format!("{free} free, threshold {threshold}");
        audit::record(
            &mut tx,
            &key,
            now,
            SYSTEM_ACTOR,
            "inventory.restocked",
            SUBJECT,
            &detail,
        )
        .await?;
        Alert::Cleared { free }
    };
    tx.commit().await?;
    if let Alert::Raised { free, threshold } = alert {
        tracing::warn!(free, threshold, "eSIM stock is low");
    }
    Ok(alert)
}

/// When the admins were last told of a fall that still holds; `None` while the
/// stock is above the threshold (or the fall is not yet seen by a check).
pub async fn raised_at(app: &App) -> Result<Option<DateTime<Utc>>> {
    let at: Option<i64> =
        sqlx::query_scalar("SELECT raised_at FROM esim_stock_alerts WHERE kind = $1")
            .bind(KIND)
            .fetch_optional(app.db.reader())
            .await?;
    Ok(at.map(crate::clock::from_millis))
}

/// Emails `[support] email` about a fall (the job runner's handler), in the
/// operator's language.
pub async fn send(app: &App, job: &Job) -> Result<()> {
    let notice: Notice = job.payload()?;
    let to = &app.config.support.email;
    if to.is_empty() {
        return Ok(());
    }
    let locale = app.config.locale.default_language;
    let args = [
        ("free", notice.free.to_string()),
        ("threshold", notice.threshold.to_string()),
        (
            "link",
            format!("{}/admin/inventory", app.config.public_url()),
        ),
    ];
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let message = Message {
        channel: Channel::Email,
        to: to.clone(),
        locale,
        kind: "inventory_low_stock".to_owned(),
        subject: tf(locale, "inventory.alert_subject", &args),
        body: tf(locale, "inventory.alert_body", &args),
        html: None,
        unsubscribe: None,
    };
    app.messenger
        .send(&app.db, app.now(), &message)
        .await
        .map_err(Error::internal)
}
