//! Edits of one catalog entry at a time, as the admin API makes them: each in one
//! transaction, through the same code as `datacard plans import`, every change
//! audited under the actor's name.

use crate::app::App;
use crate::audit::Key;
use crate::error::{Code, Error, Result};
use crate::promotions::PromotionCode;

use super::file::PlanSpec;
use super::plan::PlanCode;
use super::promotion_file::PromotionSpec;
use super::promotion_store::{self, PromotionChange};
use super::store::{self, PlanChange};

/// Creates or changes a plan as the entry says (a new plan goes last in the catalog).
pub async fn put_plan(app: &App, spec: &PlanSpec, actor: &str) -> Result<PlanChange> {
    let key = Key::from_secret(&app.secret);
    let mut tx = crate::audit::begin(&app.db).await?;
    let change = store::apply_plan(&mut tx, &key, spec, None, actor, app.now()).await?;
    tx.commit().await?;
    Ok(change)
}

/// Stops new sales of the plan; `false` when it was retired already.
pub async fn retire_plan(app: &App, code: &PlanCode, actor: &str) -> Result<bool> {
    let key = Key::from_secret(&app.secret);
    let mut tx = crate::audit::begin(&app.db).await?;
    let exists = sqlx::query("SELECT code FROM plans WHERE code = $1")
        .bind(code.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Err(Error::not_found(Code::UnknownPlan));
    }
    let retired = store::set_retired(&mut tx, &key, code.as_str(), true, actor, app.now()).await?;
    tx.commit().await?;
    Ok(retired)
}

/// Creates or changes a promotion (`coupon` false) or a coupon as the entry says. A
/// code stays what it was created as: a coupon is not changed into a promotion.
pub async fn put_promotion(
    app: &App,
    spec: &PromotionSpec,
    coupon: bool,
    actor: &str,
) -> Result<PromotionChange> {
    let key = Key::from_secret(&app.secret);
    let mut tx = crate::audit::begin(&app.db).await?;
    ensure_section(&mut tx, &spec.promotion.code, coupon).await?;
    let change = promotion_store::apply(&mut tx, &key, spec, actor, app.now()).await?;
    tx.commit().await?;
    Ok(change)
}

/// Stops the offer (orders already made keep it); `false` when it was retired already.
pub async fn retire_promotion(
    app: &App,
    code: &PromotionCode,
    coupon: bool,
    actor: &str,
) -> Result<bool> {
    let key = Key::from_secret(&app.secret);
    let mut tx = crate::audit::begin(&app.db).await?;
    if !ensure_section(&mut tx, code, coupon).await? {
        return Err(Error::not_found(if coupon {
            Code::UnknownCoupon
        } else {
            Code::UnknownPromotion
        }));
    }
    let retired =
        promotion_store::set_retired(&mut tx, &key, code.as_str(), true, actor, app.now()).await?;
    tx.commit().await?;
    Ok(retired)
}

/// Refuses to treat a coupon as a promotion or the other way round; `true` when
/// the code exists.
async fn ensure_section(
    tx: &mut crate::db::Tx,
    code: &PromotionCode,
    coupon: bool,
) -> Result<bool> {
    let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM promotions WHERE code = $1")
        .bind(code.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    match kind {
        None => Ok(false),
        Some(kind) if (kind == "coupon") == coupon => Ok(true),
        Some(_) if coupon => Err(Error::conflict(Code::IsAPromotion)),
        Some(_) => Err(Error::conflict(Code::IsACoupon)),
    }
}
