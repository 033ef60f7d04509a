//! SQL for `announcement_deliveries`: one row per (announcement, account, channel),
//! claimed before its message leaves, so nothing is sent twice.

use chrono::{DateTime, Utc};

use crate::clock::to_millis;
use crate::db::Tx;
use crate::error::Result;
use crate::messages::Channel;
use crate::preferences::channel_tag;

/// Adds the delivery as `queued`; false when it was there already.
pub(super) async fn add(
    tx: &mut Tx,
    announcement_id: &str,
    account_id: &str,
    channel: Channel,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO announcement_deliveries (announcement_id, account_id, channel, state, queued_at) \
         VALUES ($1, $2, $3, 'queued', $4) \
         ON CONFLICT (announcement_id, account_id, channel) DO NOTHING",
    )
    .bind(announcement_id)
    .bind(account_id)
    .bind(channel_tag(channel))
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// `queued` → `sending`, in a transaction of its own that commits before the message
/// leaves; false when it is not queued (sent, skipped, or claimed by a worker that
/// may have sent it before it died).
pub(super) async fn claim(
    tx: &mut Tx,
    announcement_id: &str,
    account_id: &str,
    channel: Channel,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE announcement_deliveries SET state = 'sending' \
         WHERE announcement_id = $1 AND account_id = $2 AND channel = $3 AND state = 'queued'",
    )
    .bind(announcement_id)
    .bind(account_id)
    .bind(channel_tag(channel))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The claimed delivery's end: `sent`, `skipped`, or back to `queued` when the sender
/// failed and the job will try again.
pub(super) async fn finish(
    tx: &mut Tx,
    announcement_id: &str,
    account_id: &str,
    channel: Channel,
    state: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let done_at = (state != "queued").then(|| to_millis(now));
    sqlx::query(
        "UPDATE announcement_deliveries SET state = $4, done_at = $5 \
         WHERE announcement_id = $1 AND account_id = $2 AND channel = $3 AND state = 'sending'",
    )
    .bind(announcement_id)
    .bind(account_id)
    .bind(channel_tag(channel))
    .bind(state)
    .bind(done_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many of the announcement's deliveries are in each state, for the back office:
/// (queued or sending, sent, skipped).
pub(super) async fn counts<'e, E>(executor: E, announcement_id: &str) -> Result<(i64, i64, i64)>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT \
           CAST(COALESCE(SUM(CASE WHEN state IN ('queued', 'sending') THEN 1 ELSE 0 END), 0) AS BIGINT) AS waiting, \
           CAST(COALESCE(SUM(CASE WHEN state = 'sent' THEN 1 ELSE 0 END), 0) AS BIGINT) AS sent, \
           CAST(COALESCE(SUM(CASE WHEN state = 'skipped' THEN 1 ELSE 0 END), 0) AS BIGINT) AS skipped \
         FROM announcement_deliveries WHERE announcement_id = $1",
    )
    .bind(announcement_id)
    .fetch_one(executor)
    .await?;
    Ok((
        row.try_get("waiting")?,
        row.try_get("sent")?,
        row.try_get("skipped")?,
    ))
}
