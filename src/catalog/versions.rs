//! A plan version by id, as what was sold refers to it (an order, a line's period):
//! its plan, names and terms. Prices are the order's, not read here.

use std::collections::BTreeMap;

use sqlx::{Any, Executor};

use crate::error::{Error, Result};

use super::plan::{Allowance, Period, PeriodUnit, PlanCode};

/// One version of a plan: what a period bought with it gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTerms {
    pub version_id: String,
    pub plan_code: PlanCode,
    pub names: BTreeMap<String, String>,
    pub period: Period,
    pub allowance: Allowance,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: String,
    plan_code: String,
    names: String,
    period_unit: String,
    period_count: i64,
    data_allowance: Option<i64>,
    fair_use_cap: Option<i64>,
    throttle_kbps: Option<i64>,
}

const COLUMNS: &str = "id, plan_code, names, period_unit, period_count, data_allowance, \
     fair_use_cap, throttle_kbps";

fn corrupt(id: &str, what: &str) -> Error {
    Error::internal(anyhow::anyhow!("plan version {id} has a bad {what}"))
}

/// The allowance as stored: bytes for a capped plan, else a fair-use cap and a
/// throttle. A negative or missing value is a corrupt row, never zero.
pub(super) fn stored_allowance(
    data_allowance: Option<i64>,
    fair_use_cap: Option<i64>,
    throttle_kbps: Option<i64>,
) -> Option<Allowance> {
    match (data_allowance, fair_use_cap, throttle_kbps) {
        (Some(bytes), _, _) => Some(Allowance::Capped {
            bytes: u64::try_from(bytes).ok()?,
        }),
        (None, Some(cap), Some(kbps)) => Some(Allowance::Unlimited {
            fair_use_cap: u64::try_from(cap).ok()?,
            throttle_kbps: u32::try_from(kbps).ok()?,
        }),
        _ => None,
    }
}

impl TryFrom<VersionRow> for VersionTerms {
    type Error = Error;

    fn try_from(row: VersionRow) -> Result<VersionTerms> {
        let id = row.id;
        let unit =
            PeriodUnit::parse(&row.period_unit).ok_or_else(|| corrupt(&id, "period unit"))?;
        let count = u32::try_from(row.period_count).map_err(|_| corrupt(&id, "period count"))?;
        Ok(VersionTerms {
            plan_code: PlanCode::parse(&row.plan_code).map_err(|_| corrupt(&id, "plan code"))?,
            names: serde_json::from_str(&row.names).map_err(|_| corrupt(&id, "names"))?,
            period: Period::new(unit, count).map_err(|_| corrupt(&id, "period"))?,
            allowance: stored_allowance(row.data_allowance, row.fair_use_cap, row.throttle_kbps)
                .ok_or_else(|| corrupt(&id, "allowance"))?,
            version_id: id,
        })
    }
}

/// The version with this id, from the pool or in the caller's transaction.
pub async fn version<'c, E>(db: E, id: &str) -> Result<Option<VersionTerms>>
where
    E: Executor<'c, Database = Any>,
{
    let row: Option<VersionRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM plan_versions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.map(VersionTerms::try_from).transpose()
}

/// The versions with these ids (unknown ones left out), by id.
pub async fn versions<'c, E>(db: E, ids: &[&str]) -> Result<BTreeMap<String, VersionTerms>>
where
    E: Executor<'c, Database = Any>,
{
    let mut unique: Vec<&str> = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    if unique.is_empty() {
        return Ok(BTreeMap::new());
    }
    let placeholders: Vec<String> = (1..=unique.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM plan_versions WHERE id IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, VersionRow>(&sql);
    for id in &unique {
        query = query.bind(*id);
    }
    query
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|row| VersionTerms::try_from(row).map(|v| (v.version_id.clone(), v)))
        .collect()
}

/// The plan a version is of; a missing version is an internal error (what was sold
/// keeps its version).
pub async fn plan_of_version<'c, E>(db: E, id: &str) -> Result<PlanCode>
where
    E: Executor<'c, Database = Any>,
{
    version(db, id)
        .await?
        .map(|v| v.plan_code)
        .ok_or_else(|| Error::internal(anyhow::anyhow!("plan version {id} is missing")))
}

/// The price of one period of each of these versions in `currency`, by version id
/// (a version not sold in that currency is left out).
pub async fn unit_prices(
    app: &crate::app::App,
    ids: &[&str],
    currency: crate::money::Currency,
) -> Result<BTreeMap<String, i64>> {
    let mut unique: Vec<&str> = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let mut out = BTreeMap::new();
    for chunk in unique.chunks(400) {
        let sql = format!(
            "SELECT plan_version_id, amount FROM plan_prices WHERE currency = $1 AND plan_version_id IN ({})",
            crate::db::placeholders(2, chunk.len())
        );
        let mut query = sqlx::query_as::<_, (String, i64)>(&sql).bind(currency.as_str());
        for id in chunk {
            query = query.bind(*id);
        }
        out.extend(query.fetch_all(app.db.reader()).await?);
    }
    Ok(out)
}
