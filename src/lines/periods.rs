//! SQL for `line_periods`: making periods, and the reads that renewal, alerts and
//! auto-renew make of them.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::Tx;
use crate::error::Result;
use crate::ids::{AccountId, PeriodId};
use crate::volume::DataVolume;

use super::Iccid;
use super::rules::PeriodData;

pub struct NewPeriod<'a> {
    pub iccid: &'a Iccid,
    pub plan_version_id: &'a str,
    /// The order that bought it (none for imported or demo periods).
    pub order_id: Option<&'a str>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub data_allowance: Option<DataVolume>,
    pub fair_use_cap: Option<DataVolume>,
    pub data_used: DataVolume,
}

/// Makes the period and enters its data in the quota ledger, in the caller's transaction.
pub async fn insert_period(
    tx: &mut Tx,
    period: &NewPeriod<'_>,
    now: DateTime<Utc>,
) -> Result<PeriodId> {
    let id = PeriodId::generate(now);
    let stored = |v: Option<DataVolume>| v.map(DataVolume::to_stored).transpose();
    sqlx::query(
        "INSERT INTO line_periods (id, iccid, plan_version_id, order_id, starts_at, ends_at, data_allowance, \
         fair_use_cap, data_used, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.as_str())
    .bind(period.iccid.as_str())
    .bind(period.plan_version_id)
    .bind(period.order_id)
    .bind(to_millis(period.starts_at))
    .bind(to_millis(period.ends_at))
    .bind(stored(period.data_allowance)?)
    .bind(stored(period.fair_use_cap)?)
    .bind(period.data_used.to_stored()?)
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    let quota = period
        .data_allowance
        .or(period.fair_use_cap)
        .unwrap_or(DataVolume::ZERO);
    crate::ledger::quota::open_period(tx, id.as_str(), quota, period.data_used, now).await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct PeriodRow {
    id: String,
    starts_at: i64,
    ends_at: i64,
    data_allowance: Option<i64>,
    fair_use_cap: Option<i64>,
    data_used: i64,
}

fn volume(value: Option<i64>) -> Result<Option<DataVolume>> {
    value.map(DataVolume::from_stored).transpose()
}

impl PeriodRow {
    fn into_data(self) -> Result<(PeriodId, PeriodData)> {
        Ok((
            PeriodId::from_stored(self.id),
            PeriodData {
                starts_at: from_millis(self.starts_at),
                ends_at: from_millis(self.ends_at),
                allowance: volume(self.data_allowance)?,
                fair_use_cap: volume(self.fair_use_cap)?,
                used: DataVolume::from_stored(self.data_used)?,
            },
        ))
    }
}

/// The line's periods not yet ended at `now` (running and queued), oldest first,
/// from the pool or in the caller's transaction.
pub(super) async fn ahead<'c, E>(
    db: E,
    iccid: &Iccid,
    now: DateTime<Utc>,
) -> Result<Vec<(PeriodId, PeriodData)>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let rows: Vec<PeriodRow> = sqlx::query_as(
        "SELECT id, starts_at, ends_at, data_allowance, fair_use_cap, data_used FROM line_periods \
         WHERE iccid = $1 AND ends_at > $2 ORDER BY starts_at",
    )
    .bind(iccid.as_str())
    .bind(to_millis(now))
    .fetch_all(db)
    .await?;
    rows.into_iter().map(PeriodRow::into_data).collect()
}

/// Ends a running, exhausted period at `now`; guarded, so a period that has changed
/// meanwhile (more data, already ended) is left as it is.
pub(super) async fn end_exhausted(tx: &mut Tx, id: &PeriodId, now: DateTime<Utc>) -> Result<bool> {
    let ended = sqlx::query(
        "UPDATE line_periods SET ends_at = $1 WHERE id = $2 AND starts_at <= $1 AND ends_at > $1 \
         AND data_allowance IS NOT NULL AND data_used >= data_allowance",
    )
    .bind(to_millis(now))
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(ended.rows_affected() == 1)
}

/// The speed a period's plan slows the line to at its fair-use cap, if it names one.
pub async fn fair_use_kbps(tx: &mut Tx, period_id: &str) -> Result<Option<i64>> {
    // joins plan_versions (owner: catalog): read inside the usage engine's batch
    // transaction when a period reaches its fair-use cap; one statement, not two.
    let kbps: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT v.throttle_kbps FROM line_periods p JOIN plan_versions v ON v.id = p.plan_version_id WHERE p.id = $1",
    )
    .bind(period_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(kbps.flatten())
}

/// Periods running at `now` that end by `until` with nothing queued after them.
pub async fn ending_by(
    app: &App,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(PeriodId, Iccid)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.id, p.iccid FROM line_periods p WHERE p.starts_at <= $1 AND p.ends_at > $1 AND p.ends_at <= $2 \
         AND NOT EXISTS (SELECT 1 FROM line_periods q WHERE q.iccid = p.iccid AND q.starts_at >= p.ends_at)",
    )
    .bind(to_millis(now))
    .bind(to_millis(until))
    .fetch_all(app.db.reader())
    .await?;
    rows.into_iter()
        .map(|(id, iccid)| Ok((PeriodId::from_stored(id), Iccid::from_stored(&iccid)?)))
        .collect()
}

/// A period with what a message or a renewal about it needs.
#[derive(Debug, Clone)]
pub struct PeriodOfLine {
    pub id: PeriodId,
    pub iccid: Iccid,
    pub account_id: Option<AccountId>,
    pub plan_code: String,
    pub ends_at: DateTime<Utc>,
    pub allowance: Option<DataVolume>,
    pub used: DataVolume,
    /// How many periods are queued after it.
    pub queued_after: i64,
}

impl PeriodOfLine {
    pub fn is_exhausted(&self) -> bool {
        self.allowance
            .is_some_and(|allowance| self.used >= allowance)
    }
}

#[derive(sqlx::FromRow)]
struct PeriodOfLineRow {
    id: String,
    iccid: String,
    account_id: Option<String>,
    plan_code: String,
    ends_at: i64,
    data_allowance: Option<i64>,
    data_used: i64,
    queued_after: i64,
}

impl PeriodOfLineRow {
    fn into_period(self) -> Result<PeriodOfLine> {
        Ok(PeriodOfLine {
            id: PeriodId::from_stored(self.id),
            iccid: Iccid::from_stored(&self.iccid)?,
            account_id: self.account_id.map(AccountId::from_stored),
            plan_code: self.plan_code,
            ends_at: from_millis(self.ends_at),
            allowance: volume(self.data_allowance)?,
            used: DataVolume::from_stored(self.data_used)?,
            queued_after: self.queued_after,
        })
    }
}

// joins plan_versions (owner: catalog): the plan code of the period, for messages and
// renewals (not a hot path; left until catalog offers a look-up by version id).
const PERIOD_OF_LINE: &str = "SELECT p.id, p.iccid, l.account_id, v.plan_code, p.ends_at, p.data_allowance, p.data_used, \
     (SELECT COUNT(*) FROM line_periods q WHERE q.iccid = p.iccid AND q.starts_at >= p.ends_at) AS queued_after \
     FROM line_periods p JOIN lines l ON l.iccid = p.iccid JOIN plan_versions v ON v.id = p.plan_version_id";

/// The period `id` of line `iccid`, if it is one.
pub async fn period_of_line(app: &App, id: &str, iccid: &str) -> Result<Option<PeriodOfLine>> {
    let row: Option<PeriodOfLineRow> = sqlx::query_as(&format!(
        "{PERIOD_OF_LINE} WHERE p.id = $1 AND p.iccid = $2"
    ))
    .bind(id)
    .bind(iccid)
    .fetch_optional(app.db.reader())
    .await?;
    row.map(PeriodOfLineRow::into_period).transpose()
}

/// The running period of each owned line among `iccids` that has nothing queued after it.
pub async fn running_last(
    app: &App,
    iccids: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<PeriodOfLine>> {
    let mut out = Vec::new();
    for chunk in iccids.chunks(super::batch::CHUNK) {
        let sql = format!(
            "{PERIOD_OF_LINE} WHERE l.account_id IS NOT NULL AND p.starts_at <= $1 AND p.ends_at > $1 \
             AND NOT EXISTS (SELECT 1 FROM line_periods q WHERE q.iccid = p.iccid AND q.starts_at >= p.ends_at) \
             AND p.iccid IN ({})",
            super::batch::placeholders(2, chunk.len())
        );
        // `$1` appears twice: numbered placeholders on both databases (no `positional`).
        let mut query = sqlx::query_as::<_, PeriodOfLineRow>(&sql).bind(to_millis(now));
        for iccid in chunk {
            query = query.bind(iccid.as_str());
        }
        for row in query.fetch_all(app.db.reader()).await? {
            out.push(row.into_period()?);
        }
    }
    Ok(out)
}

/// Totals over the periods of lines whose ICCID starts with `prefix` (for the
/// benchmarks' checks): data used, and how many capped periods used more than they had.
pub async fn quota_totals(app: &App, prefix: &str) -> Result<(DataVolume, i64)> {
    let pattern = format!("{prefix}%");
    let used: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(data_used), 0) AS BIGINT) FROM line_periods WHERE iccid LIKE $1",
    )
    .bind(&pattern)
    .fetch_one(app.db.reader())
    .await?;
    let overdrawn: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM line_periods WHERE iccid LIKE $1 AND data_allowance IS NOT NULL AND data_used > data_allowance",
    )
    .bind(&pattern)
    .fetch_one(app.db.reader())
    .await?;
    Ok((DataVolume::from_stored(used)?, overdrawn))
}

/// How many periods were bought by orders (the others were imported or seeded).
pub async fn count_bought(app: &App) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM line_periods WHERE order_id IS NOT NULL")
            .fetch_one(app.db.reader())
            .await?,
    )
}

/// The periods an order bought, `(starts_at, ends_at)` in order: what its receipt
/// lists, read in the fulfilment's transaction or after.
pub async fn of_order<'e, E>(
    executor: E,
    order_id: &str,
) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT starts_at, ends_at FROM line_periods WHERE order_id = $1 ORDER BY starts_at, id",
    )
    .bind(order_id)
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(starts, ends)| (from_millis(starts), from_millis(ends)))
        .collect())
}

/// A period of one of an account's lines, as a statement lists it.
#[derive(Debug, Clone)]
pub struct AccountPeriod {
    pub iccid: String,
    pub plan_version_id: String,
    pub order_id: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub allowance: Option<DataVolume>,
    pub used: DataVolume,
}

type AccountPeriodRow = (String, String, Option<String>, i64, i64, Option<i64>, i64);

/// The periods of `account_id`'s lines that overlap `[from, to)`, line by line.
pub async fn of_account_between(
    app: &App,
    account_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<AccountPeriod>> {
    let rows: Vec<AccountPeriodRow> = sqlx::query_as(
        "SELECT p.iccid, p.plan_version_id, p.order_id, p.starts_at, p.ends_at, p.data_allowance, p.data_used \
         FROM line_periods p JOIN lines l ON l.iccid = p.iccid \
         WHERE l.account_id = $1 AND p.starts_at < $3 AND p.ends_at > $2 AND p.ends_at > p.starts_at \
         ORDER BY p.iccid, p.starts_at, p.id",
    )
    .bind(account_id)
    .bind(to_millis(from))
    .bind(to_millis(to))
    .fetch_all(app.db.reader())
    .await?;
    rows.into_iter()
        .map(
            |(iccid, plan_version_id, order_id, starts, ends, allowance, used)| {
                Ok(AccountPeriod {
                    iccid,
                    plan_version_id,
                    order_id,
                    starts_at: from_millis(starts),
                    ends_at: from_millis(ends),
                    allowance: allowance.map(DataVolume::from_stored).transpose()?,
                    used: DataVolume::from_stored(used)?,
                })
            },
        )
        .collect()
}
