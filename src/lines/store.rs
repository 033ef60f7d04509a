//! SQL for the `lines` table: a line's owner, status and activation code.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::{Backend, Tx};
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::volume::DataVolume;

use super::batch::{CHUNK, placeholders};
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

/// The latest start of a new line that waits for its install ([`super::opening`]).
pub(super) async fn set_opens_by(
    tx: &mut Tx,
    iccid: &Iccid,
    opens_by: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE lines SET opens_by = $1 WHERE iccid = $2")
        .bind(to_millis(opens_by))
        .bind(iccid.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn parse_status(text: &str) -> Result<LineStatus> {
    LineStatus::parse(text)
        .ok_or_else(|| Error::internal(anyhow::anyhow!("line has unknown status {text:?}")))
}

#[derive(sqlx::FromRow)]
struct LineRow {
    iccid: String,
    status: String,
    status_reason: Option<String>,
    activation_code: Option<String>,
    opens_by: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct ShownPeriodRow {
    iccid: String,
    plan_code: String,
    names: String,
    starts_at: i64,
    ends_at: i64,
    data_allowance: Option<i64>,
    fair_use_cap: Option<i64>,
    data_used: i64,
}

fn volume(value: Option<i64>) -> Result<Option<DataVolume>> {
    value.map(DataVolume::from_stored).transpose()
}

impl ShownPeriodRow {
    fn into_period(self) -> Result<LinePeriod> {
        Ok(LinePeriod {
            plan_names: serde_json::from_str(&self.names).unwrap_or_default(),
            plan_code: self.plan_code,
            starts_at: from_millis(self.starts_at),
            ends_at: from_millis(self.ends_at),
            data_allowance: volume(self.data_allowance)?,
            fair_use_cap: volume(self.fair_use_cap)?,
            data_used: DataVolume::from_stored(self.data_used)?,
        })
    }
}

pub(super) async fn lines_of_account(
    app: &App,
    account_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Line>> {
    let line_rows: Vec<LineRow> = sqlx::query_as(
        "SELECT iccid, status, status_reason, activation_code, opens_by FROM lines WHERE account_id = $1 ORDER BY created_at, iccid",
    )
    .bind(account_id)
    .fetch_all(app.db.reader())
    .await?;
    // joins plan_versions (owner: catalog): the plan's code and names shown with each
    // period; catalog has no look-up by version id yet (left for the catalog helper).
    let period_rows: Vec<ShownPeriodRow> = sqlx::query_as(
        "SELECT lp.iccid, v.plan_code, v.names, lp.starts_at, lp.ends_at, lp.data_allowance, lp.fair_use_cap, \
         lp.data_used FROM line_periods lp JOIN lines l ON l.iccid = lp.iccid \
         JOIN plan_versions v ON v.id = lp.plan_version_id \
         WHERE l.account_id = $1 AND lp.ends_at > $2 ORDER BY lp.starts_at",
    )
    .bind(account_id)
    .bind(to_millis(now))
    .fetch_all(app.db.reader())
    .await?;
    let ever_had_period: BTreeSet<String> = sqlx::query_scalar(
        "SELECT DISTINCT lp.iccid FROM line_periods lp JOIN lines l ON l.iccid = lp.iccid WHERE l.account_id = $1",
    )
    .bind(account_id)
    .fetch_all(app.db.reader())
    .await?
    .into_iter()
    .collect();

    let mut periods: BTreeMap<String, Vec<LinePeriod>> = BTreeMap::new();
    for row in period_rows {
        let iccid = row.iccid.clone();
        periods.entry(iccid).or_default().push(row.into_period()?);
    }

    let mut lines = Vec::with_capacity(line_rows.len());
    for row in line_rows {
        let stored = parse_status(&row.status)?;
        let mut current = None;
        let mut queued = Vec::new();
        for period in periods.remove(&row.iccid).unwrap_or_default() {
            if period.starts_at <= now && current.is_none() {
                current = Some(period);
            } else {
                queued.push(period);
            }
        }
        let has_any = ever_had_period.contains(&row.iccid);
        lines.push(Line {
            iccid: Iccid::from_stored(&row.iccid)?,
            status: effective_status(stored, current.is_some(), has_any),
            status_reason: row.status_reason,
            activation_code: row.activation_code,
            opens_by: row.opens_by.map(from_millis).filter(|at| *at > now),
            current,
            queued,
        });
    }
    Ok(lines)
}

/// Who owns the line: `None` when there is no such line, `Some(None)` when nobody does.
pub async fn owner_of(app: &App, iccid: &Iccid) -> Result<Option<Option<AccountId>>> {
    let owner: Option<Option<String>> =
        sqlx::query_scalar("SELECT account_id FROM lines WHERE iccid = $1")
            .bind(iccid.as_str())
            .fetch_optional(app.db.reader())
            .await?;
    Ok(owner.map(|owner| owner.map(AccountId::from_stored)))
}

/// Holds the line until the caller's transaction ends (PostgreSQL; SQLite has a
/// single writer anyway).
pub async fn lock(tx: &mut Tx, backend: Backend, iccid: &Iccid) -> Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT iccid FROM lines WHERE iccid = $1 FOR UPDATE")
            .bind(iccid.as_str())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The line's stored status and its reason, in the caller's transaction.
pub(super) async fn status_of(
    tx: &mut Tx,
    iccid: &Iccid,
) -> Result<Option<(LineStatus, Option<String>)>> {
    let row: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT status, status_reason FROM lines WHERE iccid = $1")
            .bind(iccid.as_str())
            .fetch_optional(&mut **tx)
            .await?;
    row.map(|(status, reason)| Ok((parse_status(&status)?, reason)))
        .transpose()
}

/// Moves the line from `from` to `to` (status and reason); guarded, so that it changes
/// nothing when the line is no longer in `from`. Returns whether it changed.
pub(super) async fn set_status(
    tx: &mut Tx,
    iccid: &Iccid,
    from: (LineStatus, Option<&str>),
    to: (LineStatus, Option<&str>),
    now: DateTime<Utc>,
) -> Result<bool> {
    let changed = sqlx::query(
        "UPDATE lines SET status = $1, status_reason = $2, updated_at = $3 \
         WHERE iccid = $4 AND status = $5 AND COALESCE(status_reason, '') = $6",
    )
    .bind(to.0.as_str())
    .bind(to.1)
    .bind(to_millis(now))
    .bind(iccid.as_str())
    .bind(from.0.as_str())
    .bind(from.1.unwrap_or(""))
    .execute(&mut **tx)
    .await?;
    Ok(changed.rows_affected() == 1)
}

/// Which of `iccids` are lines, locking them in ICCID order on PostgreSQL so that
/// writers for the same line take turns and never deadlock.
pub async fn lock_known<'a>(
    tx: &mut Tx,
    backend: Backend,
    iccids: impl Iterator<Item = &'a str>,
) -> Result<HashSet<String>> {
    let iccids: Vec<&str> = iccids.collect();
    let lock = match backend {
        Backend::Postgres => " ORDER BY iccid FOR UPDATE",
        Backend::Sqlite => "",
    };
    let mut out = HashSet::new();
    for chunk in iccids.chunks(CHUNK) {
        let sql = format!(
            "SELECT iccid FROM lines WHERE iccid IN ({}){lock}",
            placeholders(1, chunk.len())
        );
        let sql = crate::db::positional(backend, &sql);
        let mut query = sqlx::query_scalar::<_, String>(&sql);
        for value in chunk {
            query = query.bind(*value);
        }
        out.extend(query.fetch_all(&mut **tx).await?);
    }
    Ok(out)
}

/// Lines the network reports usage on are installed: from then on they are enforced.
pub async fn mark_installed(
    tx: &mut Tx,
    backend: Backend,
    iccids: &BTreeSet<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let iccids: Vec<&str> = iccids.iter().copied().collect();
    for chunk in iccids.chunks(CHUNK) {
        let sql = format!(
            "UPDATE lines SET status = 'active', updated_at = $1 WHERE status = 'pending_install' AND iccid IN ({})",
            placeholders(2, chunk.len())
        );
        let sql = crate::db::positional(backend, &sql);
        let mut query = sqlx::query(&sql).bind(to_millis(now));
        for iccid in chunk {
            query = query.bind(*iccid);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
