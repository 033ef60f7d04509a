//! The scan that finds lines due for auto-renewal, and the attempt (with dunning)
//! that a job runs for each, at most once per period.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{ErrorKind, Result};
use crate::jobs::{self, Job};
use crate::usage::alert_log;

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
    let enabled = super::enabled(app).await?;
    let iccids: Vec<String> = enabled.iter().map(|s| s.iccid.clone()).collect();
    let due_periods = crate::lines::running_last(app, &iccids, now).await?;
    let mut queued = 0;
    for period in due_periods {
        let Some(settings) = enabled.iter().find(|s| s.iccid == period.iccid.as_str()) else {
            continue;
        };
        let Some(account_id) = period.account_id.as_ref().map(|id| id.as_str()) else {
            continue;
        };
        let iccid = period.iccid.as_str().to_owned();
        let period_id = period.id.as_str().to_owned();
        let plan_code = period.plan_code.as_str();
        let ends_at = period.ends_at;
        let due = match settings.trigger {
            Trigger::BeforeExpiry => ends_at <= now + Duration::hours(settings.hours_before),
            Trigger::OnExhaustion => period.is_exhausted(),
        };
        if settings.method == Method::Wallet {
            low_balance(app, account_id, &iccid, &period_id, plan_code, ends_at).await?;
        }
        if !due {
            continue;
        }
        let mut tx = app.db.begin().await?;
        let fresh = alert_log::mark_once(&mut tx, &period_id, "auto_renew", &iccid, now).await?;
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
    if alert_log::was_sent(app, period_id, "low_balance").await? {
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
    let Some(line_period) = crate::lines::period_of_line(app, &work.period_id, &work.iccid).await?
    else {
        return Ok(None);
    };
    let ends_at = line_period.ends_at;
    let after = line_period.queued_after;
    let Some(account_id) = line_period
        .account_id
        .as_ref()
        .map(|id| id.as_str().to_owned())
    else {
        return Ok(None);
    };
    let plan_code = line_period.plan_code.clone();
    let settings = settings(app, &work.iccid).await?;
    // Lapsed, renewed some other way, or switched off: the job has nothing to do.
    if ends_at <= now || after > 0 || !settings.enabled {
        return Ok(None);
    }
    let exhausted = line_period.is_exhausted();
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
    // The subscriber's monthly spend cap: never charged past it (the watch tells them).
    if super::cap::refuses(app, &account_id, period, iccid, &request).await? {
        return Ok(None);
    }
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
                card::record(app, order.id.as_str(), period, iccid, "wallet", now).await?;
                None
            }
            Err(error) if matches!(error.kind, ErrorKind::Internal | ErrorKind::Unavailable) => {
                return Err(error);
            }
            Err(error) => Some(error.code.as_str()),
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
    let failures: Vec<(String, DateTime<Utc>)> = alert_log::sent_for_period(app, period)
        .await?
        .into_iter()
        .filter(|(kind, _)| {
            kind.starts_with("auto_renew_failed_") || kind.starts_with("auto_renew_card_failed_")
        })
        .collect();
    let step = failures.len();
    let first = failures.first().map_or(now, |(_, sent_at)| *sent_at);
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
