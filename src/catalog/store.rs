//! SQL for the catalog. A change of terms or prices adds a version; an unchanged
//! plan is left alone, so importing the same file twice changes nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::money::Currency;

use super::file::{CatalogFile, PlanSpec};
use super::plan::{Allowance, Period, PeriodUnit, Plan, PlanCode, Zone};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub created: Vec<String>,
    pub new_versions: Vec<String>,
    pub retired: Vec<String>,
    pub unchanged: Vec<String>,
    /// Promotions and coupons by code.
    pub promotions: super::promotion_store::PromotionReport,
}

fn terms_digest(spec: &PlanSpec) -> String {
    let canonical = serde_json::json!({
        "zone": spec.zone,
        "period": spec.period,
        "allowance": spec.allowance,
        "prices": spec.prices,
        "names": spec.names,
    });
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Applies a checked catalog in one transaction, auditing every change.
pub async fn import(app: &App, file: &CatalogFile, actor: &str) -> Result<ImportReport> {
    let now = app.now();
    let mut report = ImportReport::default();
    let mut tx = app.db.begin().await?;
    for (index, spec) in file.plans.iter().enumerate() {
        let code = spec.code.as_str();
        let current = sqlx::query(
            "SELECT p.retired_at, v.version, v.terms_digest FROM plans p \
             LEFT JOIN plan_versions v ON v.plan_code = p.code \
             WHERE p.code = $1 ORDER BY v.version DESC LIMIT 1",
        )
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?;
        let digest = terms_digest(spec);
        let sort_order = i64::try_from(index).unwrap_or(i64::MAX);
        let (next_version, changed, was_retired) = match &current {
            None => {
                sqlx::query("INSERT INTO plans (code, zone, sort_order, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(code)
                    .bind(spec.zone.as_str())
                    .bind(sort_order)
                    .bind(to_millis(now))
                    .execute(&mut *tx)
                    .await?;
                report.created.push(code.to_owned());
                (1, true, false)
            }
            Some(row) => {
                let version: Option<i64> = row.try_get("version")?;
                let old_digest: Option<String> = row.try_get("terms_digest")?;
                let retired_at: Option<i64> = row.try_get("retired_at")?;
                sqlx::query("UPDATE plans SET zone = $1, sort_order = $2 WHERE code = $3")
                    .bind(spec.zone.as_str())
                    .bind(sort_order)
                    .bind(code)
                    .execute(&mut *tx)
                    .await?;
                (
                    version.unwrap_or(0) + 1,
                    old_digest.as_deref() != Some(digest.as_str()),
                    retired_at.is_some(),
                )
            }
        };
        if changed {
            insert_version(&mut tx, spec, next_version, &digest, now).await?;
            if next_version > 1 {
                report.new_versions.push(code.to_owned());
            }
            audit(
                &mut tx,
                now,
                actor,
                "plan.version",
                code,
                &format!("version {next_version}"),
            )
            .await?;
        }
        if spec.retired != was_retired {
            let retired_at = spec.retired.then(|| to_millis(now));
            sqlx::query("UPDATE plans SET retired_at = $1 WHERE code = $2")
                .bind(retired_at)
                .bind(code)
                .execute(&mut *tx)
                .await?;
            let action = if spec.retired {
                "plan.retire"
            } else {
                "plan.reinstate"
            };
            audit(&mut tx, now, actor, action, code, "").await?;
            if spec.retired {
                report.retired.push(code.to_owned());
            }
        }
        if !changed && spec.retired == was_retired {
            report.unchanged.push(code.to_owned());
        }
    }
    report.promotions =
        super::promotion_store::import(&mut tx, &file.promotions, actor, now).await?;
    tx.commit().await?;
    Ok(report)
}

async fn insert_version(
    tx: &mut Tx,
    spec: &PlanSpec,
    version: i64,
    digest: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = new_id("pv", now);
    let (data_allowance, fair_use_cap, throttle_kbps) = match spec.allowance {
        Allowance::Capped { bytes } => (Some(to_i64(bytes)), None, None),
        Allowance::Unlimited {
            fair_use_cap,
            throttle_kbps,
        } => (
            None,
            Some(to_i64(fair_use_cap)),
            Some(i64::from(throttle_kbps)),
        ),
    };
    let names = serde_json::to_string(&spec.names).map_err(Error::internal)?;
    sqlx::query(
        "INSERT INTO plan_versions (id, plan_code, version, effective_from, names, period_unit, period_count, \
         data_allowance, fair_use_cap, throttle_kbps, terms_digest, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $4)",
    )
    .bind(&id)
    .bind(spec.code.as_str())
    .bind(version)
    .bind(to_millis(now))
    .bind(names)
    .bind(spec.period.unit.as_str())
    .bind(i64::from(spec.period.count))
    .bind(data_allowance)
    .bind(fair_use_cap)
    .bind(throttle_kbps)
    .bind(digest)
    .execute(&mut **tx)
    .await?;
    for (currency, amount) in &spec.prices {
        sqlx::query(
            "INSERT INTO plan_prices (plan_version_id, currency, amount) VALUES ($1, $2, $3)",
        )
        .bind(&id)
        .bind(currency.as_str())
        .bind(*amount)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub async fn audit(
    tx: &mut Tx,
    now: DateTime<Utc>,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO audit_log (id, at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(new_id("aud", now))
        .bind(to_millis(now))
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn to_i64(bytes: u64) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

const PLAN_QUERY: &str = "SELECT p.code, p.zone, v.id, v.version, v.effective_from, v.names, v.period_unit, \
     v.period_count, v.data_allowance, v.fair_use_cap, v.throttle_kbps \
     FROM plans p JOIN plan_versions v ON v.plan_code = p.code \
     WHERE v.version = (SELECT MAX(version) FROM plan_versions WHERE plan_code = p.code AND effective_from <= $1)";

/// Plans on sale now, in catalog order.
pub async fn list(app: &App) -> Result<Vec<Plan>> {
    let rows = sqlx::query(&format!(
        "{PLAN_QUERY} AND p.retired_at IS NULL ORDER BY p.sort_order, p.code"
    ))
    .bind(to_millis(app.now()))
    .fetch_all(app.db.reader())
    .await?;
    with_prices(app, rows).await
}

/// A plan by code as sold now (`None` if unknown or retired).
pub async fn find(app: &App, code: &PlanCode) -> Result<Option<Plan>> {
    let rows = sqlx::query(&format!(
        "{PLAN_QUERY} AND p.retired_at IS NULL AND p.code = $2"
    ))
    .bind(to_millis(app.now()))
    .bind(code.as_str())
    .fetch_all(app.db.reader())
    .await?;
    Ok(with_prices(app, rows).await?.into_iter().next())
}

async fn with_prices(app: &App, rows: Vec<AnyRow>) -> Result<Vec<Plan>> {
    let mut plans = rows.iter().map(plan_from_row).collect::<Result<Vec<_>>>()?;
    if plans.is_empty() {
        return Ok(plans);
    }
    let price_rows = sqlx::query(
        "SELECT pp.plan_version_id, pp.currency, pp.amount FROM plan_prices pp \
         JOIN plan_versions v ON v.id = pp.plan_version_id \
         WHERE v.version = (SELECT MAX(version) FROM plan_versions WHERE plan_code = v.plan_code AND effective_from <= $1)",
    )
    .bind(to_millis(app.now()))
    .fetch_all(app.db.reader())
    .await?;
    let mut prices: BTreeMap<String, BTreeMap<Currency, i64>> = BTreeMap::new();
    for row in price_rows {
        let currency =
            Currency::parse(&row.try_get::<String, _>("currency")?).map_err(Error::internal)?;
        prices
            .entry(row.try_get("plan_version_id")?)
            .or_default()
            .insert(currency, row.try_get("amount")?);
    }
    for plan in &mut plans {
        plan.prices = prices.remove(&plan.version_id).unwrap_or_default();
    }
    Ok(plans)
}

fn plan_from_row(row: &AnyRow) -> Result<Plan> {
    let corrupt = |what: &str| Error::internal(anyhow::anyhow!("catalog row has a bad {what}"));
    let unit = PeriodUnit::parse(&row.try_get::<String, _>("period_unit")?)
        .ok_or_else(|| corrupt("period unit"))?;
    let count = u32::try_from(row.try_get::<i64, _>("period_count")?)
        .map_err(|_| corrupt("period count"))?;
    let allowance = match (
        row.try_get::<Option<i64>, _>("data_allowance")?,
        row.try_get::<Option<i64>, _>("fair_use_cap")?,
        row.try_get::<Option<i64>, _>("throttle_kbps")?,
    ) {
        (Some(bytes), _, _) => Allowance::Capped {
            bytes: u64::try_from(bytes).unwrap_or(0),
        },
        (None, Some(cap), Some(kbps)) => Allowance::Unlimited {
            fair_use_cap: u64::try_from(cap).unwrap_or(0),
            throttle_kbps: u32::try_from(kbps).unwrap_or(0),
        },
        _ => return Err(corrupt("allowance")),
    };
    Ok(Plan {
        code: PlanCode::parse(&row.try_get::<String, _>("code")?)?,
        version_id: row.try_get("id")?,
        version: row.try_get("version")?,
        effective_from: from_millis(row.try_get("effective_from")?),
        names: serde_json::from_str(&row.try_get::<String, _>("names")?)
            .map_err(|_| corrupt("names"))?,
        zone: Zone::parse(&row.try_get::<String, _>("zone")?).ok_or_else(|| corrupt("zone"))?,
        period: Period::new(unit, count).map_err(|_| corrupt("period"))?,
        allowance,
        prices: BTreeMap::new(),
    })
}
