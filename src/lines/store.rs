//! SQL for lines and their periods.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::ids::new_id;

use super::{Iccid, Line, LinePeriod, LineStatus, effective_status};

pub async fn insert_line(
    tx: &mut Tx,
    iccid: &Iccid,
    account_id: Option<&str>,
    status: LineStatus,
    activation_code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO lines (iccid, account_id, status, activation_code, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(iccid.as_str())
    .bind(account_id)
    .bind(status.as_str())
    .bind(activation_code)
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct NewPeriod<'a> {
    pub iccid: &'a Iccid,
    pub plan_version_id: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub data_allowance: Option<u64>,
    pub fair_use_cap: Option<u64>,
    pub data_used: u64,
}

pub async fn insert_period(
    tx: &mut Tx,
    period: &NewPeriod<'_>,
    now: DateTime<Utc>,
) -> Result<String> {
    let id = new_id("per", now);
    let bytes = |v: Option<u64>| v.map(|b| i64::try_from(b).unwrap_or(i64::MAX));
    sqlx::query(
        "INSERT INTO line_periods (id, iccid, plan_version_id, starts_at, ends_at, data_allowance, fair_use_cap, \
         data_used, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(period.iccid.as_str())
    .bind(period.plan_version_id)
    .bind(to_millis(period.starts_at))
    .bind(to_millis(period.ends_at))
    .bind(bytes(period.data_allowance))
    .bind(bytes(period.fair_use_cap))
    .bind(i64::try_from(period.data_used).unwrap_or(i64::MAX))
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    post_quota(tx, &id, period, now).await?;
    Ok(id)
}

pub(super) async fn lines_of_account(
    app: &App,
    account_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Line>> {
    let line_rows = sqlx::query(
        "SELECT iccid, status, status_reason, activation_code FROM lines WHERE account_id = $1 ORDER BY created_at, iccid",
    )
    .bind(account_id)
    .fetch_all(app.db.reader())
    .await?;
    let period_rows = sqlx::query(
        "SELECT lp.iccid, v.plan_code, v.names, lp.starts_at, lp.ends_at, lp.data_allowance, lp.fair_use_cap, \
         lp.data_used FROM line_periods lp JOIN lines l ON l.iccid = lp.iccid \
         JOIN plan_versions v ON v.id = lp.plan_version_id \
         WHERE l.account_id = $1 AND lp.ends_at > $2 ORDER BY lp.starts_at",
    )
    .bind(account_id)
    .bind(to_millis(now))
    .fetch_all(app.db.reader())
    .await?;
    let ever_had_period: Vec<String> = sqlx::query(
        "SELECT DISTINCT lp.iccid FROM line_periods lp JOIN lines l ON l.iccid = lp.iccid WHERE l.account_id = $1",
    )
    .bind(account_id)
    .fetch_all(app.db.reader())
    .await?
    .iter()
    .map(|row| row.try_get("iccid"))
    .collect::<Result<_, _>>()?;

    let mut periods: BTreeMap<String, Vec<LinePeriod>> = BTreeMap::new();
    for row in period_rows {
        let bytes = |name: &str| -> Result<Option<u64>> {
            Ok(row
                .try_get::<Option<i64>, _>(name)?
                .map(|v| u64::try_from(v).unwrap_or(0)))
        };
        let names: String = row.try_get("names")?;
        periods
            .entry(row.try_get("iccid")?)
            .or_default()
            .push(LinePeriod {
                plan_code: row.try_get("plan_code")?,
                plan_names: serde_json::from_str(&names).unwrap_or_default(),
                starts_at: from_millis(row.try_get("starts_at")?),
                ends_at: from_millis(row.try_get("ends_at")?),
                data_allowance: bytes("data_allowance")?,
                fair_use_cap: bytes("fair_use_cap")?,
                data_used: bytes("data_used")?.unwrap_or(0),
            });
    }

    let mut lines = Vec::with_capacity(line_rows.len());
    for row in line_rows {
        let iccid_text: String = row.try_get("iccid")?;
        let status_text: String = row.try_get("status")?;
        let stored = LineStatus::parse(&status_text).ok_or_else(|| {
            Error::internal(anyhow::anyhow!("line has unknown status {status_text:?}"))
        })?;
        let mut current = None;
        let mut queued = Vec::new();
        for period in periods.remove(&iccid_text).unwrap_or_default() {
            if period.starts_at <= now && current.is_none() {
                current = Some(period);
            } else {
                queued.push(period);
            }
        }
        let has_any = ever_had_period.contains(&iccid_text);
        lines.push(Line {
            iccid: Iccid::parse(&iccid_text)?,
            status: effective_status(stored, current.is_some(), has_any),
            status_reason: row.try_get("status_reason")?,
            activation_code: row.try_get("activation_code")?,
            current,
            queued,
        });
    }
    Ok(lines)
}

/// Lines whose last period has ended become `expired` and are suspended at the
/// network; returns how many.
pub async fn expire_lapsed(app: &App) -> Result<u64> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let rows = sqlx::query(
        "UPDATE lines SET status = 'expired', status_reason = 'no_period_left', updated_at = $1 \
         WHERE status IN ('active', 'throttled', 'suspended') \
         AND EXISTS (SELECT 1 FROM line_periods p WHERE p.iccid = lines.iccid) \
         AND NOT EXISTS (SELECT 1 FROM line_periods p WHERE p.iccid = lines.iccid AND p.ends_at > $1) \
         RETURNING iccid",
    )
    .bind(to_millis(now))
    .fetch_all(&mut *tx)
    .await?;
    for row in &rows {
        let iccid: String = row.try_get("iccid")?;
        crate::network::queue(
            &mut tx,
            &iccid,
            crate::network::Action::Suspend,
            "no_period_left",
            now,
        )
        .await?;
    }
    // A line slowed or stopped for its data comes back when a period with data starts.
    let refilled = sqlx::query(
        "SELECT DISTINCT l.iccid FROM lines l JOIN line_periods p ON p.iccid = l.iccid \
         WHERE l.status IN ('throttled', 'suspended') AND l.status_reason IN ('quota_exhausted', 'fair_use') \
         AND p.starts_at <= $1 AND p.ends_at > $1 AND p.data_used < COALESCE(p.data_allowance, p.fair_use_cap)",
    )
    .bind(to_millis(now))
    .fetch_all(&mut *tx)
    .await?;
    for row in &refilled {
        let iccid: String = row.try_get("iccid")?;
        crate::network::enforce(
            &mut tx,
            &iccid,
            crate::network::Action::Resume,
            "period_started",
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(u64::try_from(rows.len()).unwrap_or(0))
}

/// The period's data enters the quota ledger (in bytes) when the period is made:
/// credited to its quota account; any use already known is debited at once.
async fn post_quota(
    tx: &mut Tx,
    period_id: &str,
    period: &NewPeriod<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(quota) = period
        .data_allowance
        .or(period.fair_use_cap)
        .and_then(|b| i64::try_from(b).ok())
        .filter(|b| *b > 0)
    else {
        return Ok(());
    };
    let unit = crate::usage::engine::bytes_unit();
    let credit = [
        crate::ledger::house(crate::ledger::HouseAccount::QuotaIssued, unit, quota),
        crate::usage::engine::quota_posting(period_id, -quota),
    ];
    crate::ledger::post(
        tx,
        now,
        "quota",
        &format!("period:{period_id}:quota"),
        "Data allowance",
        unit,
        &credit,
    )
    .await?;
    let used = i64::try_from(period.data_used)
        .unwrap_or(i64::MAX)
        .min(quota);
    if used > 0 {
        let debit = [
            crate::usage::engine::quota_posting(period_id, used),
            crate::ledger::house(crate::ledger::HouseAccount::UsageConsumed, unit, -used),
        ];
        crate::ledger::post(
            tx,
            now,
            "usage",
            &format!("period:{period_id}:opening_use"),
            "Data used before import",
            unit,
            &debit,
        )
        .await?;
    }
    Ok(())
}
