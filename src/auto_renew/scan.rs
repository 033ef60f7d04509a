//! The scan that finds lines due for auto-renewal, and the attempt (with dunning)
//! that a job runs for each, at most once per period.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::error::{ErrorKind, Result};
use crate::jobs::{self, Job};

use super::card::{self, Outcome};
use super::notify::remind;
use super::{Trigger, next_charge, off_session, request_for, settings};
use crate::payments::Method;

pub const ATTEMPT_JOB: &str = "auto_renew.attempt";

/// Dunning: after the first failed attempt, retries this long after it (1 h, 6 h and
/// 24 h) — each only if it falls before the period's end.
pub const DUNNING_OFFSETS: [Duration; 3] =
    [Duration::hours(1), Duration::hours(6), Duration::hours(24)];

/// Within this of the period's end (or at exhaustion) a reminder is urgent: its SMS
/// goes even in quiet hours.
const URGENT_WITHIN: Duration = Duration::hours(24);

/// A card charge Stripe has not answered yet is asked about again this much later.
const IN_FLIGHT_CHECK: Duration = Duration::minutes(10);

#[derive(Debug, Serialize, Deserialize)]
struct AttemptJob {
    period_id: String,
    iccid: String,
}

/// Queues an attempt for every enabled line whose current period is due (and has
/// nothing queued after it), once per period, and sends the low-balance alert to
/// wallet lines whose balance will not cover the next renewal. Returns how many
/// attempts it queued.
pub async fn scan(app: &App) -> Result<usize> {
    let now = app.now();
    let rows = sqlx::query(
        "SELECT a.iccid, a.method, a.\"trigger\", a.hours_before, p.id AS period_id, p.ends_at, \
         p.data_allowance, p.data_used, v.plan_code, l.account_id \
         FROM auto_renew a JOIN lines l ON l.iccid = a.iccid JOIN line_periods p ON p.iccid = a.iccid \
         JOIN plan_versions v ON v.id = p.plan_version_id \
         WHERE a.enabled = 1 AND l.account_id IS NOT NULL AND p.starts_at <= $1 AND p.ends_at > $1 \
         AND NOT EXISTS (SELECT 1 FROM line_periods q WHERE q.iccid = p.iccid AND q.starts_at >= p.ends_at)",
    )
    .bind(to_millis(now))
    .fetch_all(app.db.reader())
    .await?;
    let mut queued = 0;
    for row in rows {
        let iccid: String = row.try_get("iccid")?;
        let period_id: String = row.try_get("period_id")?;
        let account_id: String = row.try_get("account_id")?;
        let plan_code: String = row.try_get("plan_code")?;
        let ends_at = from_millis(row.try_get("ends_at")?);
        let hours_before: i64 = row.try_get("hours_before")?;
        let trigger: String = row.try_get("trigger")?;
        let method: String = row.try_get("method")?;
        let allowance: Option<i64> = row.try_get("data_allowance")?;
        let used: i64 = row.try_get("data_used")?;
        let exhausted = allowance.is_some_and(|a| used >= a);
        let due = match Trigger::parse(&trigger) {
            Some(Trigger::BeforeExpiry) => ends_at <= now + Duration::hours(hours_before),
            Some(Trigger::OnExhaustion) => exhausted,
            None => false,
        };
        if method == "wallet" {
            low_balance(app, &account_id, &iccid, &period_id, &plan_code, ends_at).await?;
        }
        if !due {
            continue;
        }
        let mut tx = app.db.begin().await?;
        let fresh = sqlx::query(
            "INSERT INTO alerts (period_id, kind, iccid, sent_at) VALUES ($1, 'auto_renew', $2, $3) \
             ON CONFLICT (period_id, kind) DO NOTHING",
        )
        .bind(&period_id)
        .bind(&iccid)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if fresh {
            let job = AttemptJob {
                period_id: period_id.clone(),
                iccid: iccid.clone(),
            };
            let key = format!("auto_renew:{period_id}");
            jobs::enqueue(&mut tx, ATTEMPT_JOB, Some(&key), &job, now, now).await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}

/// Alerts (once per period) when the wallet is below what the next renewal needs.
async fn low_balance(
    app: &App,
    account_id: &str,
    iccid: &str,
    period_id: &str,
    plan_code: &str,
    ends_at: DateTime<Utc>,
) -> Result<()> {
    let sent = sqlx::query("SELECT 1 FROM alerts WHERE period_id = $1 AND kind = 'low_balance'")
        .bind(period_id)
        .fetch_optional(app.db.reader())
        .await?
        .is_some();
    if sent {
        return Ok(());
    }
    let settings = settings(app, iccid).await?;
    let Some(next) = next_charge(app, account_id, &settings, Some((plan_code, ends_at))).await
    else {
        return Ok(());
    };
    let Some(needed) = next.amount else {
        return Ok(());
    };
    let balance = crate::ledger::wallet_balance(app, account_id, needed.currency).await?;
    if balance.amount >= needed.amount {
        return Ok(());
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    remind(
        &mut tx,
        app,
        period_id,
        iccid,
        "low_balance",
        false,
        settings.sms,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One attempt for one period: buys the renewal from the wallet or charges the saved
/// card (or, for Alipay and WeChat Pay, sends the reminder). A short wallet or a
/// failed card is told and retried on the dunning schedule; nothing is tried once the
/// period has ended or something is queued after it. Returns when to try again, if at
/// all.
pub async fn attempt(app: &App, job: &Job) -> Result<Option<DateTime<Utc>>> {
    let work: AttemptJob = job.payload()?;
    let now = app.now();
    let row = sqlx::query(
        "SELECT p.ends_at, p.data_allowance, p.data_used, v.plan_code, l.account_id, \
         (SELECT COUNT(*) FROM line_periods q WHERE q.iccid = p.iccid AND q.starts_at >= p.ends_at) AS after \
         FROM line_periods p JOIN lines l ON l.iccid = p.iccid JOIN plan_versions v ON v.id = p.plan_version_id \
         WHERE p.id = $1 AND p.iccid = $2",
    )
    .bind(&work.period_id)
    .bind(&work.iccid)
    .fetch_optional(app.db.reader())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let ends_at = from_millis(row.try_get("ends_at")?);
    let after: i64 = row.try_get("after")?;
    let Some(account_id) = row.try_get::<Option<String>, _>("account_id")? else {
        return Ok(None);
    };
    let plan_code: String = row.try_get("plan_code")?;
    let settings = settings(app, &work.iccid).await?;
    // Lapsed, renewed some other way, or switched off: the job has nothing to do.
    if ends_at <= now || after > 0 || !settings.enabled {
        return Ok(None);
    }
    let allowance: Option<i64> = row.try_get("data_allowance")?;
    let used: i64 = row.try_get("data_used")?;
    let exhausted = allowance.is_some_and(|a| used >= a);
    let urgent = exhausted || ends_at - now <= URGENT_WITHIN;
    let period = &work.period_id;
    let iccid = &work.iccid;

    if !off_session(settings.method) {
        let mut tx = app.db.begin().await?;
        remind(
            &mut tx,
            app,
            period,
            iccid,
            "auto_renew_reminder",
            urgent,
            settings.sms,
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(None);
    }

    let request = request_for(&settings, &plan_code);
    let (done, failed) = match settings.method {
        Method::Card => ("auto_renew_card_done", "auto_renew_card_failed"),
        _ => ("auto_renew_done", "auto_renew_failed"),
    };
    let code = if settings.method == Method::Card {
        match card::renew(app, &account_id, period, iccid, &request).await? {
            Outcome::Renewed => None,
            Outcome::InFlight => return Ok(Some(now + IN_FLIGHT_CHECK)),
            Outcome::Failed(code) => Some(code),
        }
    } else {
        match crate::orders::create(app, &account_id, &request).await {
            Ok(order) => {
                tracing::info!(order.id = %order.id, %iccid, "auto-renewed from the wallet");
                None
            }
            Err(error) if matches!(error.kind, ErrorKind::Internal | ErrorKind::Unavailable) => {
                return Err(error);
            }
            Err(error) => Some(error.code),
        }
    };
    let Some(code) = code else {
        let mut tx = app.db.begin().await?;
        remind(&mut tx, app, period, iccid, done, false, false, now).await?;
        tx.commit().await?;
        return Ok(None);
    };
    tracing::info!(%iccid, code, "auto-renew failed; dunning");
    // Failures by either method count, should the subscriber switch in between.
    let failures: Vec<(String, i64)> = sqlx::query(
        "SELECT kind, sent_at FROM alerts WHERE period_id = $1 \
         AND (kind LIKE 'auto_renew_failed_%' OR kind LIKE 'auto_renew_card_failed_%') ORDER BY sent_at",
    )
    .bind(period)
    .fetch_all(app.db.reader())
    .await?
    .iter()
    .map(|row| Ok((row.try_get("kind")?, row.try_get("sent_at")?)))
    .collect::<Result<_>>()?;
    let step = failures.len();
    let first = failures
        .first()
        .map_or(now, |(_, sent_at)| from_millis(*sent_at));
    let mut tx = app.db.begin().await?;
    remind(
        &mut tx,
        app,
        period,
        iccid,
        &format!("{failed}_{step}"),
        urgent,
        settings.sms,
        now,
    )
    .await?;
    tx.commit().await?;
    // A retry that ran late (workers down) keeps at least the first step's spacing.
    Ok(DUNNING_OFFSETS
        .get(step)
        .map(|offset| (first + *offset).max(now + DUNNING_OFFSETS[0]))
        .filter(|retry| *retry < ends_at))
}
