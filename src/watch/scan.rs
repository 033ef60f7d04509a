//! The scan: every detector over the recent window, each finding kept once with its
//! alert to the subscriber queued in the same transaction. Run by the background loop
//! every `[watch] scan_secs` (and for the spend cap right after each auto-renew
//! attempt); running it again, or on another node at the same time, finds the same
//! findings and keeps none twice.

use chrono::Duration;

use crate::app::App;
use crate::error::Result;

use super::{NewFinding, alert, detect_charges, detect_usage, store};

/// How far back the scan reads: what a scan missed (a node down for a day) is still
/// found by the next.
pub const LOOKBACK: Duration = Duration::days(7);

/// Runs every detector; returns how many new findings it kept.
pub async fn scan(app: &App) -> Result<usize> {
    let since = app.now() - LOOKBACK;
    let mut found = detect_charges::detect(app, since).await?;
    found.extend(detect_charges::spend_cap_refusals(app, since).await?);
    found.extend(detect_usage::detect(app, since).await?);
    keep(app, &found).await
}

/// Only the spend cap's refusals (cheap: right after an auto-renew attempt).
pub async fn scan_spend_caps(app: &App) -> Result<usize> {
    let found = detect_charges::spend_cap_refusals(app, app.now() - LOOKBACK).await?;
    keep(app, &found).await
}

/// Keeps each finding not kept before, queuing its alert (a subscriber is known).
async fn keep(app: &App, found: &[NewFinding]) -> Result<usize> {
    let mut kept = 0;
    for finding in found {
        let now = app.now();
        let mut tx = app.db.begin().await?;
        if let Some(id) = store::record(&mut tx, finding, now).await? {
            if finding.account_id.is_some() {
                alert::queue(&mut tx, &id, now).await?;
            }
            kept += 1;
            tracing::warn!(
                finding.id = %id,
                kind = finding.kind.as_str(),
                subject = %finding.subject,
                "abnormal charge or usage found"
            );
        }
        tx.commit().await?;
    }
    Ok(kept)
}
