//! What the subscriber sees of usage: daily totals for the last 30 days, and a
//! forecast: at the recent pace, when the data runs out, and the plan that would fit.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::Row;

use crate::app::App;
use crate::catalog::{self, Allowance, PeriodUnit, Plan};
use crate::clock::to_millis;
use crate::error::{Code, Error, Result};
use crate::lines::{self, Line};

pub const DAYS: i64 = 30;
/// The pace is the average of this many recent days.
const PACE_DAYS: i64 = 7;

#[derive(Debug, Clone)]
pub struct UsageView {
    pub line: Line,
    /// Oldest first, one entry per day in the subscriber's time zone.
    pub days: Vec<(NaiveDate, u64)>,
    pub forecast: Forecast,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forecast {
    pub daily_average: u64,
    /// When the data runs out at this pace; `None` if it lasts the period (or unlimited).
    pub runs_out_at: Option<DateTime<Utc>>,
    /// A 30-day plan whose allowance covers a month at this pace.
    pub fitting_plan: Option<Plan>,
}

pub async fn for_line(app: &App, account_id: &str, iccid: &str) -> Result<UsageView> {
    let line = lines::for_account(app, account_id)
        .await?
        .into_iter()
        .find(|line| line.iccid.as_str() == iccid)
        .ok_or_else(|| Error::not_found(Code::LineNotFound))?;
    let zone = app.config.time_zone();
    let now = app.now();
    let today = now.with_timezone(&zone).date_naive();
    let first = today - Duration::days(DAYS - 1);
    let rows = sqlx::query(
        "SELECT hour, bytes FROM usage_hourly WHERE iccid = $1 AND hour >= $2 ORDER BY hour",
    )
    .bind(iccid)
    .bind(to_millis(now - Duration::days(DAYS + 1)))
    .fetch_all(app.db.reader())
    .await?;
    let mut by_day: BTreeMap<NaiveDate, u64> =
        (0..DAYS).map(|n| (first + Duration::days(n), 0)).collect();
    for row in rows {
        let hour = crate::clock::from_millis(row.try_get("hour")?);
        let day = hour.with_timezone(&zone).date_naive();
        if let Some(total) = by_day.get_mut(&day) {
            let bytes = crate::volume::DataVolume::from_stored(row.try_get("bytes")?)?;
            *total = total.saturating_add(bytes.as_bytes());
        }
    }
    let days: Vec<(NaiveDate, u64)> = by_day.into_iter().collect();
    let recent: u64 = days
        .iter()
        .rev()
        .take(usize::try_from(PACE_DAYS).unwrap_or(7))
        .map(|(_, b)| b)
        .sum();
    let daily_average = recent / u64::try_from(PACE_DAYS).unwrap_or(7);
    let plans = catalog::list(app).await?;
    let forecast = forecast(
        &line,
        daily_average,
        now,
        &plans,
        app.config.locale.currency,
    );
    Ok(UsageView {
        line,
        days,
        forecast,
    })
}

/// The forecast, from the pace alone.
pub fn forecast(
    line: &Line,
    daily_average: u64,
    now: DateTime<Utc>,
    plans: &[Plan],
    currency: crate::money::Currency,
) -> Forecast {
    let runs_out_at = line.current.as_ref().and_then(|period| {
        let remaining = period.data_remaining()?.as_bytes();
        if daily_average == 0 {
            return None;
        }
        let seconds = i64::try_from(u128::from(remaining) * 86_400 / u128::from(daily_average))
            .unwrap_or(i64::MAX);
        let at = now + Duration::seconds(seconds.min(400 * 86_400));
        (at < period.ends_at).then_some(at)
    });
    let monthly_need = daily_average.saturating_mul(30);
    let monthly = |plan: &&Plan| {
        matches!(
            (plan.period.unit, plan.period.count),
            (PeriodUnit::Day, 30) | (PeriodUnit::Month, 1)
        )
    };
    let fitting_plan = if daily_average == 0 {
        None
    } else {
        plans
            .iter()
            .filter(monthly)
            .filter(|plan| match plan.allowance {
                Allowance::Capped { bytes } => bytes >= monthly_need,
                Allowance::Unlimited { fair_use_cap, .. } => fair_use_cap >= monthly_need,
            })
            .min_by_key(|plan| plan.price(currency).map(|p| p.amount).unwrap_or(i64::MAX))
            .cloned()
    };
    Forecast {
        daily_average,
        runs_out_at,
        fitting_plan,
    }
}

/// The bytes line `iccid` used in the hours starting in `[from, to)`, from the hourly
/// totals (a month's statement).
pub async fn used_between(
    app: &App,
    iccid: &str,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<u64> {
    let total: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(bytes) AS BIGINT) FROM usage_hourly WHERE iccid = $1 AND hour >= $2 AND hour < $3",
    )
    .bind(iccid)
    .bind(to_millis(from))
    .bind(to_millis(to))
    .fetch_one(app.db.reader())
    .await?;
    Ok(u64::try_from(total.unwrap_or(0)).unwrap_or(0))
}
