//! The promotions and coupons as the operator sees them: every one, retired ones
//! too, with how many orders hold it.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::app::App;
use crate::clock::from_millis;
use crate::error::{Error, Result};

use super::{Promotion, PromotionCode};

/// A promotion or coupon as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionRecord {
    pub promotion: Promotion,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    /// Orders that hold it and still count (not expired, cancelled or failed).
    pub redemptions: u32,
}

/// Every promotion and coupon (or only `only`), by code.
pub async fn promotions(app: &App, only: Option<&PromotionCode>) -> Result<Vec<PromotionRecord>> {
    let mut query = sqlx::query(if only.is_some() {
        "SELECT definition, created_at, updated_at, retired_at FROM promotions WHERE code = $1"
    } else {
        "SELECT definition, created_at, updated_at, retired_at FROM promotions ORDER BY code"
    });
    if let Some(code) = only {
        query = query.bind(code.as_str());
    }
    let rows = query.fetch_all(app.db.reader()).await?;
    let counts = super::store::redemption_counts(app).await?;
    rows.iter()
        .map(|row| {
            let definition: String = row.try_get("definition")?;
            let promotion: Promotion = serde_json::from_str(&definition).map_err(|e| {
                Error::internal(anyhow::anyhow!("promotion definition unreadable: {e}"))
            })?;
            Ok(PromotionRecord {
                redemptions: counts.get(promotion.code.as_str()).copied().unwrap_or(0),
                promotion,
                created_at: from_millis(row.try_get("created_at")?),
                updated_at: from_millis(row.try_get("updated_at")?),
                retired_at: row
                    .try_get::<Option<i64>, _>("retired_at")?
                    .map(from_millis),
            })
        })
        .collect()
}
