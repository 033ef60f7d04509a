//! The `refunds` table: refunds and wallet adjustments staff asked for, with who asked,
//! who approved and where each stands.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::{Backend, Tx};
use crate::error::{Error, Result};
use crate::money::{Currency, Money};

/// One refund or wallet adjustment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RefundRecord {
    pub id: String,
    /// `refund` or `adjustment`.
    pub kind: String,
    pub account_id: String,
    pub payment_id: Option<String>,
    /// `provider` or `wallet`.
    pub destination: String,
    /// Positive for a refund; signed for an adjustment.
    pub amount: Money,
    pub reason: String,
    pub note: String,
    /// `pending_approval`, `queued` (on its way through the provider), `refunded`,
    /// `applied` (in the wallet), `failed` (the provider refused it every time; the
    /// books moved back), `rejected` (by a second member) or `cancelled` (by the one
    /// who asked).
    pub state: String,
    pub requested_by: String,
    pub approved_by: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Who rejected or cancelled it while it waited for approval, and why.
    pub closed_by: Option<String>,
    pub close_reason: Option<String>,
}

/// States in which a refund takes nothing back.
const UNDONE: &str = "('failed', 'rejected', 'cancelled')";

const COLUMNS: &str = "id, kind, account_id, payment_id, destination, amount, currency, reason, note, state, requested_by, approved_by, created_at, closed_by, close_reason";

fn read(row: &sqlx::any::AnyRow) -> Result<RefundRecord> {
    let currency: String = row.try_get("currency")?;
    let currency = Currency::parse(&currency).map_err(Error::internal)?;
    Ok(RefundRecord {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        account_id: row.try_get("account_id")?,
        payment_id: row.try_get("payment_id")?,
        destination: row.try_get("destination")?,
        amount: Money::new(row.try_get("amount")?, currency),
        reason: row.try_get("reason")?,
        note: row.try_get("note")?,
        state: row.try_get("state")?,
        requested_by: row.try_get("requested_by")?,
        approved_by: row.try_get("approved_by")?,
        created_at: from_millis(row.try_get("created_at")?),
        closed_by: row.try_get("closed_by")?,
        close_reason: row.try_get("close_reason")?,
    })
}

pub(super) async fn insert(tx: &mut Tx, record: &RefundRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO refunds (id, kind, account_id, payment_id, destination, amount, currency, reason, note, state, requested_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&record.id)
    .bind(&record.kind)
    .bind(&record.account_id)
    .bind(record.payment_id.as_deref())
    .bind(&record.destination)
    .bind(record.amount.amount)
    .bind(record.amount.currency.to_string())
    .bind(&record.reason)
    .bind(&record.note)
    .bind(&record.state)
    .bind(&record.requested_by)
    .bind(to_millis(record.created_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn lock(tx: &mut Tx, backend: Backend, id: &str) -> Result<Option<RefundRecord>> {
    let suffix = if backend == Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM refunds WHERE id = $1{suffix}"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(read).transpose()
}

pub async fn find(app: &App, id: &str) -> Result<Option<RefundRecord>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM refunds WHERE id = $1"))
        .bind(id)
        .fetch_optional(app.db.reader())
        .await?;
    row.as_ref().map(read).transpose()
}

/// What refunds of `payment_id` already take back, asked for or done (not failed,
/// rejected or cancelled).
pub(super) async fn taken_back(tx: &mut Tx, payment_id: &str) -> Result<i64> {
    let row = sqlx::query(&format!(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM refunds WHERE payment_id = $1 AND state NOT IN {UNDONE}"
    ))
    .bind(payment_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("total")?)
}

pub(super) async fn set_state(
    tx: &mut Tx,
    id: &str,
    state: &str,
    approved_by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = matches!(state, "refunded" | "applied" | "failed").then(|| to_millis(now));
    sqlx::query(
        "UPDATE refunds SET state = $1, approved_by = COALESCE($2, approved_by), \
         decided_at = CASE WHEN $2 IS NULL THEN decided_at ELSE $3 END, done_at = COALESCE($4, done_at) WHERE id = $5",
    )
    .bind(state)
    .bind(approved_by)
    .bind(to_millis(now))
    .bind(done)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A request waiting for approval turned down (`rejected`) or withdrawn
/// (`cancelled`) by `by`, with why; `false` when it was no longer waiting.
pub(super) async fn close(
    tx: &mut Tx,
    id: &str,
    state: &str,
    by: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE refunds SET state = $1, closed_by = $2, close_reason = $3, decided_at = $4, done_at = $4 \
         WHERE id = $5 AND state = 'pending_approval'",
    )
    .bind(state)
    .bind(by)
    .bind(reason)
    .bind(to_millis(now))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Refunds and adjustments waiting for a second staff member, oldest first.
pub async fn pending(app: &App) -> Result<Vec<RefundRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM refunds WHERE state = 'pending_approval' ORDER BY created_at, id"
    ))
    .fetch_all(app.db.reader())
    .await?;
    rows.iter().map(read).collect()
}

/// A customer's refunds and adjustments, newest first.
pub async fn of_account(app: &App, account_id: &str) -> Result<Vec<RefundRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM refunds WHERE account_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(account_id)
    .fetch_all(app.db.reader())
    .await?;
    rows.iter().map(read).collect()
}
