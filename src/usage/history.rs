//! Usage as the watch for abnormal usage reads it: the lines that used much lately,
//! a line's hourly totals, and records that found no period or came while a line was
//! stopped.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::error::Result;

/// Lines that used at least `floor` bytes since `since` (from the hourly totals), with
/// what they used.
pub async fn busy_lines_since(
    app: &App,
    since: DateTime<Utc>,
    floor: u64,
) -> Result<Vec<(String, u64)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT iccid, CAST(SUM(bytes) AS BIGINT) FROM usage_hourly WHERE hour >= $1 \
         GROUP BY iccid HAVING SUM(bytes) >= $2 ORDER BY iccid LIMIT 5000",
    )
    .bind(to_millis(since))
    .bind(i64::try_from(floor).unwrap_or(i64::MAX))
    .fetch_all(app.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(iccid, bytes)| (iccid, u64::try_from(bytes).unwrap_or(0)))
        .collect())
}

/// The line's hourly totals since `since`, oldest first.
pub async fn hourly_of_line(
    app: &App,
    iccid: &str,
    since: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, u64)>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT hour, bytes FROM usage_hourly WHERE iccid = $1 AND hour >= $2 ORDER BY hour",
    )
    .bind(iccid)
    .bind(to_millis(since))
    .fetch_all(app.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(hour, bytes)| (from_millis(hour), u64::try_from(bytes).unwrap_or(0)))
        .collect())
}

/// One usage record as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptRecord {
    pub record_id: String,
    pub iccid: String,
    pub bytes: u64,
    pub started_at: DateTime<Utc>,
}

fn kept((record_id, iccid, bytes, started_at): (String, String, i64, i64)) -> KeptRecord {
    KeptRecord {
        record_id,
        iccid,
        bytes: u64::try_from(bytes).unwrap_or(0),
        started_at: from_millis(started_at),
    }
}

/// Records received since `since` that found no period on their line, oldest first.
pub async fn without_period_since(app: &App, since: DateTime<Utc>) -> Result<Vec<KeptRecord>> {
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT record_id, iccid, bytes, started_at FROM usage_records \
         WHERE outcome = 'no_period' AND received_at >= $1 ORDER BY received_at, record_id LIMIT 20000",
    )
    .bind(to_millis(since))
    .fetch_all(app.db.reader())
    .await?;
    Ok(rows.into_iter().map(kept).collect())
}

/// The line's records that started in `[from, to)`, oldest first.
pub async fn of_line_between(
    app: &App,
    iccid: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<KeptRecord>> {
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT record_id, iccid, bytes, started_at FROM usage_records \
         WHERE iccid = $1 AND started_at >= $2 AND started_at < $3 ORDER BY started_at, record_id LIMIT 20000",
    )
    .bind(iccid)
    .bind(to_millis(from))
    .bind(to_millis(to))
    .fetch_all(app.db.reader())
    .await?;
    Ok(rows.into_iter().map(kept).collect())
}
