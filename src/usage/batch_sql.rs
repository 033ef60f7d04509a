//! The statements of one usage batch on usage's own tables, each covering many rows:
//! look-ups by key and multi-row inserts, in chunks, with `?` placeholders on SQLite
//! (see `db::positional`). The periods' and lines' statements are [`crate::lines`]'.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::clock::to_millis;
use crate::db::{Backend, Tx};
use crate::error::Result;
use crate::volume::DataVolume;

use super::UsageRecord;
use super::charge::{self, Outcome, Record};

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

/// Inserts the records with their outcome; returns how many were new.
pub(super) async fn insert_records(
    tx: &mut Tx,
    backend: Backend,
    fresh: &[(Record, &UsageRecord)],
    charges: &charge::Charges,
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut inserted: u64 = 0;
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
                .bind(DataVolume::bytes(record.bytes).to_stored()?)
                .bind(DataVolume::bytes(charged).to_stored()?)
                .bind(DataVolume::bytes(overage).to_stored()?)
                .bind(to_millis(raw.started_at))
                .bind(to_millis(raw.ended_at))
                .bind(to_millis(now))
                .bind(label);
        }
        inserted += query.execute(&mut **tx).await?.rows_affected();
    }
    Ok(inserted)
}

pub(super) async fn add_hourly(tx: &mut Tx, backend: Backend, records: &[Record]) -> Result<()> {
    let mut hours: BTreeMap<(&str, i64), i64> = BTreeMap::new();
    for record in records {
        let hour = record.started_at.timestamp() / 3600 * 3600 * 1000;
        *hours.entry((record.iccid.as_str(), hour)).or_default() +=
            DataVolume::bytes(record.bytes).to_stored()?;
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
