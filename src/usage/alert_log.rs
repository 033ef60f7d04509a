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

/// Auto-renew charged off-session (wallet or saved card) in `[from, to)`: the periods
/// it tried, and of them those it renewed. A period counts when its first outcome (a
/// renewal, or the first failure) falls in the range; one renewed after failing
/// counts as renewed.
pub async fn auto_renew_outcomes(
    app: &App,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(i64, i64)> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT period_id, kind FROM alerts WHERE sent_at >= $1 AND sent_at < $2 \
         AND kind IN ('auto_renew_done', 'auto_renew_card_done', 'auto_renew_failed_0', 'auto_renew_card_failed_0')",
    )
    .bind(to_millis(from))
    .bind(to_millis(to))
    .fetch_all(app.db.reader())
    .await?;
    let tried: std::collections::BTreeSet<&str> = rows.iter().map(|(p, _)| p.as_str()).collect();
    let renewed: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|(_, kind)| kind.ends_with("_done"))
        .map(|(p, _)| p.as_str())
        .collect();
    Ok((tried.len() as i64, renewed.len() as i64))
}

/// The data alerts that went to these lines (`kinds` only), newest first, at most
/// `limit`: `(period_id, kind, iccid, sent_at)`.
pub async fn sent_to_lines(
    app: &App,
    iccids: &[String],
    kinds: &[&str],
    limit: i64,
) -> Result<Vec<(String, String, String, DateTime<Utc>)>> {
    if iccids.is_empty() || kinds.is_empty() {
        return Ok(Vec::new());
    }
    let iccids = &iccids[..iccids.len().min(200)];
    let sql = format!(
        "SELECT period_id, kind, iccid, sent_at FROM alerts WHERE iccid IN ({}) AND kind IN ({}) \
         ORDER BY sent_at DESC, kind LIMIT {limit}",
        crate::db::placeholders(1, iccids.len()),
        crate::db::placeholders(iccids.len() + 1, kinds.len()),
    );
    let mut query = sqlx::query_as::<_, (String, String, String, i64)>(&sql);
    for iccid in iccids {
        query = query.bind(iccid);
    }
    for kind in kinds {
        query = query.bind(*kind);
    }
    Ok(query
        .fetch_all(app.db.reader())
        .await?
        .into_iter()
        .map(|(period, kind, iccid, at)| (period, kind, iccid, from_millis(at)))
        .collect())
}
