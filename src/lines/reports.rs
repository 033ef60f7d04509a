//! The books' figures read from lines: how many lines are in each status now.

use crate::app::App;
use crate::error::Result;

use super::LineStatus;

/// Lines in each status, every status listed (zero included), in [`LineStatus`] order.
pub async fn count_by_status(app: &App) -> Result<Vec<(LineStatus, i64)>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM lines GROUP BY status")
            .fetch_all(app.db.reader())
            .await?;
    Ok([
        LineStatus::PendingInstall,
        LineStatus::Active,
        LineStatus::Throttled,
        LineStatus::Suspended,
        LineStatus::Expired,
    ]
    .into_iter()
    .map(|status| {
        let count = rows
            .iter()
            .filter(|(s, _)| s == status.as_str())
            .map(|(_, n)| *n)
            .sum();
        (status, count)
    })
    .collect())
}
