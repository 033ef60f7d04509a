//! SQL for `announcements` and `announcement_reads` (deliveries: `deliveries.rs`).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::clock::{from_millis, to_millis};
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::preferences::Channels;

use super::{Announcement, Draft, Priority};

const COLUMNS: &str = "id, titles, bodies, audience, starts_at, ends_at, priority, marketing, \
                       send_sms, send_email, created_by, created_at, updated_by, updated_at";

fn from_row(row: &AnyRow) -> Result<Announcement> {
    let json = |column: &str| -> Result<String> { Ok(row.try_get::<String, _>(column)?) };
    let parse_err = Error::internal;
    let priority: String = row.try_get("priority")?;
    Ok(Announcement {
        id: row.try_get("id")?,
        titles: serde_json::from_str(&json("titles")?).map_err(parse_err)?,
        bodies: serde_json::from_str(&json("bodies")?).map_err(parse_err)?,
        audience: serde_json::from_str(&json("audience")?).map_err(parse_err)?,
        starts_at: from_millis(row.try_get("starts_at")?),
        ends_at: row.try_get::<Option<i64>, _>("ends_at")?.map(from_millis),
        priority: Priority::parse(&priority)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("priority {priority:?}")))?,
        marketing: row.try_get::<i64, _>("marketing")? != 0,
        send: Channels {
            sms: row.try_get::<i64, _>("send_sms")? != 0,
            email: row.try_get::<i64, _>("send_email")? != 0,
        },
        created_by: row.try_get("created_by")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_by: row.try_get("updated_by")?,
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

/// The draft's stored columns, in the order of the statements below.
struct Columns {
    titles: String,
    bodies: String,
    audience: String,
    targeted: i64,
}

fn columns(draft: &Draft) -> Result<Columns> {
    Ok(Columns {
        titles: serde_json::to_string(&draft.titles).map_err(Error::internal)?,
        bodies: serde_json::to_string(&draft.bodies).map_err(Error::internal)?,
        audience: serde_json::to_string(&draft.audience).map_err(Error::internal)?,
        targeted: i64::from(!draft.audience.is_everyone()),
    })
}

pub(super) async fn insert(
    tx: &mut Tx,
    id: &str,
    draft: &Draft,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let stored = columns(draft)?;
    sqlx::query(
        "INSERT INTO announcements (id, titles, bodies, audience, targeted, starts_at, ends_at, \
           priority, marketing, send_sms, send_email, created_by, created_at, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12, $13)",
    )
    .bind(id)
    .bind(&stored.titles)
    .bind(&stored.bodies)
    .bind(&stored.audience)
    .bind(stored.targeted)
    .bind(to_millis(draft.starts_at))
    .bind(draft.ends_at.map(to_millis))
    .bind(draft.priority.as_str())
    .bind(i64::from(draft.marketing))
    .bind(i64::from(draft.send.sms))
    .bind(i64::from(draft.send.email))
    .bind(actor)
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// False when there is no such announcement.
pub(super) async fn update(
    tx: &mut Tx,
    id: &str,
    draft: &Draft,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let stored = columns(draft)?;
    let done = sqlx::query(
        "UPDATE announcements SET titles = $2, bodies = $3, audience = $4, targeted = $5, \
           starts_at = $6, ends_at = $7, priority = $8, marketing = $9, send_sms = $10, \
           send_email = $11, updated_by = $12, updated_at = $13 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(&stored.titles)
    .bind(&stored.bodies)
    .bind(&stored.audience)
    .bind(stored.targeted)
    .bind(to_millis(draft.starts_at))
    .bind(draft.ends_at.map(to_millis))
    .bind(draft.priority.as_str())
    .bind(i64::from(draft.marketing))
    .bind(i64::from(draft.send.sms))
    .bind(i64::from(draft.send.email))
    .bind(actor)
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn find<'e, E>(executor: E, id: &str) -> Result<Option<Announcement>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM announcements WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub(super) async fn list<'e, E>(executor: E) -> Result<Vec<Announcement>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM announcements ORDER BY starts_at DESC, id DESC"
    ))
    .fetch_all(executor)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Those shown at `now`: banners first, then the newest start.
pub(super) async fn current<'e, E>(executor: E, now: DateTime<Utc>) -> Result<Vec<Announcement>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM announcements \
         WHERE starts_at <= $1 AND (ends_at IS NULL OR ends_at > $1) \
         ORDER BY CASE priority WHEN 'banner' THEN 0 ELSE 1 END, starts_at DESC, id DESC"
    ))
    .bind(to_millis(now))
    .fetch_all(executor)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The ids of the announcements the account has read.
pub(super) async fn read_ids<'e, E>(executor: E, account_id: &str) -> Result<HashSet<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT announcement_id FROM announcement_reads WHERE account_id = $1")
            .bind(account_id)
            .fetch_all(executor)
            .await?;
    Ok(ids.into_iter().collect())
}

/// Read once: reading again keeps the first time.
pub(super) async fn mark_read(
    tx: &mut Tx,
    id: &str,
    account_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO announcement_reads (announcement_id, account_id, read_at) VALUES ($1, $2, $3) \
         ON CONFLICT (announcement_id, account_id) DO NOTHING",
    )
    .bind(id)
    .bind(account_id)
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
