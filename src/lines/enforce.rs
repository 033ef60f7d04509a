//! Changing a line's status and telling the network: on an order from usage (quota
//! or fair use reached), renewal, or the sweep for lines whose time has run out.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::to_millis;
use crate::db::Tx;
use crate::error::Result;
use crate::network::Action;

use super::rules::{self, status_after, status_may_change};
use super::{Iccid, events, store};

/// Changes the line's status and queues the order to the network, in the caller's
/// transaction. Nothing happens (`false`) when [`status_may_change`] says it may not.
pub async fn enforce(
    tx: &mut Tx,
    iccid: &Iccid,
    action: Action,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let Some((status, current_reason)) = store::status_of(tx, iccid).await? else {
        return Ok(false);
    };
    let target = status_after(action, reason);
    if !status_may_change(status, current_reason.as_deref(), target.0, target.1) {
        return Ok(false);
    }
    if !store::set_status(tx, iccid, (status, current_reason.as_deref()), target, now).await? {
        return Ok(false);
    }
    events::queue(tx, iccid, action, reason, now).await?;
    Ok(true)
}

/// Lines whose last period has ended become `expired` and are suspended at the
/// network; a line slowed or stopped for its data comes back when a period with data
/// starts. Returns how many expired.
pub async fn expire_lapsed(app: &App) -> Result<u64> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    // [`rules::lapses`]: a line in service with periods, none of them running or queued.
    let in_service = rules::sql_list(rules::IN_SERVICE.iter().map(|s| s.as_str()));
    let expired: Vec<String> = sqlx::query_scalar(&format!(
        "UPDATE lines SET status = 'expired', status_reason = 'no_period_left', updated_at = $1 \
         WHERE status IN ({in_service}) \
         AND EXISTS (SELECT 1 FROM line_periods p WHERE p.iccid = lines.iccid) \
         AND NOT EXISTS (SELECT 1 FROM line_periods p WHERE p.iccid = lines.iccid AND p.ends_at > $1) \
         RETURNING iccid",
    ))
    .bind(to_millis(now))
    .fetch_all(&mut *tx)
    .await?;
    for iccid in &expired {
        let iccid = Iccid::from_stored(iccid)?;
        events::queue(&mut tx, &iccid, Action::Suspend, "no_period_left", now).await?;
    }
    // [`rules::resumes_with_new_data`] and [`PeriodData::has_usable_data`](rules::PeriodData::has_usable_data).
    let reasons = rules::sql_list(rules::DATA_REASONS);
    let refilled: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT DISTINCT l.iccid FROM lines l JOIN line_periods p ON p.iccid = l.iccid \
         WHERE l.status IN ('throttled', 'suspended') AND l.status_reason IN ({reasons}) \
         AND p.starts_at <= $1 AND p.ends_at > $1 AND p.data_used < COALESCE(p.data_allowance, p.fair_use_cap)",
    ))
    .bind(to_millis(now))
    .fetch_all(&mut *tx)
    .await?;
    for iccid in &refilled {
        let iccid = Iccid::from_stored(iccid)?;
        enforce(&mut tx, &iccid, Action::Resume, "period_started", now).await?;
    }
    tx.commit().await?;
    Ok(u64::try_from(expired.len()).unwrap_or(u64::MAX))
}
