//! SQL for `alerts`: which messages about a period have gone, each kind at most once
//! per period (usage's thresholds and auto-renew's reminders alike).

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::Tx;
use crate::error::Result;

/// Records that `kind` went for the period, in the caller's transaction; `false` when
/// it had already gone (then nothing should be sent again).
pub async fn mark_once(
    tx: &mut Tx,
    period_id: &str,
    kind: &str,
    iccid: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO alerts (period_id, kind, iccid, sent_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (period_id, kind) DO NOTHING",
    )
    .bind(period_id)
    .bind(kind)
    .bind(iccid)
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Whether `kind` already went for the period.
pub async fn was_sent(app: &App, period_id: &str, kind: &str) -> Result<bool> {
    let sent: Option<i64> =
        sqlx::query_scalar("SELECT sent_at FROM alerts WHERE period_id = $1 AND kind = $2")
            .bind(period_id)
            .bind(kind)
            .fetch_optional(app.db.reader())
            .await?;
    Ok(sent.is_some())
}

/// What went for the period, oldest first.
pub async fn sent_for_period(app: &App, period_id: &str) -> Result<Vec<(String, DateTime<Utc>)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT kind, sent_at FROM alerts WHERE period_id = $1 ORDER BY sent_at, kind",
    )
    .bind(period_id)
    .fetch_all(app.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(kind, sent_at)| (kind, from_millis(sent_at)))
        .collect())
}
