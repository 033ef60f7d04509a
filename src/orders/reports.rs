//! The books' figures read from orders: paid orders in a range (for the dashboard)
//! and every order made in a range, a page at a time (for the CSV export).

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::error::Result;
use crate::money::Currency;

/// An order whose money arrived, as the dashboard counts it.
#[derive(Debug, Clone)]
pub struct PaidOrder {
    pub paid_at: DateTime<Utc>,
    pub kind: String,
    pub method: String,
    /// What the payer paid, the method fee included (minor units).
    pub total: i64,
    pub fee: i64,
}

/// Orders in `currency` paid in `[from, to)` (also those refunded since), oldest first,
/// a page of at most `limit` after `after` (`paid_at` millis and id of the last row seen).
pub async fn paid_between(
    app: &App,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    currency: Currency,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<(i64, String, PaidOrder)>> {
    let (after_at, after_id) = after.unwrap_or((i64::MIN, String::new()));
    let rows: Vec<(String, i64, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, paid_at, kind, payment_method, total, fee FROM orders \
         WHERE paid_at >= $1 AND paid_at < $2 AND currency = $3 \
         AND (paid_at > $4 OR (paid_at = $4 AND id > $5)) \
         ORDER BY paid_at, id LIMIT $6",
    )
    .bind(to_millis(from))
    .bind(to_millis(to))
    .bind(currency.as_str())
    .bind(after_at)
    .bind(after_id)
    .bind(limit)
    .fetch_all(app.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, paid_at, kind, method, total, fee)| {
            (
                paid_at,
                id,
                PaidOrder {
                    paid_at: from_millis(paid_at),
                    kind,
                    method,
                    total,
                    fee,
                },
            )
        })
        .collect())
}

/// An order as the accountant's export lists it.
#[derive(Debug, Clone)]
pub struct OrderExportRow {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub account_id: String,
    pub kind: String,
    pub state: String,
    pub plan_code: Option<String>,
    pub periods: i64,
    pub currency: String,
    pub list_price: i64,
    pub fee: i64,
    pub total: i64,
    pub method: String,
    pub paid_at: Option<DateTime<Utc>>,
    pub fulfilled_at: Option<DateTime<Utc>>,
    pub attention: Option<String>,
}

type ExportTuple = (
    String,
    i64,
    String,
    String,
    String,
    Option<String>,
    i64,
    String,
    i64,
    i64,
    i64,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

/// Orders made in `[from, to)`, oldest first, a page of at most `limit` after `after`
/// (`created_at` millis and id of the last row seen).
pub async fn made_between(
    app: &App,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<OrderExportRow>> {
    let (after_at, after_id) = after.unwrap_or((i64::MIN, String::new()));
    let rows: Vec<ExportTuple> = sqlx::query_as(
        "SELECT id, created_at, account_id, kind, state, plan_code, periods, currency, list_price, fee, total, \
         payment_method, paid_at, fulfilled_at, attention FROM orders \
         WHERE created_at >= $1 AND created_at < $2 \
         AND (created_at > $3 OR (created_at = $3 AND id > $4)) \
         ORDER BY created_at, id LIMIT $5",
    )
    .bind(to_millis(from))
    .bind(to_millis(to))
    .bind(after_at)
    .bind(after_id)
    .bind(limit)
    .fetch_all(app.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| OrderExportRow {
            id: r.0,
            created_at: from_millis(r.1),
            account_id: r.2,
            kind: r.3,
            state: r.4,
            plan_code: r.5,
            periods: r.6,
            currency: r.7,
            list_price: r.8,
            fee: r.9,
            total: r.10,
            method: r.11,
            paid_at: r.12.map(from_millis),
            fulfilled_at: r.13.map(from_millis),
            attention: r.14,
        })
        .collect())
}
