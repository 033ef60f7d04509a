//! Orders as the watch for abnormal charges and the spend cap read them: each with its
//! stored price, and what an account's purchases came to in a span.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::placeholders;
use crate::error::Result;
use crate::money::{Currency, Money};

use super::Discount;
use super::row::corrupt;

/// An order's price as stored, with who made it and how it was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedOrder {
    pub id: String,
    pub account_id: String,
    /// `renewal`, `new_esim` or `wallet_topup`.
    pub kind: String,
    pub iccid: Option<String>,
    pub plan_version_id: Option<String>,
    pub periods: i64,
    pub currency: Currency,
    pub list_price: i64,
    /// The discounts' sum.
    pub discounts: i64,
    pub fee: i64,
    pub total: i64,
    pub method: String,
    pub state: String,
    pub paid_at: Option<DateTime<Utc>>,
}

impl PricedOrder {
    pub fn total(&self) -> Money {
        Money::new(self.total, self.currency)
    }
}

type PricedRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    String,
    i64,
    String,
    i64,
    i64,
    String,
    String,
    Option<i64>,
);

const PRICED: &str = "SELECT id, account_id, kind, iccid, plan_version_id, periods, currency, list_price, \
     discounts, fee, total, payment_method, state, paid_at FROM orders";

fn priced_of(row: PricedRow) -> Result<PricedOrder> {
    let (id, account_id, kind, iccid, plan_version_id, periods, currency, list_price) =
        (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7);
    let discounts: Vec<Discount> =
        serde_json::from_str(&row.8).map_err(|_| corrupt("discounts"))?;
    Ok(PricedOrder {
        id,
        account_id,
        kind,
        iccid,
        plan_version_id,
        periods,
        currency: Currency::parse(&currency).map_err(|_| corrupt("currency"))?,
        list_price,
        discounts: discounts.iter().map(|d| d.amount).sum(),
        fee: row.9,
        total: row.10,
        method: row.11,
        state: row.12,
        paid_at: row.13.map(from_millis),
    })
}

/// Orders paid since `since`, oldest first.
pub async fn paid_since(app: &App, since: DateTime<Utc>) -> Result<Vec<PricedOrder>> {
    let rows: Vec<PricedRow> = sqlx::query_as(&format!(
        "{PRICED} WHERE paid_at >= $1 ORDER BY paid_at, id LIMIT 20000"
    ))
    .bind(to_millis(since))
    .fetch_all(app.db.reader())
    .await?;
    rows.into_iter().map(priced_of).collect()
}

/// The orders with these ids, paid or not.
pub async fn priced(app: &App, ids: &[String]) -> Result<Vec<PricedOrder>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(400) {
        let sql = format!(
            "{PRICED} WHERE id IN ({}) ORDER BY id",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query_as::<_, PricedRow>(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(app.db.reader()).await? {
            out.push(priced_of(row)?);
        }
    }
    Ok(out)
}

/// What the account's purchases paid in `[from, to)` came to in `currency`: plans bought
/// (by any method, the wallet included) and not refunded. Wallet top-ups are not
/// purchases: what the wallet buys counts when it is bought.
pub async fn spent_between(
    app: &App,
    account_id: &str,
    currency: Currency,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(total), 0) AS BIGINT) FROM orders WHERE account_id = $1 \
         AND currency = $2 AND paid_at >= $3 AND paid_at < $4 \
         AND kind <> 'wallet_topup' AND state IN ('paid', 'fulfilled')",
    )
    .bind(account_id)
    .bind(currency.as_str())
    .bind(to_millis(from))
    .bind(to_millis(to))
    .fetch_one(app.db.reader())
    .await?)
}
