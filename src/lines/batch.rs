//! The usage engine's statements on periods, each covering many rows: periods of many
//! lines read at once, and their charges added with one `UPDATE … FROM (VALUES …)` per
//! chunk (periods locked in id order on PostgreSQL).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::clock::from_millis;
use crate::db::{Backend, Tx};
use crate::error::Result;
use crate::volume::DataVolume;

/// Rows per multi-row statement.
pub(super) const CHUNK: usize = 500;

/// `$first, …` for `count` values.
pub(super) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A period as charging sees it (in bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodQuota {
    pub id: String,
    pub iccid: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `None` for unlimited plans.
    pub allowance: Option<u64>,
    pub fair_use_cap: Option<u64>,
    pub used: u64,
}

impl PeriodQuota {
    pub fn remaining(&self) -> Option<u64> {
        self.allowance.map(|a| a.saturating_sub(self.used))
    }

    /// The share used, in percent, of the allowance or the fair-use cap.
    pub fn percent_used(&self) -> Option<u64> {
        let total = self.allowance.or(self.fair_use_cap)?;
        if total == 0 {
            return Some(100);
        }
        Some(
            u64::try_from(u128::from(self.used.min(total)) * 100 / u128::from(total))
                .unwrap_or(100),
        )
    }
}

#[derive(sqlx::FromRow)]
struct QuotaRow {
    id: String,
    iccid: String,
    starts_at: i64,
    ends_at: i64,
    data_allowance: Option<i64>,
    fair_use_cap: Option<i64>,
    data_used: i64,
}

impl QuotaRow {
    fn into_quota(self) -> Result<PeriodQuota> {
        let bytes = |v: Option<i64>| -> Result<Option<u64>> {
            Ok(v.map(DataVolume::from_stored)
                .transpose()?
                .map(DataVolume::as_bytes))
        };
        Ok(PeriodQuota {
            allowance: bytes(self.data_allowance)?,
            fair_use_cap: bytes(self.fair_use_cap)?,
            used: DataVolume::from_stored(self.data_used)?.as_bytes(),
            id: self.id,
            iccid: self.iccid,
            starts_at: from_millis(self.starts_at),
            ends_at: from_millis(self.ends_at),
        })
    }
}

/// Every period of the lines, oldest first.
pub async fn load_quotas(
    tx: &mut Tx,
    backend: Backend,
    iccids: BTreeSet<&str>,
) -> Result<Vec<PeriodQuota>> {
    let iccids: Vec<&str> = iccids.into_iter().collect();
    let mut out = Vec::new();
    for chunk in iccids.chunks(CHUNK) {
        let sql = format!(
            "SELECT id, iccid, starts_at, ends_at, data_allowance, fair_use_cap, data_used FROM line_periods \
             WHERE iccid IN ({}) ORDER BY starts_at",
            placeholders(1, chunk.len())
        );
        let sql = crate::db::positional(backend, &sql);
        let mut query = sqlx::query_as::<_, QuotaRow>(&sql);
        for value in chunk {
            query = query.bind(*value);
        }
        for row in query.fetch_all(&mut **tx).await? {
            out.push(row.into_quota()?);
        }
    }
    Ok(out)
}

/// Adds each period's charge and overage (bytes), periods in id order so that
/// concurrent batches on PostgreSQL lock them alike.
pub async fn add_charges(
    tx: &mut Tx,
    backend: Backend,
    periods: &BTreeMap<String, (u64, u64)>,
) -> Result<()> {
    let rows: Vec<_> = periods.iter().collect();
    for chunk in rows.chunks(CHUNK) {
        if backend == Backend::Postgres {
            let sql = format!(
                "SELECT id FROM line_periods WHERE id IN ({}) ORDER BY id FOR UPDATE",
                placeholders(1, chunk.len())
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
                .bind(DataVolume::bytes(*charged).to_stored()?)
                .bind(DataVolume::bytes(*overage).to_stored()?);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
