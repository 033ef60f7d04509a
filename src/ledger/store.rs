//! SQL for the ledger: posting transactions and checking the books.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::db::{Db, Tx};
use crate::error::{Code, Error, Result};
use crate::ids::new_id;
use crate::money::{Currency, Money};

use super::{AccountKind, Posting, validate, wallet_code};

/// Posts a balanced transaction once per `reference`: a second post with the same
/// reference changes nothing and returns `None`. The subscriber it concerns is the
/// owner of a wallet it moves, if any (else see [`post_for`]).
pub async fn post(
    tx: &mut Tx,
    now: DateTime<Utc>,
    kind: &str,
    reference: &str,
    description: &str,
    currency: Currency,
    postings: &[Posting],
) -> Result<Option<String>> {
    let owner = postings.iter().find_map(|p| p.owner.clone());
    post_for(
        tx,
        owner.as_deref(),
        now,
        kind,
        reference,
        description,
        currency,
        postings,
    )
    .await
}

/// As [`post`], for a transaction about `account_id`'s order, payment or refund
/// that moves no wallet of theirs (a card payment): their history and statements
/// find it by this.
#[allow(clippy::too_many_arguments)]
pub async fn post_for(
    tx: &mut Tx,
    account_id: Option<&str>,
    now: DateTime<Utc>,
    kind: &str,
    reference: &str,
    description: &str,
    currency: Currency,
    postings: &[Posting],
) -> Result<Option<String>> {
    validate(postings)?;
    let Some(id) = open_transaction(tx, account_id, now, kind, reference, description).await?
    else {
        return Ok(None);
    };
    for (seq, posting) in in_code_order(postings) {
        sqlx::query(
            "INSERT INTO ledger_accounts (id, code, kind, currency, account_id, balance, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT (code) DO NOTHING",
        )
        .bind(new_id("lac", now))
        .bind(&posting.code)
        .bind(posting.kind.as_str())
        .bind(currency.as_str())
        .bind(posting.owner.as_deref())
        .bind(to_millis(now))
        .execute(&mut **tx)
        .await?;
        // A subscriber's wallet never goes below zero: the debit only applies while
        // the (credit, so negative) balance covers it, checked in the same statement.
        let guard = if posting.owner.is_some()
            && posting.kind == AccountKind::Liability
            && posting.amount > 0
        {
            " AND balance + $1 <= 0"
        } else {
            ""
        };
        let updated = sqlx::query(&format!(
            "UPDATE ledger_accounts SET balance = balance + $1 WHERE code = $2{guard} RETURNING id"
        ))
        .bind(posting.amount)
        .bind(&posting.code)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(updated) = updated else {
            return Err(Error::conflict(Code::InsufficientBalance));
        };
        let account_id: String = updated.try_get("id")?;
        sqlx::query(
            "INSERT INTO ledger_entries (transaction_id, seq, ledger_account_id, amount, currency) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(i64::try_from(seq).unwrap_or(i64::MAX))
        .bind(&account_id)
        .bind(posting.amount)
        .bind(currency.as_str())
        .execute(&mut **tx)
        .await?;
    }
    Ok(Some(id))
}

/// Posts the opposite of the transaction posted under `original` (each entry's sign
/// turned) under `reference`, once: `None` when `original` was never posted or the
/// reversal was posted before. For an act that did not happen after all (a refund the
/// provider would not take).
pub async fn reverse(
    tx: &mut Tx,
    now: DateTime<Utc>,
    kind: &str,
    original: &str,
    reference: &str,
    description: &str,
) -> Result<Option<String>> {
    let rows = sqlx::query(
        "SELECT a.code, a.kind, a.account_id, a.currency, e.amount FROM ledger_entries e \
         JOIN ledger_transactions t ON t.id = e.transaction_id \
         JOIN ledger_accounts a ON a.id = e.ledger_account_id \
         WHERE t.reference = $1 ORDER BY e.seq",
    )
    .bind(original)
    .fetch_all(&mut **tx)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let currency =
        Currency::parse(&first.try_get::<String, _>("currency")?).map_err(Error::internal)?;
    let mut postings = Vec::with_capacity(rows.len());
    for row in &rows {
        let kind: String = row.try_get("kind")?;
        postings.push(Posting {
            code: row.try_get("code")?,
            kind: AccountKind::parse(&kind)
                .ok_or_else(|| Error::internal(anyhow::anyhow!("ledger account kind {kind}")))?,
            owner: row.try_get("account_id")?,
            amount: -row.try_get::<i64, _>("amount")?,
        });
    }
    post(tx, now, kind, reference, description, currency, &postings).await
}

/// Inserts the transaction row unless its reference was posted before (then `None`).
pub(super) async fn open_transaction(
    tx: &mut Tx,
    account_id: Option<&str>,
    now: DateTime<Utc>,
    kind: &str,
    reference: &str,
    description: &str,
) -> Result<Option<String>> {
    let id = new_id("ltx", now);
    let inserted = sqlx::query(
        "INSERT INTO ledger_transactions (id, kind, reference, description, created_at, account_id) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (reference) DO NOTHING",
    )
    .bind(&id)
    .bind(kind)
    .bind(reference)
    .bind(description)
    .bind(to_millis(now))
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    Ok((inserted.rows_affected() == 1).then_some(id))
}

/// Postings with their sequence numbers, in account-code order: balances are locked
/// in one global order, so two transactions touching the same accounts never wait
/// on each other in a cycle.
pub(super) fn in_code_order(postings: &[Posting]) -> Vec<(usize, &Posting)> {
    let mut sorted: Vec<(usize, &Posting)> = postings.iter().enumerate().collect();
    sorted.sort_by(|a, b| a.1.code.cmp(&b.1.code));
    sorted
}

/// The subscriber's wallet balance (zero before the first movement).
pub async fn wallet_balance(app: &App, account_id: &str, currency: Currency) -> Result<Money> {
    let row = sqlx::query("SELECT balance FROM ledger_accounts WHERE code = $1")
        .bind(wallet_code(account_id, currency))
        .fetch_optional(app.db.reader())
        .await?;
    let balance: i64 = match row {
        Some(row) => row.try_get("balance")?,
        None => 0,
    };
    Ok(super::shown_balance(
        super::AccountKind::Liability,
        balance,
        currency,
    ))
}

/// The wallet's credit inside `tx` (locked on PostgreSQL until the transaction
/// ends), in minor units; zero before the first movement.
pub async fn wallet_credit_in(
    tx: &mut Tx,
    backend: crate::db::Backend,
    account_id: &str,
    currency: Currency,
) -> Result<i64> {
    let lock = if backend == crate::db::Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let row = sqlx::query(&format!(
        "SELECT balance FROM ledger_accounts WHERE code = $1{lock}"
    ))
    .bind(wallet_code(account_id, currency))
    .fetch_optional(&mut **tx)
    .await?;
    let balance: i64 = match row {
        Some(row) => row.try_get("balance")?,
        None => 0,
    };
    // A wallet is a liability: its credit is the negated balance.
    Ok(-balance)
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub transactions: i64,
    pub accounts: i64,
    /// Transactions whose entries do not sum to zero per currency.
    pub unbalanced: Vec<String>,
    /// Ledger accounts whose cached balance differs from the sum of their entries.
    pub mismatched: Vec<String>,
    /// Entries in a currency other than their account's.
    pub wrong_currency: Vec<String>,
    /// Wallet top-ups refunded to the payer whose credit was never taken back from
    /// the wallet (nor booked as a loss): orders by id.
    pub unreversed_top_ups: Vec<String>,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.unbalanced.is_empty()
            && self.mismatched.is_empty()
            && self.wrong_currency.is_empty()
            && self.unreversed_top_ups.is_empty()
    }
}

/// A wallet top-up refunded to the payer, with the refunded payment (the orders
/// module finds them; the books check looks for their reversal).
#[derive(Debug, Clone)]
pub struct RefundedTopUp {
    pub order_id: String,
    pub payment_id: String,
}

/// Verifies the books: every transaction balances, every cached balance is the sum
/// of its entries, and every refunded top-up in `refunded_top_ups` took its credit back.
pub async fn check(db: &Db, refunded_top_ups: &[RefundedTopUp]) -> Result<CheckReport> {
    let reader = db.reader();
    let count = |sql: &'static str| async move {
        sqlx::query(sql)
            .fetch_one(reader)
            .await
            .and_then(|row| row.try_get::<i64, _>(0))
    };
    let mut report = CheckReport {
        transactions: count("SELECT COUNT(*) FROM ledger_transactions").await?,
        accounts: count("SELECT COUNT(*) FROM ledger_accounts").await?,
        ..CheckReport::default()
    };
    let strings = |rows: Vec<sqlx::any::AnyRow>| -> Result<Vec<String>> {
        rows.iter()
            .map(|row| Ok(row.try_get::<String, _>(0)?))
            .collect()
    };
    report.unbalanced = strings(
        sqlx::query(
            "SELECT t.id FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id \
             GROUP BY t.id, e.currency HAVING COALESCE(SUM(e.amount), 0) <> 0 OR COUNT(e.seq) < 2",
        )
        .fetch_all(reader)
        .await?,
    )?;
    report.mismatched = strings(
        sqlx::query(
            "SELECT a.code FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.ledger_account_id = a.id \
             GROUP BY a.id, a.code, a.balance HAVING a.balance <> COALESCE(SUM(e.amount), 0)",
        )
        .fetch_all(reader)
        .await?,
    )?;
    report.wrong_currency = strings(
        sqlx::query(
            "SELECT DISTINCT e.transaction_id FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.ledger_account_id \
             WHERE a.currency <> e.currency",
        )
        .fetch_all(reader)
        .await?,
    )?;
    // A top-up that credited the wallet (its order's fulfilment) and was refunded
    // must have taken that credit back (or booked what was spent as a loss).
    for top_up in refunded_top_ups {
        let unreversed: Option<(String,)> = sqlx::query_as(
            "SELECT f.id FROM ledger_transactions f WHERE f.reference = $1 \
             AND NOT EXISTS (SELECT 1 FROM ledger_transactions t \
                 JOIN ledger_entries e ON e.transaction_id = t.id \
                 JOIN ledger_accounts a ON a.id = e.ledger_account_id \
                 WHERE t.reference IN ($2, $3) \
                 AND e.amount > 0 AND (a.account_id IS NOT NULL OR a.code LIKE $4))",
        )
        .bind(format!("order:{}:fulfil", top_up.order_id))
        .bind(format!("payment:{}:reversal", top_up.payment_id))
        .bind(format!("payment:{}:refund", top_up.payment_id))
        // House accounts are kept per currency: `expense:refund_losses:HKD`.
        .bind(format!("{}:%", super::accounts::REFUND_LOSSES))
        .fetch_optional(reader)
        .await?;
        if unreversed.is_some() && !report.unreversed_top_ups.contains(&top_up.order_id) {
            report.unreversed_top_ups.push(top_up.order_id.clone());
        }
    }
    Ok(report)
}
