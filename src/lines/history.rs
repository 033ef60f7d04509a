//! Lines as the watch for abnormal usage reads them: each line's periods, and what
//! the network was told when (suspensions and what followed them).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::placeholders;
use crate::error::Result;

/// When one period of a line ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodSpan {
    pub id: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Every period of these lines, by ICCID, in order.
pub async fn spans_of(app: &App, iccids: &[String]) -> Result<BTreeMap<String, Vec<PeriodSpan>>> {
    let mut out: BTreeMap<String, Vec<PeriodSpan>> = BTreeMap::new();
    for chunk in iccids.chunks(400) {
        let sql = format!(
            "SELECT id, iccid, starts_at, ends_at FROM line_periods WHERE iccid IN ({}) ORDER BY iccid, starts_at, id",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query_as::<_, (String, String, i64, i64)>(&sql);
        for iccid in chunk {
            query = query.bind(iccid);
        }
        for (id, iccid, starts_at, ends_at) in query.fetch_all(app.db.reader()).await? {
            out.entry(iccid).or_default().push(PeriodSpan {
                id,
                starts_at: from_millis(starts_at),
                ends_at: from_millis(ends_at),
            });
        }
    }
    Ok(out)
}

/// One order to the network about a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEvent {
    pub id: String,
    pub iccid: String,
    /// `suspend`, `resume` or `throttle`.
    pub action: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

fn event_of((id, iccid, action, reason, at): (String, String, String, String, i64)) -> StatusEvent {
    StatusEvent {
        id,
        iccid,
        action,
        reason,
        at: from_millis(at),
    }
}

/// Suspensions ordered since `since`, oldest first.
pub async fn suspensions_since(app: &App, since: DateTime<Utc>) -> Result<Vec<StatusEvent>> {
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT id, iccid, action, reason, created_at FROM line_events \
         WHERE action = 'suspend' AND created_at >= $1 ORDER BY created_at, id LIMIT 5000",
    )
    .bind(to_millis(since))
    .fetch_all(app.db.reader())
    .await?;
    Ok(rows.into_iter().map(event_of).collect())
}

/// Everything the network was told about the line since `since`, in order.
pub async fn status_events_of(
    app: &App,
    iccid: &str,
    since: DateTime<Utc>,
) -> Result<Vec<StatusEvent>> {
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT id, iccid, action, reason, created_at FROM line_events \
         WHERE iccid = $1 AND created_at >= $2 ORDER BY created_at, id",
    )
    .bind(iccid)
    .bind(to_millis(since))
    .fetch_all(app.db.reader())
    .await?;
    Ok(rows.into_iter().map(event_of).collect())
}
