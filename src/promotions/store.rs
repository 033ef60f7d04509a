//! SQL for promotions: the definitions in force, and what evaluating an order needs
//! to know of a coupon's use (the account's history of orders is the orders'; they
//! pass it in). Reservations held by orders that expired, were cancelled or failed
//! are not counted (reads join the order's state); see [`super::redemption`] for how
//! uses are taken and given back.

use sqlx::Row;

use crate::app::App;
use crate::error::{Error, Result};

use super::{CouponUsage, Promotion, PromotionCode};

/// Order states whose reservations no longer count.
pub(super) const LAPSED: &str = "('expired', 'cancelled', 'failed')";

fn definition(row: &sqlx::any::AnyRow) -> Result<Promotion> {
    let text: String = row.try_get("definition")?;
    serde_json::from_str(&text)
        .map_err(|e| Error::internal(anyhow::anyhow!("promotion definition unreadable: {e}")))
}

/// Every promotion not retired, coupons included, by code.
pub async fn all(app: &App) -> Result<Vec<Promotion>> {
    let rows =
        sqlx::query("SELECT definition FROM promotions WHERE retired_at IS NULL ORDER BY code")
            .fetch_all(app.db.reader())
            .await?;
    rows.iter().map(definition).collect()
}

/// Promotions that apply without a code.
pub async fn automatic(app: &App) -> Result<Vec<Promotion>> {
    Ok(all(app)
        .await?
        .into_iter()
        .filter(|p| p.coupon().is_none())
        .collect())
}

/// The coupon with this code, if one is defined and not retired.
pub async fn coupon(app: &App, code: &PromotionCode) -> Result<Option<Promotion>> {
    let row = sqlx::query(
        "SELECT definition FROM promotions WHERE code = $1 AND kind = 'coupon' AND retired_at IS NULL",
    )
    .bind(code.as_str())
    .fetch_optional(app.db.reader())
    .await?;
    row.as_ref().map(definition).transpose()
}

/// Reservations of the coupon held by orders that still count: in all, and the account's.
pub async fn coupon_usage(
    app: &App,
    code: &PromotionCode,
    account_id: Option<&str>,
) -> Result<CouponUsage> {
    // joins orders (owner: orders): checkout — a reservation counts while its order has
    // not lapsed, read in the same query as the reservations (no round trip per order).
    let row = sqlx::query(&format!(
        "SELECT COUNT(*) AS total, \
         COALESCE(SUM(CASE WHEN r.account_id = $2 THEN 1 ELSE 0 END), 0) AS mine \
         FROM promotion_redemptions r JOIN orders o ON o.id = r.order_id \
         WHERE r.coupon_code = $1 AND r.released_at IS NULL AND o.state NOT IN {LAPSED}"
    ))
    .bind(code.as_str())
    .bind(account_id.unwrap_or(""))
    .fetch_one(app.db.reader())
    .await?;
    let count = |name: &str| -> Result<u32> {
        Ok(u32::try_from(row.try_get::<i64, _>(name)?).unwrap_or(u32::MAX))
    };
    Ok(CouponUsage {
        total: count("total")?,
        by_account: count("mine")?,
    })
}

/// Per promotion code, the reservations held by orders that still count.
pub async fn redemption_counts(app: &App) -> Result<std::collections::BTreeMap<String, u32>> {
    // joins orders (owner: orders): as in `coupon_usage`, so that the operator's count
    // and the limit checkout enforces are the same number.
    let rows = sqlx::query(&format!(
        "SELECT r.promotion_code, COUNT(*) AS held \
         FROM promotion_redemptions r JOIN orders o ON o.id = r.order_id \
         WHERE r.released_at IS NULL AND o.state NOT IN {LAPSED} GROUP BY r.promotion_code"
    ))
    .fetch_all(app.db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            let held: i64 = row.try_get("held")?;
            Ok((
                row.try_get("promotion_code")?,
                u32::try_from(held).unwrap_or(u32::MAX),
            ))
        })
        .collect()
}
