//! Redemption, inside the order's transaction: a use of the coupon and, for a
//! first-order promotion, the claim that only one order of the account gets it.
//!
//! Limits hold under concurrency by guarded updates, never by reading then writing:
//! `coupons.redeemed` moves only by `… SET redeemed = redeemed + 1 WHERE redeemed <
//! total_limit`, the per-account count in `coupon_account_uses` likewise, and a
//! first-order promotion by a unique claim key. On PostgreSQL a second order waits on
//! the row the first one updated and then finds the limit reached; SQLite has a
//! single writer. A reservation belongs to its order: when the order expires, is
//! cancelled or fails, the reservation stops counting at once (reads join the
//! order's state), and its counters are given back by the next redemption of the
//! same coupon or account — so no payment code has to remember promotions.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::catalog::PlanCode;
use crate::clock::to_millis;
use crate::db::{Backend, ConstraintExt, Tx};
use crate::error::{Code, Error, Result};
use crate::ids::new_id;

use super::store::LAPSED;
use super::{Applied, FirstOrderOf, KindTag};

/// The order a reservation belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    pub order_id: &'a str,
    pub account_id: &'a str,
    /// The plan ordered: a first-order-of-the-plan claim is per plan.
    pub plan_code: Option<&'a PlanCode>,
}

/// Reserves what the order got, in the order's transaction: a use of its coupon
/// (within the total and the per-account limit) and, for a first-order promotion,
/// the claim that only one order of the account gets it.
pub async fn redeem(
    tx: &mut Tx,
    backend: Backend,
    order: Holder<'_>,
    applied: &[Applied],
    now: DateTime<Utc>,
) -> Result<()> {
    if applied.is_empty() {
        return Ok(());
    }
    let coupon = applied.iter().find(|a| a.kind == KindTag::Coupon);
    release_lapsed(
        tx,
        backend,
        order.account_id,
        coupon.map(|a| a.promotion.as_str()),
        now,
    )
    .await?;
    if let Some(coupon) = coupon {
        take_coupon(tx, coupon.promotion.as_str(), order.account_id).await?;
    }
    for a in applied {
        let claim = a.first_order_of.map(|of| match of {
            FirstOrderOf::Plan => format!(
                "first:{}:{}:{}",
                a.promotion,
                order.account_id,
                order.plan_code.map(PlanCode::as_str).unwrap_or("")
            ),
            FirstOrderOf::Any => format!("first:{}:{}", a.promotion, order.account_id),
        });
        sqlx::query(
            "INSERT INTO promotion_redemptions (id, order_id, account_id, promotion_code, coupon_code, \
             claim_key, amount, free_periods, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(new_id("red", now))
        .bind(order.order_id)
        .bind(order.account_id)
        .bind(a.promotion.as_str())
        .bind((a.kind == KindTag::Coupon).then(|| a.promotion.to_string()))
        .bind(claim)
        .bind(a.amount)
        .bind(i64::from(a.free_periods))
        .bind(to_millis(now))
        .execute(&mut **tx)
        .await
        .on_constraint(
            "promotion_redemptions_claim_key_key",
            Error::conflict(Code::OfferAlreadyUsed),
        )?;
    }
    Ok(())
}

async fn take_coupon(tx: &mut Tx, code: &str, account_id: &str) -> Result<()> {
    let taken = sqlx::query(
        "UPDATE coupons SET redeemed = redeemed + 1 \
         WHERE code = $1 AND (total_limit IS NULL OR redeemed < total_limit)",
    )
    .bind(code)
    .execute(&mut **tx)
    .await?;
    if taken.rows_affected() == 0 {
        return Err(Error::conflict(Code::CouponExhausted).on_field("coupon"));
    }
    sqlx::query(
        "INSERT INTO coupon_account_uses (coupon_code, account_id, used) VALUES ($1, $2, 0) \
         ON CONFLICT (coupon_code, account_id) DO NOTHING",
    )
    .bind(code)
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    let mine = sqlx::query(
        "UPDATE coupon_account_uses SET used = used + 1 WHERE coupon_code = $1 AND account_id = $2 \
         AND used < COALESCE((SELECT c.per_account_limit FROM coupons c WHERE c.code = $1), used + 1)",
    )
    .bind(code)
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    if mine.rows_affected() == 0 {
        return Err(Error::conflict(Code::CouponAlreadyUsed).on_field("coupon"));
    }
    Ok(())
}

/// Gives back the counters of reservations whose orders lapsed, for this account
/// and this coupon. On PostgreSQL each such order is locked first (in id order,
/// before any counter), so that a payment fulfilling it late cannot cross the release.
async fn release_lapsed(
    tx: &mut Tx,
    backend: Backend,
    account_id: &str,
    coupon: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    // joins orders (owner: orders): checkout — which reservations lapsed is the order's
    // state, read with them; on PostgreSQL each such order row is then locked (below)
    // so that a late payment fulfilling it cannot cross the release.
    let rows = sqlx::query(&format!(
        "SELECT r.id, r.order_id, r.account_id, r.coupon_code FROM promotion_redemptions r \
         JOIN orders o ON o.id = r.order_id \
         WHERE r.released_at IS NULL AND o.state IN {LAPSED} AND (r.account_id = $1 OR r.coupon_code = $2) \
         ORDER BY r.order_id, r.id"
    ))
    .bind(account_id)
    .bind(coupon.unwrap_or(""))
    .fetch_all(&mut **tx)
    .await?;
    let mut lapsed = Vec::with_capacity(rows.len());
    for row in &rows {
        let order_id: String = row.try_get("order_id")?;
        if backend == Backend::Postgres {
            // reads orders (owner: orders): the lock described above.
            let still = sqlx::query(&format!(
                "SELECT id FROM orders WHERE id = $1 AND state IN {LAPSED} FOR UPDATE"
            ))
            .bind(&order_id)
            .fetch_optional(&mut **tx)
            .await?;
            if still.is_none() {
                continue;
            }
        }
        lapsed.push((
            row.try_get::<String, _>("id")?,
            row.try_get::<String, _>("account_id")?,
            row.try_get::<Option<String>, _>("coupon_code")?,
        ));
    }
    for (id, holder, coupon_code) in lapsed {
        let released = sqlx::query(
            "UPDATE promotion_redemptions SET released_at = $1, claim_key = NULL \
             WHERE id = $2 AND released_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(&id)
        .execute(&mut **tx)
        .await?;
        if released.rows_affected() == 1
            && let Some(code) = coupon_code
        {
            count_use(tx, &code, &holder, -1).await?;
        }
    }
    Ok(())
}

/// Moves a coupon's counters by `delta`, never below zero.
async fn count_use(tx: &mut Tx, code: &str, account_id: &str, delta: i64) -> Result<()> {
    sqlx::query(
        "UPDATE coupons SET redeemed = redeemed + $1 WHERE code = $2 AND redeemed + $1 >= 0",
    )
    .bind(delta)
    .bind(code)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO coupon_account_uses (coupon_code, account_id, used) VALUES ($1, $2, 0) \
         ON CONFLICT (coupon_code, account_id) DO NOTHING",
    )
    .bind(code)
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE coupon_account_uses SET used = used + $1 \
         WHERE coupon_code = $2 AND account_id = $3 AND used + $1 >= 0",
    )
    .bind(delta)
    .bind(code)
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An order paid after it lapsed is fulfilled at the price it was quoted: its
/// released reservations count again, even past a limit (the money is in). Returns
/// whether that overran a limit, for the order to be flagged for the operator.
pub async fn reinstate(tx: &mut Tx, order_id: &str, account_id: &str) -> Result<bool> {
    let rows = sqlx::query(
        "SELECT id, coupon_code FROM promotion_redemptions WHERE order_id = $1 AND released_at IS NOT NULL",
    )
    .bind(order_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut overran = false;
    for row in &rows {
        let id: String = row.try_get("id")?;
        let taken = sqlx::query(
            "UPDATE promotion_redemptions SET released_at = NULL WHERE id = $1 AND released_at IS NOT NULL",
        )
        .bind(&id)
        .execute(&mut **tx)
        .await?;
        let Some(code) = row.try_get::<Option<String>, _>("coupon_code")? else {
            continue;
        };
        if taken.rows_affected() == 0 {
            continue;
        }
        count_use(tx, &code, account_id, 1).await?;
        let over = sqlx::query(
            "SELECT COUNT(*) AS over FROM coupons c JOIN coupon_account_uses u ON u.coupon_code = c.code \
             WHERE c.code = $1 AND u.account_id = $2 \
             AND (c.redeemed > c.total_limit OR u.used > c.per_account_limit)",
        )
        .bind(&code)
        .bind(account_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get::<i64, _>("over")?;
        overran |= over > 0;
    }
    Ok(overran)
}
