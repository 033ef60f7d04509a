//! The promotions an order gets: what evaluation needs is gathered from storage,
//! then [`evaluate`] decides. A coupon that is refused is an error carrying the
//! refusal's code, about the `coupon` field.

use crate::app::App;
use crate::catalog::Plan;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::payments::Method;

use super::{
    Applied, Context, CouponRefusal, EnteredCoupon, History, Promotion, PromotionCode, evaluate,
    store, throttle,
};

/// What the order would be: the plan, how many periods are paid for, and how.
pub struct Purchase<'a> {
    pub plan: &'a Plan,
    pub unit_price: Money,
    pub periods: u32,
    pub method: Method,
    /// As the subscriber typed it; blank means none.
    pub coupon: Option<&'a str>,
    /// The account's earlier orders that still count.
    pub history: History,
}

pub async fn for_order(
    app: &App,
    account_id: &str,
    request: &Purchase<'_>,
) -> Result<Vec<Applied>> {
    for_order_with(app, account_id, request, None).await
}

/// As [`for_order`], with `candidate` (an offer as an operator's unsaved form has it)
/// in place of the stored offer of its code: what the console's preview prices with.
/// A candidate coupon counts as entered (its uses so far read, nothing counted
/// against the caller); nothing is written.
pub async fn for_order_with(
    app: &App,
    account_id: &str,
    request: &Purchase<'_>,
    candidate: Option<&Promotion>,
) -> Result<Vec<Applied>> {
    let mut promotions = store::automatic(app).await?;
    let candidate_coupon = candidate.filter(|c| c.coupon().is_some());
    if let Some(candidate) = candidate {
        promotions.retain(|p| p.code != candidate.code);
        if candidate_coupon.is_none() {
            promotions.push(candidate.clone());
        }
    }
    let entered = match request.coupon.map(str::trim).filter(|c| !c.is_empty()) {
        None => match candidate_coupon {
            Some(coupon) => {
                let usage = store::coupon_usage(app, &coupon.code, None).await?;
                promotions.push(coupon.clone());
                Some(EnteredCoupon {
                    code: coupon.code.clone(),
                    usage,
                })
            }
            None => None,
        },
        Some(text) => {
            let taken = throttle::take(app, account_id).await?;
            let found = match PromotionCode::parse(text) {
                Ok(code) => store::coupon(app, &code).await?.map(|p| (code, p)),
                Err(_) => None,
            };
            let Some((code, coupon)) = found else {
                tracing::info!(account.id = %account_id, "unknown coupon entered");
                return Err(refused(CouponRefusal::NotFound));
            };
            throttle::found(app, account_id, &taken).await?;
            promotions.push(coupon);
            let usage = store::coupon_usage(app, &code, Some(account_id)).await?;
            Some(EnteredCoupon { code, usage })
        }
    };
    let context = Context {
        now: app.now(),
        plan: request.plan.code.clone(),
        zone: request.plan.zone,
        method: request.method,
        unit_price: request.unit_price,
        periods: request.periods,
        history: request.history,
        coupon: entered,
    };
    evaluate(&context, &promotions).map_err(refused)
}

/// A use that is gone (limits) conflicts with the state of things; the rest is a
/// coupon that does not fit the order.
pub fn refused(refusal: CouponRefusal) -> Error {
    let error = match refusal {
        CouponRefusal::Exhausted | CouponRefusal::AlreadyUsed => Error::conflict(refusal.code()),
        _ => Error::invalid(refusal.code()),
    };
    error.on_field("coupon")
}

/// For each count of paid periods in `counts`, the free periods the automatic
/// promotions add to `purchase` bought with that count (no coupon: a coupon takes
/// money off, never periods): what the checkout offers as "3 + 1 free".
pub async fn free_periods_by_count(
    app: &App,
    purchase: &Purchase<'_>,
    counts: &[u32],
) -> Result<Vec<u32>> {
    let promotions = store::automatic(app).await?;
    let now = app.now();
    counts
        .iter()
        .map(|&periods| {
            let context = Context {
                now,
                plan: purchase.plan.code.clone(),
                zone: purchase.plan.zone,
                method: purchase.method,
                unit_price: purchase.unit_price,
                periods,
                history: purchase.history,
                coupon: None,
            };
            evaluate(&context, &promotions)
                .map(|applied| super::free_periods(&applied))
                .map_err(refused)
        })
        .collect()
}
