//! The statements of one usage batch, each covering many rows: look-ups by key,
//! multi-row inserts and `UPDATE … FROM (VALUES …)`, in chunks, with `?` placeholders on
//! SQLite (see `db::positional`) and rows locked in key order on PostgreSQL.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::clock::{from_millis, to_millis};
use crate::db::{Backend, Tx};
use crate::error::Result;
use crate::ids::new_id;
use crate::ledger::{self, HouseAccount, Posting};

use super::UsageRecord;
use super::charge::{self, Outcome, PeriodQuota, Record};
use super::engine::{bytes_unit, quota_posting};

/// Rows per multi-row statement.
const CHUNK: usize = 500;

pub(super) async fn select_set<'a>(
    tx: &mut Tx,
    backend: Backend,
    prefix: &str,
    values: impl Iterator<Item = &'a str>,
    suffix: &str,
) -> Result<HashSet<String>> {
    let values: Vec<&str> = values.collect();
    let mut out = HashSet::new();
    for chunk in values.chunks(CHUNK) {
        let placeholders = (1..=chunk.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("{prefix} ({placeholders}){suffix}");
        let sql = crate::db::positional(backend, &sql);
        let mut query = sqlx::query(&sql);
        for value in chunk {
            query = query.bind(*value);
        }
        for row in query.fetch_all(&mut **tx).await? {
            out.insert(row.try_get::<String, _>(0)?);
        }
    }
    Ok(out)
}

pub(super) async fn load_periods(
    tx: &mut Tx,
    backend: Backend,
    iccids: BTreeSet<&str>,
) -> Result<Vec<PeriodQuota>> {
    let iccids: Vec<&str> = iccids.into_iter().collect();
    let mut out = Vec::new();
    for chunk in iccids.chunks(CHUNK) {
        let placeholders = (1..=chunk.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT id, iccid, starts_at, ends_at, data_allowance, fair_use_cap, data_used FROM line_periods \
             WHERE iccid IN ({placeholders}) ORDER BY starts_at"
        );
        let sql = crate::db::positional(backend, &sql);
        let mut query = sqlx::query(&sql);
        for value in chunk {
            query = query.bind(*value);
        }
        for row in query.fetch_all(&mut **tx).await? {
            let bytes = |v: Option<i64>| v.map(|b| u64::try_from(b).unwrap_or(0));
            out.push(PeriodQuota {
                id: row.try_get("id")?,
                iccid: row.try_get("iccid")?,
                starts_at: from_millis(row.try_get("starts_at")?),
                ends_at: from_millis(row.try_get("ends_at")?),
                allowance: bytes(row.try_get("data_allowance")?),
                fair_use_cap: bytes(row.try_get("fair_use_cap")?),
                used: bytes(row.try_get("data_used")?).unwrap_or(0),
            });
        }
    }
    Ok(out)
}

/// Inserts the records with their outcome; returns how many were new.
pub(super) async fn insert_records(
    tx: &mut Tx,
    backend: Backend,
    fresh: &[(Record, &UsageRecord)],
    charges: &charge::Charges,
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut inserted = 0;
    let rows: Vec<_> = fresh.iter().zip(&charges.outcomes).collect();
    for chunk in rows.chunks(CHUNK) {
        let mut sql = String::from(
            "INSERT INTO usage_records (record_id, iccid, period_id, bytes, charged, overage, started_at, ended_at, received_at, outcome) VALUES ",
        );
        for (n, _) in chunk.iter().enumerate() {
            let b = n * 10;
            if n > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9,
                b + 10
            ));
        }
        sql.push_str(" ON CONFLICT (record_id) DO NOTHING");
        let sql = crate::db::positional(backend, &sql);
        let mut query = sqlx::query(&sql);
        for ((record, raw), (_, period_id, outcome)) in chunk {
            let (charged, overage, label) = match outcome {
                Outcome::Charged { charged, overage } => (
                    *charged,
                    *overage,
                    if *overage > 0 { "overage" } else { "charged" },
                ),
                Outcome::NoPeriod => (0, 0, "no_period"),
                Outcome::PeriodClosed => (0, 0, "period_closed"),
            };
            query = query
                .bind(record.id.as_str())
                .bind(record.iccid.as_str())
                .bind(period_id.clone())
                .bind(i64::try_from(record.bytes).unwrap_or(i64::MAX))
                .bind(i64::try_from(charged).unwrap_or(i64::MAX))
                .bind(i64::try_from(overage).unwrap_or(i64::MAX))
                .bind(to_millis(raw.started_at))
                .bind(to_millis(raw.ended_at))
                .bind(to_millis(now))
                .bind(label);
        }
        inserted += usize::try_from(query.execute(&mut **tx).await?.rows_affected()).unwrap_or(0);
    }
    Ok(inserted)
}

/// Adds each period's charge in a few statements (periods in id order, so that
/// concurrent batches on PostgreSQL lock them alike).
pub(super) async fn add_to_periods(
    tx: &mut Tx,
    backend: Backend,
    periods: &BTreeMap<String, (u64, u64)>,
) -> Result<()> {
    let rows: Vec<_> = periods.iter().collect();
    for chunk in rows.chunks(CHUNK) {
        if backend == Backend::Postgres {
            let placeholders = (1..=chunk.len())
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT id FROM line_periods WHERE id IN ({placeholders}) ORDER BY id FOR UPDATE"
            );
            let sql = crate::db::positional(backend, &sql);
            let mut query = sqlx::query(&sql);
            for (id, _) in chunk {
                query = query.bind(id.as_str());
            }
            query.fetch_all(&mut **tx).await?;
        }
        let values = (0..chunk.len())
            .map(|n| {
                format!(
                    "(${}, CAST(${} AS BIGINT), CAST(${} AS BIGINT))",
                    n * 3 + 1,
                    n * 3 + 2,
                    n * 3 + 3
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "WITH v(id, charged, overage) AS (VALUES {values}) UPDATE line_periods \
             SET data_used = line_periods.data_used + v.charged, overage = line_periods.overage + v.overage \
             FROM v WHERE line_periods.id = v.id"
        );
        let sql = crate::db::positional(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (id, (charged, overage)) in chunk {
            query = query
                .bind(id.as_str())
                .bind(i64::try_from(*charged).unwrap_or(i64::MAX))
                .bind(i64::try_from(*overage).unwrap_or(i64::MAX));
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

pub(super) async fn mark_installed(
    tx: &mut Tx,
    backend: Backend,
    iccids: &BTreeSet<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let iccids: Vec<&str> = iccids.iter().copied().collect();
    for chunk in iccids.chunks(CHUNK) {
        let placeholders = (2..chunk.len() + 2)
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE lines SET status = 'active', updated_at = $1 WHERE status = 'pending_install' AND iccid IN ({placeholders})"
        );
        let sql = crate::db::positional(backend, &sql);
        let mut query = sqlx::query(&sql).bind(to_millis(now));
        for iccid in chunk {
            query = query.bind(*iccid);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

pub(super) async fn add_hourly(tx: &mut Tx, backend: Backend, records: &[Record]) -> Result<()> {
    let mut hours: BTreeMap<(&str, i64), i64> = BTreeMap::new();
    for record in records {
        let hour = record.started_at.timestamp() / 3600 * 3600 * 1000;
        *hours.entry((record.iccid.as_str(), hour)).or_default() +=
            i64::try_from(record.bytes).unwrap_or(i64::MAX);
    }
    let rows: Vec<_> = hours.into_iter().collect();
    for chunk in rows.chunks(CHUNK) {
        let mut sql = String::from("INSERT INTO usage_hourly (iccid, hour, bytes) VALUES ");
        for (n, _) in chunk.iter().enumerate() {
            if n > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${}, ${})", n * 3 + 1, n * 3 + 2, n * 3 + 3));
        }
        sql.push_str(
            " ON CONFLICT (iccid, hour) DO UPDATE SET bytes = usage_hourly.bytes + excluded.bytes",
        );
        let sql = crate::db::positional(backend, &sql);
        let mut query = sqlx::query(&sql);
        for ((iccid, hour), bytes) in chunk {
            query = query.bind(*iccid).bind(*hour).bind(*bytes);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Quota moves by double entry too: each period's quota account is debited what was
/// charged to it, the network's consumption account credited the sum.
pub(super) async fn post_quota(
    tx: &mut Tx,
    backend: Backend,
    periods: &BTreeMap<String, (u64, u64)>,
    now: DateTime<Utc>,
) -> Result<()> {
    let unit = bytes_unit();
    let mut postings: Vec<Posting> = periods
        .iter()
        .filter(|(_, (charged, _))| *charged > 0)
        .map(|(id, (charged, _))| quota_posting(id, i64::try_from(*charged).unwrap_or(i64::MAX)))
        .collect();
    let total: i64 = postings.iter().map(|p| p.amount).sum();
    if total == 0 {
        return Ok(());
    }
    postings.push(ledger::house(HouseAccount::UsageConsumed, unit, -total));
    let header = ledger::Header {
        kind: "usage",
        reference: &new_id("usage", now),
        description: "Data used",
        currency: unit,
    };
    ledger::post_bulk(tx, backend, now, &header, &postings).await?;
    Ok(())
}
