//! The engine: a batch of records in one transaction. Each record id is inserted
//! first (a duplicate inserts nothing and is charged nothing), charged to the period
//! it happened in, summed per hour, posted to the quota ledger, and checked against
//! the alert and enforcement thresholds, all before one commit.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::{Backend, Tx};
use crate::error::Result;
use crate::ids::new_id;
use crate::ledger::{self, AccountKind, Posting};
use crate::lines::Iccid;
use crate::money::Currency;

use super::UsageRecord;
use super::alerts::{self, Crossing};
use super::charge::{self, Outcome, PeriodQuota, Record};

/// One record in a day is already absurd at this size.
const MAX_RECORD_BYTES: i64 = 1 << 40;
/// Records may come in a little ahead of our clock, not more.
const FUTURE_SLACK_MINUTES: i64 = 10;
/// Rows per multi-row statement.
const CHUNK: usize = 500;

/// The quota ledger's unit: bytes, as a pseudo-currency.
pub fn bytes_unit() -> Currency {
    Currency::parse("BYT").unwrap_or(Currency::HKD)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordResult {
    Accepted,
    Duplicate,
    Rejected(&'static str),
}

/// Checks one record on its own.
pub fn validate(record: &UsageRecord, now: DateTime<Utc>) -> Result<Record, &'static str> {
    if record.id.is_empty()
        || record.id.len() > 128
        || !record.id.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err("invalid_record_id");
    }
    let iccid = Iccid::parse(&record.iccid).map_err(|_| "invalid_iccid")?;
    if record.bytes <= 0 || record.bytes > MAX_RECORD_BYTES {
        return Err("invalid_bytes");
    }
    if record.ended_at < record.started_at {
        return Err("end_before_start");
    }
    if record.started_at > now + Duration::minutes(FUTURE_SLACK_MINUTES)
        || record.ended_at > now + Duration::minutes(FUTURE_SLACK_MINUTES)
    {
        return Err("in_the_future");
    }
    Ok(Record {
        id: record.id.clone(),
        iccid: iccid.to_string(),
        bytes: u64::try_from(record.bytes).unwrap_or(0),
        started_at: record.started_at,
    })
}

/// Applies a batch; the answer has one entry per input record, in order.
pub async fn ingest(app: &App, records: &[UsageRecord]) -> Result<Vec<RecordResult>> {
    // On PostgreSQL a concurrent batch may insert one of our ids between our check and
    // our insert; then nothing of ours was written and the batch is simply redone.
    for _ in 0..5 {
        if let Some(results) = try_ingest(app, records).await? {
            return Ok(results);
        }
    }
    Err(crate::error::Error::internal(anyhow::anyhow!(
        "usage batch kept racing with another"
    )))
}

async fn try_ingest(app: &App, records: &[UsageRecord]) -> Result<Option<Vec<RecordResult>>> {
    let now = app.now();
    let mut results = vec![RecordResult::Accepted; records.len()];
    let mut seen = HashSet::new();
    let mut valid: Vec<(usize, Record, &UsageRecord)> = Vec::new();
    for (index, raw) in records.iter().enumerate() {
        match validate(raw, now) {
            Err(code) => results[index] = RecordResult::Rejected(code),
            Ok(record) if !seen.insert(record.id.clone()) => {
                results[index] = RecordResult::Duplicate
            }
            Ok(record) => valid.push((index, record, raw)),
        }
    }
    let mut tx = app.db.begin().await?;
    // Lock the lines first, always in ICCID order: writers for the same line (other
    // app nodes, a CDR import beside the API) then take turns, so the `data_used` read
    // below is the latest and their record inserts never deadlock.
    let iccids: BTreeSet<&str> = valid.iter().map(|(_, r, _)| r.iccid.as_str()).collect();
    let known = select_set(
        &mut tx,
        app.db.backend(),
        "SELECT iccid FROM lines WHERE iccid IN",
        iccids.iter().copied(),
        match app.db.backend() {
            Backend::Postgres => " ORDER BY iccid FOR UPDATE",
            Backend::Sqlite => "",
        },
    )
    .await?;
    let existing = select_set(
        &mut tx,
        app.db.backend(),
        "SELECT record_id FROM usage_records WHERE record_id IN",
        valid.iter().map(|(_, r, _)| r.id.as_str()),
        "",
    )
    .await?;
    let mut fresh = Vec::with_capacity(valid.len());
    for (index, record, raw) in valid {
        if existing.contains(&record.id) {
            results[index] = RecordResult::Duplicate;
        } else if !known.contains(&record.iccid) {
            results[index] = RecordResult::Rejected("unknown_iccid");
        } else {
            fresh.push((record, raw));
        }
    }
    if fresh.is_empty() {
        tx.commit().await?;
        return Ok(Some(results));
    }
    let mut periods = load_periods(
        &mut tx,
        app.db.backend(),
        fresh.iter().map(|(r, _)| r.iccid.as_str()).collect(),
    )
    .await?;
    let before: BTreeMap<String, PeriodQuota> =
        periods.iter().map(|p| (p.id.clone(), p.clone())).collect();
    let plain: Vec<Record> = fresh.iter().map(|(r, _)| r.clone()).collect();
    let charges = charge::charge(&mut periods, &plain, now);
    let inserted = insert_records(&mut tx, app.db.backend(), &fresh, &charges, now).await?;
    if inserted != fresh.len() {
        return Ok(None);
    }
    add_to_periods(&mut tx, app.db.backend(), &charges.periods).await?;
    // A line the network reports usage on is installed: from now on it is enforced.
    let used_lines: BTreeSet<&str> = plain.iter().map(|r| r.iccid.as_str()).collect();
    mark_installed(&mut tx, app.db.backend(), &used_lines, now).await?;
    add_hourly(&mut tx, app.db.backend(), &plain).await?;
    post_quota(&mut tx, app.db.backend(), &charges.periods, now).await?;
    let crossings: Vec<Crossing> = periods
        .iter()
        .filter(|p| charges.periods.contains_key(&p.id))
        .flat_map(|after| alerts::crossings(&before[&after.id], after))
        .collect();
    alerts::record(app, &mut tx, &crossings, now).await?;
    tx.commit().await?;
    Ok(Some(results))
}

async fn select_set<'a>(
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

async fn load_periods(
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
async fn insert_records(
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
async fn add_to_periods(
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

async fn mark_installed(
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

async fn add_hourly(tx: &mut Tx, backend: Backend, records: &[Record]) -> Result<()> {
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
async fn post_quota(
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
    postings.push(ledger::house(
        "usage:consumed",
        AccountKind::Revenue,
        unit,
        -total,
    ));
    let header = ledger::Header {
        kind: "usage",
        reference: &new_id("usage", now),
        description: "Data used",
        currency: unit,
    };
    ledger::post_bulk(tx, backend, now, &header, &postings).await?;
    Ok(())
}

/// The quota account of one period (a liability in bytes: what we still owe).
pub fn quota_posting(period_id: &str, amount: i64) -> Posting {
    Posting {
        code: format!("quota:{period_id}"),
        kind: AccountKind::Liability,
        owner: None,
        amount,
    }
}
