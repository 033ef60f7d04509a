//! The engine: a batch of records in one transaction. Each record id is inserted
//! first (a duplicate inserts nothing and is charged nothing), charged to the period
//! it happened in, summed per hour, posted to the quota ledger, and checked against
//! the alert and enforcement thresholds, all before one commit.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Duration, Utc};

use crate::app::App;
use crate::error::Result;
use crate::lines::{self, Iccid};
use crate::volume::DataVolume;

use super::UsageRecord;
use super::alerts::{self, Crossing};
use super::batch_sql::{add_hourly, insert_records, select_set};
use super::charge::{self, PeriodQuota, Record};

/// One record in a day is already absurd at this size.
const MAX_RECORD_BYTES: i64 = 1 << 40;
/// Records may come in a little ahead of our clock, not more.
const FUTURE_SLACK_MINUTES: i64 = 10;

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
        bytes: u64::try_from(record.bytes).map_err(|_| "invalid_bytes")?,
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
    let known = lines::lock_known(&mut tx, app.db.backend(), iccids.iter().copied()).await?;
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
    // A line sold to start at install opens at its first use, before that use is charged.
    let mut first_use: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
    for (record, _) in &fresh {
        first_use
            .entry(record.iccid.as_str())
            .and_modify(|at| *at = (*at).min(record.started_at))
            .or_insert(record.started_at);
    }
    lines::open_on_first_use(&mut tx, app.db.backend(), &first_use, now).await?;
    let mut periods = lines::load_quotas(
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
    if usize::try_from(inserted).ok() != Some(fresh.len()) {
        return Ok(None);
    }
    lines::add_charges(&mut tx, app.db.backend(), &charges.periods).await?;
    // A line the network reports usage on is installed: from now on it is enforced.
    let used_lines: BTreeSet<&str> = plain.iter().map(|r| r.iccid.as_str()).collect();
    lines::mark_installed(&mut tx, app.db.backend(), &used_lines, now).await?;
    add_hourly(&mut tx, app.db.backend(), &plain).await?;
    let charged: BTreeMap<String, DataVolume> = charges
        .periods
        .iter()
        .map(|(id, (charged, _))| (id.clone(), DataVolume::bytes(*charged)))
        .collect();
    crate::ledger::quota::post_usage(&mut tx, app.db.backend(), &charged, now).await?;
    let crossings: Vec<Crossing> = periods
        .iter()
        .filter(|p| charges.periods.contains_key(&p.id))
        .flat_map(|after| alerts::crossings(&before[&after.id], after))
        .collect();
    alerts::record(app, &mut tx, &crossings, now).await?;
    tx.commit().await?;
    Ok(Some(results))
}
