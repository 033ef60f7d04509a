//! Posting a transaction with many entries (the usage engine's quota postings, one per
//! period a batch touched) in a handful of statements instead of three per entry.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::clock::to_millis;
use crate::db::{Backend, Tx};
use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::money::Currency;

use super::store::{in_code_order, open_transaction};
use super::{Posting, validate};

/// Rows per multi-row statement.
const CHUNK: usize = 300;

fn rows(count: usize, width: usize, cast: &[&str]) -> String {
    (0..count)
        .map(|row| {
            let cells: Vec<String> = (0..width)
                .map(|col| {
                    let n = row * width + col + 1;
                    match cast.get(col).filter(|t| !t.is_empty()) {
                        Some(ty) => format!("CAST(${n} AS {ty})"),
                        None => format!("${n}"),
                    }
                })
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a bulk transaction is: its kind, unique reference, words and unit.
pub struct Header<'a> {
    pub kind: &'a str,
    pub reference: &'a str,
    pub description: &'a str,
    pub currency: Currency,
}

/// Like [`super::post`], once per `reference`, for postings to house accounts only
/// (a wallet's no-overdraft guard is not applied here).
pub async fn post_bulk(
    tx: &mut Tx,
    backend: Backend,
    now: DateTime<Utc>,
    header: &Header<'_>,
    postings: &[Posting],
) -> Result<Option<String>> {
    let Header {
        kind,
        reference,
        description,
        currency,
    } = *header;
    validate(postings)?;
    if postings.iter().any(|p| p.owner.is_some()) {
        return Err(Error::internal(anyhow::anyhow!(
            "bulk postings are for house accounts"
        )));
    }
    let Some(id) = open_transaction(tx, None, now, kind, reference, description).await? else {
        return Ok(None);
    };
    let sorted = in_code_order(postings);
    let mut account_ids: HashMap<String, String> = HashMap::new();
    for chunk in sorted.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO ledger_accounts (id, code, kind, currency, created_at) VALUES {} ON CONFLICT (code) DO NOTHING",
            rows(chunk.len(), 5, &[])
        );
        let sql = crate::db::positional(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (_, posting) in chunk {
            query = query
                .bind(new_id("lac", now))
                .bind(&posting.code)
                .bind(posting.kind.as_str())
                .bind(currency.as_str())
                .bind(to_millis(now));
        }
        query.execute(&mut **tx).await?;
        if backend == Backend::Postgres {
            let sql = format!(
                "SELECT id FROM ledger_accounts WHERE code IN ({}) ORDER BY code FOR UPDATE",
                (1..=chunk.len())
                    .map(|n| format!("${n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let sql = crate::db::positional(backend, &sql);
            let mut query = sqlx::query(&sql);
            for (_, posting) in chunk {
                query = query.bind(&posting.code);
            }
            query.fetch_all(&mut **tx).await?;
        }
        let sql = format!(
            "WITH v(code, amount) AS (VALUES {}) UPDATE ledger_accounts SET balance = ledger_accounts.balance + v.amount \
             FROM v WHERE ledger_accounts.code = v.code RETURNING ledger_accounts.id, ledger_accounts.code",
            rows(chunk.len(), 2, &["", "BIGINT"])
        );
        let sql = crate::db::positional(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (_, posting) in chunk {
            query = query.bind(&posting.code).bind(posting.amount);
        }
        for row in query.fetch_all(&mut **tx).await? {
            account_ids.insert(row.try_get("code")?, row.try_get("id")?);
        }
    }
    for chunk in sorted.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO ledger_entries (transaction_id, seq, ledger_account_id, amount, currency) VALUES {}",
            rows(chunk.len(), 5, &["", "BIGINT", "", "BIGINT", ""])
        );
        let sql = crate::db::positional(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (seq, posting) in chunk {
            let account = account_ids.get(&posting.code).ok_or_else(|| {
                Error::internal(anyhow::anyhow!(
                    "ledger account {} not updated",
                    posting.code
                ))
            })?;
            query = query
                .bind(&id)
                .bind(i64::try_from(*seq).unwrap_or(i64::MAX))
                .bind(account)
                .bind(posting.amount)
                .bind(currency.as_str());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(Some(id))
}
