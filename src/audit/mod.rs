//! The audit log: who changed what and when. Every catalog and promotion change
//! (by `datacard plans import`, the demo seed or an operator key through the admin
//! API) and every operator action on payments is recorded in the transaction that
//! makes the change, so the log and the data never disagree.
//!
//! Entries are numbered in the order they are recorded (`seq`, gap-free, in commit
//! order with any number of writers) and chained by a keyed hash ([`chain`]), so that
//! `datacard audit verify` ([`verify()`]) proves no entry was changed, removed or
//! slipped in.

mod chain;
mod verify;

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::to_millis;
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::ids::new_id;

pub use chain::{GENESIS, Key, seal};
pub use verify::{Problem, Report, verify};

/// A write transaction that will record changes: it holds the log's head from the
/// start, so that every such transaction takes its locks in one order (the head,
/// then the rows it changes) and two of them never wait on each other; one begun
/// with [`Db::begin`] takes the head at its first [`record`] instead.
pub async fn begin(db: &Db) -> Result<Tx> {
    let mut tx = db.begin().await?;
    chain::hold_head(&mut tx).await?;
    Ok(tx)
}

/// Records one change, in the transaction that makes it (begun with [`begin`]).
/// The entry is numbered after every entry whose transaction committed before it.
pub async fn record(
    tx: &mut Tx,
    key: &Key,
    now: DateTime<Utc>,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<()> {
    let seq = chain::next_seq(tx).await?;
    let prev_hash = chain::prev_hash(tx, key, seq).await?;
    let entry = Entry {
        seq,
        id: new_id("aud", now),
        at: now,
        actor: actor.to_owned(),
        action: action.to_owned(),
        subject: subject.to_owned(),
        detail: detail.to_owned(),
    };
    let hash = key.hash(&entry, &prev_hash);
    sqlx::query(
        "INSERT INTO audit_log (seq, id, at, actor, action, subject, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(entry.seq)
    .bind(&entry.id)
    .bind(to_millis(entry.at))
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.subject)
    .bind(&entry.detail)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry's number: 1, 2, 3… in the order entries were recorded.
    pub seq: i64,
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

/// Entries newest first (by number), `limit` at a time (at most [`MAX_PAGE`]), only
/// those about `subject` if given, and only those recorded before the entry `before`
/// if given.
pub async fn list(
    app: &App,
    subject: Option<&str>,
    before: Option<&str>,
    limit: u32,
) -> Result<Page> {
    let limit = limit.clamp(1, MAX_PAGE);
    let mut sql =
        "SELECT seq, id, at, actor, action, subject, detail FROM audit_log WHERE 1 = 1".to_owned();
    let mut next = 1;
    if subject.is_some() {
        sql.push_str(&format!(" AND subject = ${next}"));
        next += 1;
    }
    if before.is_some() {
        sql.push_str(&format!(
            " AND seq < (SELECT seq FROM audit_log WHERE id = ${next})"
        ));
        next += 1;
    }
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${next}"));
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
        .map(chain::entry_of)
        .collect::<Result<Vec<_>>>()?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next_before = more.then(|| entries.last().map(|e| e.id.clone())).flatten();
    Ok(Page {
        entries,
        next_before,
    })
}
