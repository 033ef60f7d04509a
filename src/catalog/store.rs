//! SQL for the catalog. A change of terms or prices adds a version; an unchanged
//! plan is left alone, so importing the same file twice changes nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::{ConstraintExt, Tx};
use crate::error::{Code, Error, Result};
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

/// What applying one plan entry did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PlanChange {
    pub created: bool,
    /// The version the entry added (1 for a new plan); `None` when its terms and
    /// prices were those of the latest version already.
    pub new_version: Option<i64>,
    /// `Some(true)` when it was retired, `Some(false)` when it went back on sale.
    pub retirement: Option<bool>,
}

impl PlanChange {
    pub fn is_unchanged(&self) -> bool {
        self.new_version.is_none() && self.retirement.is_none()
    }
}

/// Applies a checked catalog in one transaction, auditing every change.
pub async fn import(app: &App, file: &CatalogFile, actor: &str) -> Result<ImportReport> {
    let now = app.now();
    let key = crate::audit::Key::from_secret(&app.secret);
    let mut report = ImportReport::default();
    let mut tx = crate::audit::begin(&app.db).await?;
    for (index, spec) in file.plans.iter().enumerate() {
        let code = spec.code.as_str().to_owned();
        let sort_order = i64::try_from(index).unwrap_or(i64::MAX);
        let change = apply_plan(&mut tx, &key, spec, Some(sort_order), actor, now).await?;
        if change.created {
            report.created.push(code.clone());
        } else if change.new_version.is_some() {
            report.new_versions.push(code.clone());
        }
        if change.retirement == Some(true) {
            report.retired.push(code.clone());
        }
        if change.is_unchanged() {
            report.unchanged.push(code);
        }
    }
    report.promotions =
        super::promotion_store::import(&mut tx, &key, &file.promotions, actor, now).await?;
    tx.commit().await?;
    Ok(report)
}

/// Applies one plan entry in the caller's transaction: a new plan, a new version when
/// its terms or prices differ from the latest version's, and its retirement; each
/// change audited. `sort_order` places it in the catalog (a new plan goes last when
/// `None`; an existing one stays where it is).
pub(crate) async fn apply_plan(
    tx: &mut Tx,
    key: &crate::audit::Key,
    spec: &PlanSpec,
    sort_order: Option<i64>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<PlanChange> {
    let code = spec.code.as_str();
    let concurrent = || Error::conflict(Code::CatalogChangedConcurrently);
    let latest = sqlx::query(
        "SELECT v.version, v.terms_digest FROM plans p \
         LEFT JOIN plan_versions v ON v.plan_code = p.code \
         WHERE p.code = $1 ORDER BY v.version DESC LIMIT 1",
    )
    .bind(code)
    .fetch_optional(&mut **tx)
    .await?;
    let digest = terms_digest(spec);
    let mut change = PlanChange::default();
    let (next_version, changed) = match &latest {
        None => {
            let inserted = sqlx::query(
                "INSERT INTO plans (code, zone, sort_order, created_at) \
                 VALUES ($1, $2, COALESCE($3, (SELECT COALESCE(MAX(sort_order), -1) + 1 FROM plans)), $4) \
                 ON CONFLICT (code) DO NOTHING",
            )
            .bind(code)
            .bind(spec.zone.as_str())
            .bind(sort_order)
            .bind(to_millis(now))
            .execute(&mut **tx)
            .await?;
            if inserted.rows_affected() != 1 {
                return Err(concurrent());
            }
            change.created = true;
            (1, true)
        }
        Some(row) => {
            let version: Option<i64> = row.try_get("version")?;
            let old_digest: Option<String> = row.try_get("terms_digest")?;
            sqlx::query(
                "UPDATE plans SET zone = $1, sort_order = COALESCE($2, sort_order) WHERE code = $3",
            )
            .bind(spec.zone.as_str())
            .bind(sort_order)
            .bind(code)
            .execute(&mut **tx)
            .await?;
            (
                version.unwrap_or(0) + 1,
                old_digest.as_deref() != Some(digest.as_str()),
            )
        }
    };
    if changed {
        // A time already past means now: a version is never back-dated.
        let effective_from = spec.effective_from.map_or(now, |at| at.max(now));
        insert_version(tx, spec, next_version, &digest, effective_from, now)
            .await
            .on_constraint("plan_versions_number_key", concurrent())?;
        let detail = if effective_from > now {
            format!(
                "version {next_version}, on sale from {}",
                effective_from.to_rfc3339()
            )
        } else {
            format!("version {next_version}")
        };
        audit(tx, key, now, actor, "plan.version", code, &detail).await?;
        change.new_version = Some(next_version);
    }
    if set_retired(tx, key, code, spec.retired, actor, now).await? {
        change.retirement = Some(spec.retired);
    }
    Ok(change)
}

/// Retires the plan (no new sales) or puts it back on sale, audited; `false` when it
/// already was so (or there is no such plan).
pub(crate) async fn set_retired(
    tx: &mut Tx,
    key: &crate::audit::Key,
    code: &str,
    retired: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let updated = if retired {
        sqlx::query("UPDATE plans SET retired_at = $1 WHERE code = $2 AND retired_at IS NULL")
            .bind(to_millis(now))
            .bind(code)
            .execute(&mut **tx)
            .await?
    } else {
        sqlx::query("UPDATE plans SET retired_at = NULL WHERE code = $1 AND retired_at IS NOT NULL")
            .bind(code)
            .execute(&mut **tx)
            .await?
    };
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    let action = if retired {
        "plan.retire"
    } else {
        "plan.reinstate"
    };
    audit(tx, key, now, actor, action, code, "").await?;
    Ok(true)
}

async fn insert_version(
    tx: &mut Tx,
    spec: &PlanSpec,
    version: i64,
    digest: &str,
    effective_from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
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
    let names = serde_json::to_string(&spec.names).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query(
        "INSERT INTO plan_versions (id, plan_code, version, effective_from, names, period_unit, period_count, \
         data_allowance, fair_use_cap, throttle_kbps, terms_digest, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&id)
    .bind(spec.code.as_str())
    .bind(version)
    .bind(to_millis(effective_from))
    .bind(names)
    .bind(spec.period.unit.as_str())
    .bind(i64::from(spec.period.count))
    .bind(data_allowance)
    .bind(fair_use_cap)
    .bind(throttle_kbps)
    .bind(digest)
    .bind(to_millis(now))
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

/// Records a change in the audit log, in the transaction that makes it.
pub use crate::audit::record as audit;

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

pub(super) fn plan_from_row(row: &AnyRow) -> Result<Plan> {
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
