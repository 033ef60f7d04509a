//! SQL for importing promotions and coupons, in the catalog import's transaction and
//! audited like plan changes. A definition is replaced whole when it changes (orders
//! keep the discounts they were priced with); a coupon's redemption count is kept
//! across imports, so lowering its limit never hands out uses already taken.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::clock::to_millis;
use crate::db::Tx;
use crate::error::{Code, Error, Result};

use super::promotion_file::PromotionSpec;
use super::store::audit;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PromotionReport {
    pub created: Vec<String>,
    pub changed: Vec<String>,
    pub retired: Vec<String>,
    pub unchanged: Vec<String>,
}

/// What applying one promotion or coupon entry did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PromotionChange {
    pub created: bool,
    /// An existing definition was replaced.
    pub updated: bool,
    /// `Some(true)` when an existing offer was retired, `Some(false)` when reinstated.
    pub retirement: Option<bool>,
}

impl PromotionChange {
    pub fn is_unchanged(&self) -> bool {
        !self.created && !self.updated && self.retirement.is_none()
    }
}

pub async fn import(
    tx: &mut Tx,
    key: &crate::audit::Key,
    specs: &[PromotionSpec],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<PromotionReport> {
    let mut report = PromotionReport::default();
    for spec in specs {
        let code = spec.promotion.code.to_string();
        let change = apply(tx, key, spec, actor, now).await?;
        if change.created {
            report.created.push(code.clone());
        }
        if change.updated {
            report.changed.push(code.clone());
        }
        if spec.retired && (change.created || change.retirement == Some(true)) {
            report.retired.push(code.clone());
        }
        if change.is_unchanged() {
            report.unchanged.push(code);
        }
    }
    Ok(report)
}

/// Applies one entry in the caller's transaction, auditing each change. A coupon's
/// limits are kept in step with its definition; its redemption count is kept.
pub(crate) async fn apply(
    tx: &mut Tx,
    key: &crate::audit::Key,
    spec: &PromotionSpec,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<PromotionChange> {
    let promotion = &spec.promotion;
    let code = promotion.code.as_str();
    let kind = promotion.kind.tag().as_str();
    let definition = serde_json::to_string(promotion).map_err(Error::internal)?;
    let digest = hex::encode(Sha256::digest(definition.as_bytes()));
    let current = sqlx::query("SELECT digest FROM promotions WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut **tx)
        .await?;
    let mut change = PromotionChange::default();
    match &current {
        None => {
            let inserted = sqlx::query(
                "INSERT INTO promotions (code, kind, definition, digest, retired_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (code) DO NOTHING",
            )
            .bind(code)
            .bind(kind)
            .bind(&definition)
            .bind(&digest)
            .bind(spec.retired.then(|| to_millis(now)))
            .bind(to_millis(now))
            .execute(&mut **tx)
            .await?;
            if inserted.rows_affected() != 1 {
                return Err(Error::conflict(Code::CatalogChangedConcurrently));
            }
            audit(tx, key, now, actor, "promotion.create", code, kind).await?;
            change.created = true;
        }
        Some(row) => {
            let old: String = row.try_get("digest")?;
            if old != digest {
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
                audit(tx, key, now, actor, "promotion.update", code, kind).await?;
                change.updated = true;
            }
            if set_retired(tx, key, code, spec.retired, actor, now).await? {
                change.retirement = Some(spec.retired);
            }
        }
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
    Ok(change)
}

/// Retires the offer (orders already made keep it) or reinstates it, audited;
/// `false` when it already was so (or there is no such offer).
pub(crate) async fn set_retired(
    tx: &mut Tx,
    key: &crate::audit::Key,
    code: &str,
    retired: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let updated = if retired {
        sqlx::query(
            "UPDATE promotions SET retired_at = $1, updated_at = $1 WHERE code = $2 AND retired_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(code)
        .execute(&mut **tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE promotions SET retired_at = NULL, updated_at = $1 WHERE code = $2 AND retired_at IS NOT NULL",
        )
        .bind(to_millis(now))
        .bind(code)
        .execute(&mut **tx)
        .await?
    };
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    let action = if retired {
        "promotion.retire"
    } else {
        "promotion.reinstate"
    };
    audit(tx, key, now, actor, action, code, "").await?;
    Ok(true)
}
