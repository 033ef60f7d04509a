//! A subscriber's wallet movements, newest first, as the back office reads them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::app::App;
use crate::clock::from_millis;
use crate::error::Result;
use crate::money::{Currency, Money};

use super::wallet_code;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Movement {
    pub transaction_id: String,
    /// `topup`, `purchase`, `refund`, `adjustment`, …
    pub kind: String,
    /// What it belongs to (an order, a payment, a refund).
    pub reference: String,
    pub description: String,
    /// Into the wallet positive, out of it negative.
    pub amount: Money,
    pub at: DateTime<Utc>,
}

/// The latest `limit` movements of the subscriber's wallet in `currency`.
pub async fn wallet_movements(
    app: &App,
    account_id: &str,
    currency: Currency,
    limit: i64,
) -> Result<Vec<Movement>> {
    let rows = sqlx::query(
        "SELECT t.id, t.kind, t.reference, t.description, t.created_at, e.amount \
         FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.ledger_account_id \
         JOIN ledger_transactions t ON t.id = e.transaction_id \
         WHERE a.code = $1 ORDER BY t.created_at DESC, t.id DESC LIMIT $2",
    )
    .bind(wallet_code(account_id, currency))
    .bind(limit)
    .fetch_all(app.db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            // The wallet is what we owe: a credit (negative) is money into it.
            let amount: i64 = row.try_get("amount")?;
            Ok(Movement {
                transaction_id: row.try_get("id")?,
                kind: row.try_get("kind")?,
                reference: row.try_get("reference")?,
                description: row.try_get("description")?,
                amount: Money::new(-amount, currency),
                at: from_millis(row.try_get("created_at")?),
            })
        })
        .collect()
}
