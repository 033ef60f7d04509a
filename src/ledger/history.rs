//! The ledger transactions that concern one subscriber (their wallet, or their order,
//! payment or refund), newest first, paged: what their history and statements are
//! built from. For each: what it moved in their wallet and the balance after it, and
//! what went between them and a payment provider (paid out, or returned).

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::error::{Code, Error, Result};
use crate::money::{Currency, Money};

use super::wallet_code;

#[derive(Debug, Clone)]
pub struct AccountTransaction {
    pub id: String,
    pub at: DateTime<Utc>,
    /// `order_payment`, `refund`, `staff_refund`, `wallet_adjustment`, …
    pub kind: String,
    /// What it belongs to: `order:<id>:fulfil`, `payment:<id>:refund`, `refund:<id>`.
    pub reference: String,
    /// Into the wallet positive, out of it negative; `None` when the wallet was not
    /// moved.
    pub wallet: Option<Money>,
    /// The wallet's balance after the transaction, when it moved the wallet.
    pub balance_after: Option<Money>,
    /// Paid to a provider negative, returned by one positive.
    pub external: Money,
}

/// One transaction's sums, before the running balance.
const SUMS: &str = "SELECT t.id, t.kind, t.reference, t.created_at, \
     CAST(SUM(CASE WHEN a.code = $2 THEN e.amount ELSE 0 END) AS BIGINT) AS wallet, \
     CAST(SUM(CASE WHEN a.code = $2 THEN 1 ELSE 0 END) AS BIGINT) AS wallet_entries, \
     CAST(SUM(CASE WHEN a.code LIKE 'asset:clearing:%' OR a.code LIKE 'expense:provider_fees:%' \
              THEN e.amount ELSE 0 END) AS BIGINT) AS external \
     FROM ledger_transactions t \
     JOIN ledger_entries e ON e.transaction_id = t.id \
     JOIN ledger_accounts a ON a.id = e.ledger_account_id \
     WHERE t.account_id = $1 AND e.currency = $3";

/// Transactions that moved nothing the subscriber sees (a sale reversed in the books
/// before the money goes back) are left out.
const VISIBLE: &str = "GROUP BY t.id, t.kind, t.reference, t.created_at \
     HAVING SUM(CASE WHEN a.code = $2 THEN 1 ELSE 0 END) > 0 \
     OR SUM(CASE WHEN a.code LIKE 'asset:clearing:%' OR a.code LIKE 'expense:provider_fees:%' \
            THEN e.amount ELSE 0 END) <> 0";

/// `account_id`'s transactions in `currency`, newest first: `limit` of them from
/// just before the transaction `before` (which must be theirs), or from the newest.
pub async fn page(
    app: &App,
    account_id: &str,
    currency: Currency,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<AccountTransaction>> {
    let wallet = wallet_code(account_id, currency);
    let cursor = match before {
        Some(id) => Some(position(app, account_id, id).await?),
        None => None,
    };
    let (after_cursor, bound) = match &cursor {
        Some(_) => (
            " AND (t.created_at < $4 OR (t.created_at = $4 AND t.id < $5))",
            true,
        ),
        None => ("", false),
    };
    let sql = format!(
        "{SUMS}{after_cursor} {VISIBLE} ORDER BY t.created_at DESC, t.id DESC LIMIT {}",
        limit.clamp(1, 500)
    );
    let mut query = sqlx::query(&sql)
        .bind(account_id)
        .bind(&wallet)
        .bind(currency.as_str());
    if let (true, Some((at, id))) = (bound, &cursor) {
        query = query.bind(*at).bind(id.clone());
    }
    let rows = query.fetch_all(app.db.reader()).await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut balance: Option<i64> = None;
    for row in rows {
        let id: String = row.try_get("id")?;
        let created_at: i64 = row.try_get("created_at")?;
        let wallet_entries: i64 = row.try_get("wallet_entries")?;
        // The wallet is what we owe: a credit (negative) is money into it.
        let moved = -row.try_get::<i64, _>("wallet")?;
        let balance_after = if wallet_entries > 0 {
            let after = match balance {
                Some(b) => b,
                None => balance_through(app, &wallet, created_at, &id).await?,
            };
            balance = Some(after - moved);
            Some(Money::new(after, currency))
        } else {
            None
        };
        out.push(AccountTransaction {
            id,
            at: from_millis(created_at),
            kind: row.try_get("kind")?,
            reference: row.try_get("reference")?,
            wallet: (wallet_entries > 0).then(|| Money::new(moved, currency)),
            balance_after,
            external: Money::new(-row.try_get::<i64, _>("external")?, currency),
        });
    }
    Ok(out)
}

/// Every one of `account_id`'s transactions in `[from, to)`, oldest first (a month's
/// statement).
pub async fn between(
    app: &App,
    account_id: &str,
    currency: Currency,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<AccountTransaction>> {
    let mut all = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let page = page(app, account_id, currency, before.as_deref(), 500).await?;
        let done = page.len() < 500 || page.last().is_some_and(|t| t.at < from);
        before = page.last().map(|t| t.id.clone());
        all.extend(page.into_iter().filter(|t| t.at >= from && t.at < to));
        if done {
            break;
        }
    }
    all.reverse();
    Ok(all)
}

/// The wallet's balance when `[from, to)` begins and ends (shown positive: what we
/// owe the subscriber).
pub async fn balance_at(
    app: &App,
    account_id: &str,
    currency: Currency,
    at: DateTime<Utc>,
) -> Result<Money> {
    let sum: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(e.amount) AS BIGINT) FROM ledger_entries e \
         JOIN ledger_accounts a ON a.id = e.ledger_account_id \
         JOIN ledger_transactions t ON t.id = e.transaction_id \
         WHERE a.code = $1 AND t.created_at < $2",
    )
    .bind(wallet_code(account_id, currency))
    .bind(to_millis(at))
    .fetch_one(app.db.reader())
    .await?;
    Ok(Money::new(-sum.unwrap_or(0), currency))
}

/// Where transaction `id` stands, `(created_at, id)`, if it is `account_id`'s.
async fn position(app: &App, account_id: &str, id: &str) -> Result<(i64, String)> {
    let found: Option<(i64,)> = sqlx::query_as(
        "SELECT created_at FROM ledger_transactions WHERE id = $1 AND account_id = $2",
    )
    .bind(id)
    .bind(account_id)
    .fetch_optional(app.db.reader())
    .await?;
    let (at,) = found.ok_or_else(|| {
        Error::invalid(Code::InvalidQuery)
            .with_details(vec!["before: not an entry of this history".into()])
    })?;
    Ok((at, id.to_owned()))
}

/// The wallet's balance just after transaction `(at, id)`.
async fn balance_through(app: &App, wallet: &str, at: i64, id: &str) -> Result<i64> {
    let sum: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(e.amount) AS BIGINT) FROM ledger_entries e \
         JOIN ledger_accounts a ON a.id = e.ledger_account_id \
         JOIN ledger_transactions t ON t.id = e.transaction_id \
         WHERE a.code = $1 AND (t.created_at < $2 OR (t.created_at = $2 AND t.id <= $3))",
    )
    .bind(wallet)
    .bind(at)
    .bind(id)
    .fetch_one(app.db.reader())
    .await?;
    Ok(-sum.unwrap_or(0))
}
