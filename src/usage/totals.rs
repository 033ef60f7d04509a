//! Totals over stored records, for the benchmarks' checks.

use crate::app::App;
use crate::error::Result;
use crate::volume::DataVolume;

/// How many records are stored whose id starts with `prefix-`.
pub async fn records_with_prefix(app: &App, prefix: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM usage_records WHERE record_id LIKE $1")
            .bind(format!("{prefix}-%"))
            .fetch_one(app.db.reader())
            .await?,
    )
}

/// Bytes charged to periods on lines whose ICCID starts with `prefix`.
pub async fn charged_on_lines(app: &App, prefix: &str) -> Result<DataVolume> {
    let charged: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(charged), 0) AS BIGINT) FROM usage_records WHERE iccid LIKE $1",
    )
    .bind(format!("{prefix}%"))
    .fetch_one(app.db.reader())
    .await?;
    DataVolume::from_stored(charged)
}
