//! The usage detectors: what the owners of usage and lines report over the recent
//! window, weighed by [`super::usage_rules`].

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::json;

use crate::app::App;
use crate::error::Result;
use crate::lines::Iccid;
use crate::lines::history::{self, PeriodSpan, StatusEvent};
use crate::usage::history::{self as usage, KeptRecord};

use super::usage_rules::{
    HISTORY_DAYS, Span, StatusChange, daily, ended_before, history_before, spike, suspended_at,
};
use super::{Kind, NewFinding};

/// Every usage finding: spikes on yesterday and today (the operator's days), use
/// after the end and while suspended in the window from `since`.
pub async fn detect(app: &App, since: DateTime<Utc>) -> Result<Vec<NewFinding>> {
    let mut out = spikes(app).await?;
    out.extend(after_end(app, since).await?);
    out.extend(while_suspended(app, since).await?);
    Ok(out)
}

async fn owner(app: &App, iccid: &str) -> Result<Option<String>> {
    let Ok(iccid) = Iccid::from_stored(iccid) else {
        return Ok(None);
    };
    Ok(crate::lines::owner_of(app, &iccid)
        .await?
        .flatten()
        .map(crate::ids::AccountId::into_string))
}

fn local_midnight(day: NaiveDate, zone: chrono_tz::Tz) -> DateTime<Utc> {
    zone.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or_else(
            || day.and_time(chrono::NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

async fn spikes(app: &App) -> Result<Vec<NewFinding>> {
    let zone = app.config.time_zone();
    let config = &app.config.watch;
    let today = app.now().with_timezone(&zone).date_naive();
    let yesterday = today.pred_opt().unwrap_or(today);
    let from = local_midnight(yesterday, zone);
    let mut out = Vec::new();
    // Only a line that used the floor in these two days can have a spike in them.
    for (iccid, _) in usage::busy_lines_since(app, from, config.usage_floor_bytes()).await? {
        let history_from = from - Duration::days(HISTORY_DAYS + 1);
        let hours = usage::hourly_of_line(app, &iccid, history_from).await?;
        let days = daily(&hours, zone);
        for day in [yesterday, today] {
            let used = days.get(&day).copied().unwrap_or(0);
            let history = history_before(&days, day);
            let Some(found) = spike(
                &history,
                used,
                config.usage_spreads,
                config.usage_floor_bytes(),
            ) else {
                continue;
            };
            let Some(account_id) = owner(app, &iccid).await? else {
                continue;
            };
            out.push(NewFinding {
                kind: Kind::UsageSpike,
                subject: format!("{iccid}:{day}"),
                account_id: Some(account_id),
                order_id: None,
                payment_id: None,
                iccid: Some(iccid.clone()),
                amount: None,
                occurred_at: local_midnight(day, zone),
                evidence: json!({ "day": day.to_string(), "spike": found }),
            });
        }
    }
    Ok(out)
}

/// What a group of records came to: bytes, how many, the first start.
fn summed(records: &[&KeptRecord]) -> (u64, usize, Option<DateTime<Utc>>) {
    (
        records.iter().map(|r| r.bytes).sum(),
        records.len(),
        records.iter().map(|r| r.started_at).min(),
    )
}

fn span_of(period: &PeriodSpan) -> Span {
    Span {
        id: period.id.clone(),
        starts_at: period.starts_at,
        ends_at: period.ends_at,
    }
}

async fn after_end(app: &App, since: DateTime<Utc>) -> Result<Vec<NewFinding>> {
    let records = usage::without_period_since(app, since).await?;
    let mut iccids: Vec<String> = records.iter().map(|r| r.iccid.clone()).collect();
    iccids.sort_unstable();
    iccids.dedup();
    let periods = history::spans_of(app, &iccids).await?;
    // Per line and the period whose end the use came after.
    let mut found: BTreeMap<(String, String), Vec<&KeptRecord>> = BTreeMap::new();
    for record in &records {
        let spans: Vec<Span> = periods
            .get(&record.iccid)
            .map(|ps| ps.iter().map(span_of).collect())
            .unwrap_or_default();
        if let Some(ended) = ended_before(&spans, record.started_at) {
            found
                .entry((record.iccid.clone(), ended.id.clone()))
                .or_default()
                .push(record);
        }
    }
    let mut out = Vec::new();
    for ((iccid, period_id), records) in found {
        let Some(account_id) = owner(app, &iccid).await? else {
            continue;
        };
        let (bytes, count, first) = summed(&records);
        let ended_at = periods
            .get(&iccid)
            .and_then(|ps| ps.iter().find(|p| p.id == period_id))
            .map(|p| p.ends_at);
        out.push(NewFinding {
            kind: Kind::UsageAfterEnd,
            subject: period_id.clone(),
            account_id: Some(account_id),
            order_id: None,
            payment_id: None,
            iccid: Some(iccid),
            amount: None,
            occurred_at: first.unwrap_or_else(|| app.now()),
            evidence: json!({
                "period": period_id, "ended_at": ended_at, "bytes": bytes, "records": count,
            }),
        });
    }
    Ok(out)
}

fn change_of(event: &StatusEvent) -> StatusChange {
    StatusChange {
        id: event.id.clone(),
        action: event.action.clone(),
        reason: event.reason.clone(),
        at: event.at,
    }
}

async fn while_suspended(app: &App, since: DateTime<Utc>) -> Result<Vec<NewFinding>> {
    let suspensions = history::suspensions_since(app, since).await?;
    let mut lines: Vec<String> = suspensions.iter().map(|s| s.iccid.clone()).collect();
    lines.sort_unstable();
    lines.dedup();
    let mut out = Vec::new();
    for iccid in lines {
        let events = history::status_events_of(app, &iccid, since).await?;
        let changes: Vec<StatusChange> = events.iter().map(change_of).collect();
        let Some(first) = changes.first().map(|c| c.at) else {
            continue;
        };
        let records = usage::of_line_between(app, &iccid, first, app.now()).await?;
        let mut found: BTreeMap<String, Vec<&KeptRecord>> = BTreeMap::new();
        for record in &records {
            if let Some(suspension) = suspended_at(&changes, record.started_at) {
                found.entry(suspension.id.clone()).or_default().push(record);
            }
        }
        if found.is_empty() {
            continue;
        }
        let Some(account_id) = owner(app, &iccid).await? else {
            continue;
        };
        for (suspension, records) in found {
            let (bytes, count, first_use) = summed(&records);
            let change = changes.iter().find(|c| c.id == suspension);
            out.push(NewFinding {
                kind: Kind::UsageWhileSuspended,
                subject: suspension.clone(),
                account_id: Some(account_id.clone()),
                order_id: None,
                payment_id: None,
                iccid: Some(iccid.clone()),
                amount: None,
                occurred_at: first_use.unwrap_or_else(|| app.now()),
                evidence: json!({
                    "suspended_at": change.map(|c| c.at),
                    "reason": change.map(|c| c.reason.clone()),
                    "bytes": bytes,
                    "records": count,
                }),
            });
        }
    }
    Ok(out)
}
