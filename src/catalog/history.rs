//! The catalog as the operator sees it: every plan, retired ones too, with every
//! version (scheduled ones included). (Promotions and coupons:
//! [`crate::promotions::history`].)

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::app::App;
use crate::clock::from_millis;
use crate::error::{Error, Result};
use crate::money::Currency;

use super::plan::{Plan, PlanCode, Zone};
use super::store::plan_from_row;

/// A plan and its versions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRecord {
    pub code: PlanCode,
    pub zone: Zone,
    pub sort_order: i64,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    pub versions: Vec<Plan>,
}

impl PlanRecord {
    /// The version sold at `now`; `None` while the first one is still scheduled.
    pub fn in_force(&self, now: DateTime<Utc>) -> Option<&Plan> {
        self.versions
            .iter()
            .filter(|v| v.effective_from <= now)
            .max_by_key(|v| v.version)
    }

    /// The newest version, which a change is compared with.
    pub fn latest(&self) -> Option<&Plan> {
        self.versions.last()
    }
}

/// Every plan (or only `only`), in catalog order.
pub async fn plans(app: &App, only: Option<&PlanCode>) -> Result<Vec<PlanRecord>> {
    let filter = if only.is_some() {
        "WHERE p.code = $1"
    } else {
        ""
    };
    let sql = format!(
        "SELECT p.code, p.zone, p.sort_order, p.created_at AS plan_created_at, p.retired_at, \
         v.id, v.version, v.effective_from, v.names, v.period_unit, v.period_count, \
         v.data_allowance, v.fair_use_cap, v.throttle_kbps \
         FROM plans p JOIN plan_versions v ON v.plan_code = p.code {filter} \
         ORDER BY p.sort_order, p.code, v.version"
    );
    let mut query = sqlx::query(&sql);
    if let Some(code) = only {
        query = query.bind(code.as_str());
    }
    let rows = query.fetch_all(app.db.reader()).await?;
    let mut prices = prices(app, only).await?;
    let mut records: Vec<PlanRecord> = Vec::new();
    for row in &rows {
        let mut version = plan_from_row(row)?;
        version.prices = prices.remove(&version.version_id).unwrap_or_default();
        match records.last_mut() {
            Some(record) if record.code == version.code => record.versions.push(version),
            _ => records.push(PlanRecord {
                code: version.code.clone(),
                zone: version.zone,
                sort_order: row.try_get("sort_order")?,
                created_at: from_millis(row.try_get("plan_created_at")?),
                retired_at: row
                    .try_get::<Option<i64>, _>("retired_at")?
                    .map(from_millis),
                versions: vec![version],
            }),
        }
    }
    Ok(records)
}

async fn prices(
    app: &App,
    only: Option<&PlanCode>,
) -> Result<BTreeMap<String, BTreeMap<Currency, i64>>> {
    let mut query = sqlx::query(if only.is_some() {
        "SELECT pp.plan_version_id, pp.currency, pp.amount FROM plan_prices pp \
         JOIN plan_versions v ON v.id = pp.plan_version_id WHERE v.plan_code = $1"
    } else {
        "SELECT plan_version_id, currency, amount FROM plan_prices"
    });
    if let Some(code) = only {
        query = query.bind(code.as_str());
    }
    let mut prices: BTreeMap<String, BTreeMap<Currency, i64>> = BTreeMap::new();
    for row in query.fetch_all(app.db.reader()).await? {
        let currency =
            Currency::parse(&row.try_get::<String, _>("currency")?).map_err(Error::internal)?;
        prices
            .entry(row.try_get("plan_version_id")?)
            .or_default()
            .insert(currency, row.try_get("amount")?);
    }
    Ok(prices)
}

/// The codes of every plan, retired ones too: what a promotion may be restricted to.
pub async fn plan_codes(app: &App) -> Result<BTreeSet<PlanCode>> {
    let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM plans")
        .fetch_all(app.db.reader())
        .await?;
    codes.iter().map(|code| PlanCode::parse(code)).collect()
}
