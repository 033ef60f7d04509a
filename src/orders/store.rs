//! SQL for orders and their latest payment.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::{Backend, ConstraintExt, Tx};
use crate::error::{Code, Error, Result};
use crate::money::Currency;
use crate::payments::store as payments;

use crate::catalog::PlanCode;
use crate::lines::Iccid;

use super::{Breakdown, Order, OrderKind, OrderState, PaymentSummary, Product};
use crate::payments::Method;

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
    .bind(&order.id)
    .bind(&order.account_id)
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

// joins esim_inventory (owner: inventory): the activation code is read with every order on
// the checkout path (refresh, notification, fulfilled page); a second query per order would
// add a round trip there.
// joins plan_versions (owner: catalog): the plan's names as sold, read with the order
// in one query by checkout and settlement (their hot path) rather than a second trip.
const COLUMNS: &str = "o.id, o.account_id, o.kind, o.iccid, o.plan_code, o.plan_version_id, o.periods, o.currency, \
    o.list_price, o.discounts, o.fee, o.total, o.payment_method, o.state, o.attention, o.created_at, o.expires_at, \
    o.paid_at, o.fulfilled_at, \
    (SELECT i.smdp_address FROM esim_inventory i WHERE i.order_id = o.id) AS smdp_address, \
    (SELECT i.matching_id FROM esim_inventory i WHERE i.order_id = o.id) AS matching_id, \
    (SELECT v.names FROM plan_versions v WHERE v.id = o.plan_version_id) AS plan_names";

fn corrupt(what: &str) -> Error {
    Error::internal(anyhow::anyhow!("order row has a bad {what}"))
}

fn order_from_row(row: &AnyRow) -> Result<Order> {
    let currency =
        Currency::parse(&row.try_get::<String, _>("currency")?).map_err(|_| corrupt("currency"))?;
    let discounts: String = row.try_get("discounts")?;
    let periods: i64 = row.try_get("periods")?;
    let list_price: i64 = row.try_get("list_price")?;
    let smdp: Option<String> = row.try_get("smdp_address")?;
    let matching: Option<String> = row.try_get("matching_id")?;
    Ok(Order {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        product: product_from_row(row)?,
        plan_version_id: row.try_get("plan_version_id")?,
        breakdown: Breakdown {
            currency,
            unit_price: if periods > 0 {
                list_price / periods
            } else {
                list_price
            },
            periods: u32::try_from(periods).map_err(|_| corrupt("periods"))?,
            list_price,
            discounts: serde_json::from_str(&discounts).map_err(|_| corrupt("discounts"))?,
            fee: row.try_get("fee")?,
            total: row.try_get("total")?,
        },
        method: Method::parse(&row.try_get::<String, _>("payment_method")?)
            .ok_or_else(|| corrupt("method"))?,
        state: OrderState::parse(&row.try_get::<String, _>("state")?)
            .ok_or_else(|| corrupt("state"))?,
        attention: row.try_get("attention")?,
        created_at: from_millis(row.try_get("created_at")?),
        expires_at: from_millis(row.try_get("expires_at")?),
        paid_at: row.try_get::<Option<i64>, _>("paid_at")?.map(from_millis),
        fulfilled_at: row
            .try_get::<Option<i64>, _>("fulfilled_at")?
            .map(from_millis),
        payment: None,
        plan_names: row
            .try_get::<Option<String>, _>("plan_names")?
            .and_then(|names| serde_json::from_str(&names).ok())
            .unwrap_or_default(),
        activation_code: smdp
            .zip(matching)
            .map(|(smdp, matching)| format!("1${smdp}${matching}")),
    })
}

/// What the row buys; a renewal without its ICCID or plan is a corrupt row.
fn product_from_row(row: &AnyRow) -> Result<Product> {
    let kind =
        OrderKind::parse(&row.try_get::<String, _>("kind")?).ok_or_else(|| corrupt("kind"))?;
    let iccid: Option<String> = row.try_get("iccid")?;
    let plan = || -> Result<PlanCode> {
        let code: Option<String> = row.try_get("plan_code")?;
        let code = code.ok_or_else(|| corrupt("plan_code (none)"))?;
        PlanCode::parse(&code).map_err(|_| corrupt("plan_code"))
    };
    Ok(match kind {
        OrderKind::Renewal => Product::Renewal {
            iccid: Iccid::from_stored(&iccid.ok_or_else(|| corrupt("iccid (none)"))?)?,
            plan: plan()?,
        },
        OrderKind::NewEsim => Product::NewEsim { plan: plan()? },
        OrderKind::WalletTopup => Product::WalletTopup,
    })
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
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM orders o WHERE {column} = $1 AND o.account_id = $2"
    ))
    .bind(value)
    .bind(account_id)
    .fetch_optional(app.db.reader())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut order = order_from_row(&row)?;
    order.payment = payments::latest_of_order(app.db.reader(), &order.id).await?;
    Ok(Some(order))
}

/// Locks the order row for the rest of the transaction (PostgreSQL; SQLite has one writer).
pub async fn lock(tx: &mut Tx, backend: Backend, order_id: &str) -> Result<Order> {
    let suffix = if backend == Backend::Postgres {
        " FOR UPDATE OF o"
    } else {
        ""
    };
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM orders o WHERE o.id = $1{suffix}"
    ))
    .bind(order_id)
    .fetch_one(&mut **tx)
    .await?;
    order_from_row(&row)
}

pub async fn list_for_account(app: &App, account_id: &str, limit: i64) -> Result<Vec<Order>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM orders o WHERE o.account_id = $1 ORDER BY o.created_at DESC, o.id DESC LIMIT $2"
    ))
    .bind(account_id)
    .bind(limit)
    .fetch_all(app.db.reader())
    .await?;
    let mut orders = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut order = order_from_row(row)?;
        order.payment = payments::latest_of_order(app.db.reader(), &order.id).await?;
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
