//! The audit log: who changed what and when. Every catalog and promotion change
//! (by `datacard plans import`, the demo seed or an operator key through the admin
//! API) and every operator action on payments is recorded in the transaction that
//! makes the change, so the log and the data never disagree.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::Tx;
use crate::error::Result;
use crate::ids::new_id;

/// Records one change, in the transaction that makes it.
pub async fn record(
    tx: &mut Tx,
    now: DateTime<Utc>,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO audit_log (id, at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(new_id("aud", now))
        .bind(to_millis(now))
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub at: DateTime<Utc>,
    /// `cli`, `demo`, or the name of the operator key that made the change.
    pub actor: String,
    /// e.g. `plan.version`, `plan.retire`, `promotion.update`, `payment.refund`.
    pub action: String,
    /// What changed: a plan's or promotion's code, a payment's id.
    pub subject: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub entries: Vec<Entry>,
    /// Pass as `before` for the next (older) page; `None` on the last page.
    pub next_before: Option<String>,
}

/// Most entries one page holds.
pub const MAX_PAGE: u32 = 200;

/// Entries newest first, `limit` at a time (at most [`MAX_PAGE`]), only those about
/// `subject` if given, and only those older than the entry `before` if given.
pub async fn list(
    app: &App,
    subject: Option<&str>,
    before: Option<&str>,
    limit: u32,
) -> Result<Page> {
    let limit = limit.clamp(1, MAX_PAGE);
    let mut sql =
        "SELECT id, at, actor, action, subject, detail FROM audit_log WHERE 1 = 1".to_owned();
    let mut next = 1;
    if subject.is_some() {
        sql.push_str(&format!(" AND subject = ${next}"));
        next += 1;
    }
    if before.is_some() {
        sql.push_str(&format!(
            " AND (at < (SELECT at FROM audit_log WHERE id = ${next}) \
             OR (at = (SELECT at FROM audit_log WHERE id = ${next}) AND id < ${next}))"
        ));
        next += 1;
    }
    sql.push_str(&format!(" ORDER BY at DESC, id DESC LIMIT ${next}"));
    let mut query = sqlx::query(&sql);
    if let Some(subject) = subject {
        query = query.bind(subject);
    }
    if let Some(before) = before {
        query = query.bind(before);
    }
    let rows = query
        .bind(i64::from(limit) + 1)
        .fetch_all(app.db.reader())
        .await?;
    let mut entries = rows
        .iter()
        .map(|row| {
            Ok(Entry {
                id: row.try_get("id")?,
                at: from_millis(row.try_get("at")?),
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                subject: row.try_get("subject")?,
                detail: row.try_get("detail")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next_before = more.then(|| entries.last().map(|e| e.id.clone())).flatten();
    Ok(Page {
        entries,
        next_before,
    })
}
