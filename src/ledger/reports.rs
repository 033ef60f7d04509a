//! The books' figures read from the ledger: transactions in a range with their
//! entries, a page at a time (the accountant's export and the refunds), each with the
//! money it moved.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::error::Result;

/// One entry of a transaction, on the ledger account named by its code.
#[derive(Debug, Clone)]
pub struct EntryRow {
    pub seq: i64,
    pub account: String,
    pub amount: i64,
    pub currency: String,
}

/// A ledger transaction with its entries, in posting order.
#[derive(Debug, Clone)]
pub struct TransactionRow {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub kind: String,
    pub reference: String,
    pub description: String,
    pub entries: Vec<EntryRow>,
}

impl TransactionRow {
    /// The money the transaction moved: what its debits add up to (a balanced
    /// transaction's credits add up to as much).
    pub fn moved(&self) -> i64 {
        self.entries
            .iter()
            .map(|e| e.amount)
            .filter(|a| *a > 0)
            .sum()
    }
}

/// Transactions made in `[from, to)` (of the `kinds` given, or all when empty), oldest
/// first, a page of at most `limit` after `after` (`created_at` millis and id of the
/// last one seen), each with its entries.
pub async fn transactions_between(
    app: &App,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    kinds: &[&str],
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<TransactionRow>> {
    let (after_at, after_id) = after.unwrap_or((i64::MIN, String::new()));
    let kind_filter = if kinds.is_empty() {
        String::new()
    } else {
        let marks: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 6)).collect();
        format!(" AND kind IN ({})", marks.join(", "))
    };
    let sql = format!(
        "SELECT id, created_at, kind, reference, description FROM ledger_transactions \
         WHERE created_at >= $1 AND created_at < $2 \
         AND (created_at > $3 OR (created_at = $3 AND id > $4)){kind_filter} \
         ORDER BY created_at, id LIMIT $5"
    );
    let mut query = sqlx::query_as::<_, (String, i64, String, String, String)>(&sql)
        .bind(to_millis(from))
        .bind(to_millis(to))
        .bind(after_at)
        .bind(after_id)
        .bind(limit);
    for kind in kinds {
        query = query.bind(*kind);
    }
    let heads = query.fetch_all(app.db.reader()).await?;
    if heads.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=heads.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT e.transaction_id, e.seq, a.code, e.amount, e.currency FROM ledger_entries e \
         JOIN ledger_accounts a ON a.id = e.ledger_account_id \
         WHERE e.transaction_id IN ({}) ORDER BY e.transaction_id, e.seq",
        marks.join(", ")
    );
    let mut query = sqlx::query_as::<_, (String, i64, String, i64, String)>(&sql);
    for head in &heads {
        query = query.bind(&head.0);
    }
    let mut entries: HashMap<String, Vec<EntryRow>> = HashMap::new();
    for (transaction, seq, account, amount, currency) in query.fetch_all(app.db.reader()).await? {
        entries.entry(transaction).or_default().push(EntryRow {
            seq,
            account,
            amount,
            currency,
        });
    }
    Ok(heads
        .into_iter()
        .map(
            |(id, created_at, kind, reference, description)| TransactionRow {
                entries: entries.remove(&id).unwrap_or_default(),
                id,
                created_at: from_millis(created_at),
                kind,
                reference,
                description,
            },
        )
        .collect())
}
