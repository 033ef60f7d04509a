//! SQL for orders and their latest payment.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::db::{Backend, ConstraintExt, Tx};
use crate::error::{Code, Error, Result};
use crate::payments::store as payments;

use crate::catalog::PlanCode;
use crate::lines::Iccid;

use super::row::{COLUMNS, OrderRow, corrupt};
use super::{Order, OrderKind, OrderState, PaymentSummary};

/// Stores a new order; `idempotency_key`, the key of the request that made it, is
/// the account's once: a second order with it is refused (`idempotency_in_progress`,
/// for the request that made the first is still answering).
pub async fn insert(tx: &mut Tx, order: &Order, idempotency_key: Option<&str>) -> Result<()> {
    let b = &order.breakdown;
    sqlx::query(
        "INSERT INTO orders (id, account_id, kind, iccid, plan_code, plan_version_id, periods, currency, list_price, \
         discounts, fee, total, payment_method, state, created_at, expires_at, updated_at, idempotency_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $15, $17)",
    )
    .bind(order.id.as_str())
    .bind(order.account_id.as_str())
    .bind(order.kind().as_str())
    .bind(order.iccid().map(Iccid::as_str))
    .bind(order.plan_code().map(PlanCode::as_str))
    .bind(order.plan_version_id.as_deref())
    .bind(i64::from(b.periods))
    .bind(b.currency.as_str())
    .bind(b.list_price)
    .bind(serde_json::to_string(&b.discounts).map_err(Error::internal)?)
    .bind(b.fee)
    .bind(b.total)
    .bind(order.method.as_str())
    .bind(order.state.as_str())
    .bind(to_millis(order.created_at))
    .bind(to_millis(order.expires_at))
    .bind(idempotency_key)
    .execute(&mut **tx)
    .await
    .on_constraint(
        "orders_idempotency_key_key",
        Error::conflict(Code::IdempotencyInProgress),
    )?;
    Ok(())
}

/// The order as the account sees it; someone else's order is "not found".
pub async fn find_for_account(
    app: &App,
    order_id: &str,
    account_id: &str,
) -> Result<Option<Order>> {
    find_of_account(app, "o.id", order_id, account_id).await
}

/// The order the account made with this `Idempotency-Key`, if any.
pub async fn find_by_idempotency_key(
    app: &App,
    account_id: &str,
    idempotency_key: &str,
) -> Result<Option<Order>> {
    find_of_account(app, "o.idempotency_key", idempotency_key, account_id).await
}

/// The account's order whose `column` (one of ours, never input) is `value`, with
/// its latest payment.
async fn find_of_account(
    app: &App,
    column: &'static str,
    value: &str,
    account_id: &str,
) -> Result<Option<Order>> {
    let row: Option<OrderRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM orders o WHERE {column} = $1 AND o.account_id = $2"
    ))
    .bind(value)
    .bind(account_id)
    .fetch_optional(app.db.reader())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut order = row.into_order()?;
    order.payment = payments::latest_of_order(app.db.reader(), order.id.as_str()).await?;
    Ok(Some(order))
}

/// Locks the order row for the rest of the transaction (PostgreSQL; SQLite has one writer).
pub async fn lock(tx: &mut Tx, backend: Backend, order_id: &str) -> Result<Order> {
    let suffix = if backend == Backend::Postgres {
        " FOR UPDATE OF o"
    } else {
        ""
    };
    let row: OrderRow = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM orders o WHERE o.id = $1{suffix}"
    ))
    .bind(order_id)
    .fetch_one(&mut **tx)
    .await?;
    row.into_order()
}

pub async fn list_for_account(app: &App, account_id: &str, limit: i64) -> Result<Vec<Order>> {
    let rows: Vec<OrderRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM orders o WHERE o.account_id = $1 ORDER BY o.created_at DESC, o.id DESC LIMIT $2"
    ))
    .bind(account_id)
    .bind(limit)
    .fetch_all(app.db.reader())
    .await?;
    let mut orders = Vec::with_capacity(rows.len());
    for row in rows {
        let mut order = row.into_order()?;
        order.payment = payments::latest_of_order(app.db.reader(), order.id.as_str()).await?;
        orders.push(order);
    }
    Ok(orders)
}

pub async fn set_state(
    tx: &mut Tx,
    order_id: &str,
    state: OrderState,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE orders SET state = $1, updated_at = $2 WHERE id = $3")
        .bind(state.as_str())
        .bind(to_millis(now))
        .bind(order_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The money arrived, but the order is not fulfilled (yet).
pub async fn mark_paid(tx: &mut Tx, order_id: &str, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE orders SET state = 'paid', paid_at = COALESCE(paid_at, $1), updated_at = $1 WHERE id = $2",
    )
    .bind(to_millis(now))
    .bind(order_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Flags the order for the operator, keeping earlier reasons.
pub async fn flag(tx: &mut Tx, order_id: &str, reason: &str) -> Result<()> {
    sqlx::query(
        "UPDATE orders SET attention = CASE WHEN attention IS NULL THEN $1 ELSE attention || ',' || $1 END WHERE id = $2",
    )
    .bind(reason)
    .bind(order_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The plans of the account's plan orders that still count (not expired, cancelled
/// or failed): what a first-order promotion asks of the account's history.
pub async fn ordered_plans(app: &App, account_id: &str) -> Result<BTreeSet<String>> {
    let rows = sqlx::query(
        "SELECT DISTINCT plan_code FROM orders WHERE account_id = $1 AND plan_code IS NOT NULL \
         AND state NOT IN ('expired', 'cancelled', 'failed')",
    )
    .bind(account_id)
    .fetch_all(app.db.reader())
    .await?;
    rows.iter()
        .map(|row| Ok(row.try_get::<String, _>("plan_code")?))
        .collect()
}

/// The newest payment attempt of an order.
pub async fn latest_payment_of(app: &App, order_id: &str) -> Result<Option<PaymentSummary>> {
    payments::latest_of_order(app.db.reader(), order_id).await
}

/// Orders flagged for the operator, most recently changed first.
pub async fn flagged(app: &App) -> Result<Vec<crate::payments::store::Flagged>> {
    Ok(sqlx::query_as(
        "SELECT id, state, attention AS reasons FROM orders WHERE attention IS NOT NULL ORDER BY updated_at DESC",
    )
    .fetch_all(app.db.reader())
    .await?)
}

/// Whether the subscriber tried `order_id` again with a new order
/// ([`super::cancel::retry`]) that still counts (not expired, cancelled or failed).
pub async fn retried(tx: &mut Tx, order_id: &str, account_id: &str) -> Result<bool> {
    let row = sqlx::query(
        "SELECT id FROM orders WHERE idempotency_key = $1 AND account_id = $2 \
         AND state NOT IN ('expired', 'cancelled', 'failed')",
    )
    .bind(super::cancel::retry_key(order_id))
    .bind(account_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.is_some())
}

/// Expires the order if it is still waiting for its payment (a guarded update: a
/// payment that arrived meanwhile wins).
pub async fn expire_if_pending(tx: &mut Tx, order_id: &str, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE orders SET state = 'expired', updated_at = $1 WHERE id = $2 AND state = 'pending_payment'",
    )
    .bind(to_millis(now))
    .bind(order_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The order's state, if there is such an order.
pub async fn state_of(app: &App, order_id: &str) -> Result<Option<OrderState>> {
    let found: Option<(String,)> = sqlx::query_as("SELECT state FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_optional(app.db.reader())
        .await?;
    found
        .map(|(state,)| OrderState::parse(&state).ok_or_else(|| corrupt("state")))
        .transpose()
}

/// How many orders of `kind` are fulfilled, and how many receipts were issued.
pub async fn fulfilled_and_receipts(app: &App, kind: OrderKind) -> Result<(i64, i64)> {
    let (fulfilled,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM orders WHERE state = 'fulfilled' AND kind = $1")
            .bind(kind.as_str())
            .fetch_one(app.db.reader())
            .await?;
    let (receipts,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM receipts")
        .fetch_one(app.db.reader())
        .await?;
    Ok((fulfilled, receipts))
}

/// Wallet top-ups refunded to the payer, each with its refunded payments.
pub async fn refunded_top_ups(db: &crate::db::Db) -> Result<Vec<crate::ledger::RefundedTopUp>> {
    let orders: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM orders WHERE kind = 'wallet_topup' AND state = 'refunded' ORDER BY id",
    )
    .fetch_all(db.reader())
    .await?;
    let mut out = Vec::new();
    for (order_id,) in orders {
        for payment_id in payments::refunded_of_order(db, &order_id).await? {
            out.push(crate::ledger::RefundedTopUp {
                order_id: order_id.clone(),
                payment_id,
            });
        }
    }
    Ok(out)
}

/// The books check ([`crate::ledger::check`]) with the refunded top-ups it looks at.
pub async fn check_books(db: &crate::db::Db) -> Result<crate::ledger::CheckReport> {
    crate::ledger::check(db, &refunded_top_ups(db).await?).await
}
