//! SQL for importing promotions and coupons, in the catalog import's transaction and
//! audited like plan changes. A definition is replaced whole when it changes (orders
//! keep the discounts they were priced with); a coupon's redemption count is kept
//! across imports, so lowering its limit never hands out uses already taken.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::clock::to_millis;
use crate::db::Tx;
use crate::error::{Error, Result};

use super::promotion_file::PromotionSpec;
use super::store::audit;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PromotionReport {
    pub created: Vec<String>,
    pub changed: Vec<String>,
    pub retired: Vec<String>,
    pub unchanged: Vec<String>,
}

pub async fn import(
    tx: &mut Tx,
    specs: &[PromotionSpec],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<PromotionReport> {
    let mut report = PromotionReport::default();
    for spec in specs {
        let promotion = &spec.promotion;
        let code = promotion.code.as_str();
        let kind = promotion.kind.tag().as_str();
        let definition = serde_json::to_string(promotion).map_err(Error::internal)?;
        let digest = hex::encode(Sha256::digest(definition.as_bytes()));
        let current = sqlx::query("SELECT digest, retired_at FROM promotions WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut **tx)
            .await?;
        let retired_at = spec.retired.then(|| to_millis(now));
        let (changed, was_retired) = match &current {
            None => {
                sqlx::query(
                    "INSERT INTO promotions (code, kind, definition, digest, retired_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6)",
                )
                .bind(code)
                .bind(kind)
                .bind(&definition)
                .bind(&digest)
                .bind(retired_at)
                .bind(to_millis(now))
                .execute(&mut **tx)
                .await?;
                audit(tx, now, actor, "promotion.create", code, kind).await?;
                report.created.push(code.to_owned());
                (false, spec.retired)
            }
            Some(row) => {
                let old: String = row.try_get("digest")?;
                let was_retired = row.try_get::<Option<i64>, _>("retired_at")?.is_some();
                let changed = old != digest;
                if changed {
                    sqlx::query(
                        "UPDATE promotions SET kind = $1, definition = $2, digest = $3, updated_at = $4 WHERE code = $5",
                    )
                    .bind(kind)
                    .bind(&definition)
                    .bind(&digest)
                    .bind(to_millis(now))
                    .bind(code)
                    .execute(&mut **tx)
                    .await?;
                    audit(tx, now, actor, "promotion.update", code, kind).await?;
                    report.changed.push(code.to_owned());
                }
                (changed, was_retired)
            }
        };
        if spec.retired != was_retired {
            sqlx::query("UPDATE promotions SET retired_at = $1, updated_at = $2 WHERE code = $3")
                .bind(retired_at)
                .bind(to_millis(now))
                .bind(code)
                .execute(&mut **tx)
                .await?;
            let action = if spec.retired {
                "promotion.retire"
            } else {
                "promotion.reinstate"
            };
            audit(tx, now, actor, action, code, "").await?;
        }
        if spec.retired && (current.is_none() || !was_retired) {
            report.retired.push(code.to_owned());
        }
        if current.is_some() && !changed && spec.retired == was_retired {
            report.unchanged.push(code.to_owned());
        }
        if let Some(coupon) = promotion.coupon() {
            sqlx::query(
                "INSERT INTO coupons (code, total_limit, per_account_limit, redeemed) VALUES ($1, $2, $3, 0) \
                 ON CONFLICT (code) DO UPDATE SET total_limit = excluded.total_limit, \
                 per_account_limit = excluded.per_account_limit",
            )
            .bind(code)
            .bind(coupon.total_limit.map(i64::from))
            .bind(coupon.per_account_limit.map(i64::from))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(report)
}
