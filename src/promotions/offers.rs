//! The offers a caller qualifies for, plan by plan, for the plans page and
//! `GET /api/v1/plans`. Anonymous callers see every public offer in force; a
//! signed-in subscriber sees those their history still allows (a first-order
//! discount only before their first order; a public coupon only while they have
//! uses of it left). Coupons not marked public are never listed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::catalog::{Plan, PlanCode, Zone};
use crate::error::Result;
use crate::money::Currency;

use super::store;
use super::{CouponUsage, FirstOrderOf, History, Kind, KindTag, Promotion, PromotionCode, Reason};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub code: PromotionCode,
    pub kind: KindTag,
    pub names: BTreeMap<String, String>,
    /// Who it is for and how to get it, in the reader's language.
    pub condition: Reason,
    /// The code to enter at checkout, for a coupon.
    pub coupon: Option<PromotionCode>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// What is known about the caller.
pub struct Caller<'a> {
    /// `None` for an anonymous caller.
    pub history: Option<History>,
    /// The caller's own use of each public coupon (empty when anonymous).
    pub coupon_usage: &'a BTreeMap<PromotionCode, CouponUsage>,
}

/// Offers on `plan` the caller qualifies for, highest priority first.
pub fn for_plan(
    plan: &PlanCode,
    zone: Zone,
    currency: Currency,
    now: DateTime<Utc>,
    promotions: &[Promotion],
    caller: &Caller<'_>,
) -> Vec<Offer> {
    let mut offers: Vec<(&Promotion, Offer)> = promotions
        .iter()
        .filter(|p| p.window.contains(now) && p.scope.admits_plan(plan, zone))
        .filter_map(|p| offer(p, currency, caller).map(|offer| (p, offer)))
        .collect();
    offers.sort_by(|(a, _), (b, _)| b.priority.cmp(&a.priority).then(a.code.cmp(&b.code)));
    offers.into_iter().map(|(_, offer)| offer).collect()
}

fn offer(promotion: &Promotion, currency: Currency, caller: &Caller<'_>) -> Option<Offer> {
    let (condition, coupon) = match &promotion.kind {
        Kind::FirstPeriod {
            off,
            first_order_of,
        } => {
            let ordered = caller.history.is_some_and(|h| match first_order_of {
                FirstOrderOf::Plan => h.ordered_plan,
                FirstOrderOf::Any => h.ordered_any,
            });
            let key = match first_order_of {
                FirstOrderOf::Plan => "first_period_plan",
                FirstOrderOf::Any => "first_period_any",
            };
            let off = off.describe(currency);
            (!ordered && !off.is_empty()).then(|| (Reason::offer(key, &[("off", off)]), None))?
        }
        Kind::FreePeriods { buy, free } => (
            Reason::offer(
                "free_periods",
                &[("buy", buy.to_string()), ("free", free.to_string())],
            ),
            None,
        ),
        Kind::Coupon(coupon) => {
            let usage = caller
                .coupon_usage
                .get(&promotion.code)
                .copied()
                .unwrap_or_default();
            let left = coupon.total_limit.is_none_or(|l| usage.total < l)
                && coupon
                    .per_account_limit
                    .is_none_or(|l| usage.by_account < l);
            let off = coupon.off.describe(currency);
            (coupon.public && left && !off.is_empty()).then(|| {
                let args = [("code", promotion.code.to_string()), ("off", off)];
                (Reason::offer("coupon", &args), Some(promotion.code.clone()))
            })?
        }
    };
    Some(Offer {
        code: promotion.code.clone(),
        kind: promotion.kind.tag(),
        names: promotion.names.clone(),
        condition,
        coupon,
        ends_at: promotion.window.ends_at,
    })
}

/// A signed-in subscriber looking at the plans.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub account_id: &'a str,
    /// The plans of their orders that still count (not expired, cancelled or failed).
    pub ordered_plans: &'a BTreeSet<String>,
}

/// Offers for each plan, for the viewer (`None`: an anonymous caller).
pub async fn for_plans(
    app: &App,
    viewer: Option<Viewer<'_>>,
    plans: &[Plan],
) -> Result<BTreeMap<PlanCode, Vec<Offer>>> {
    let account_id = viewer.map(|v| v.account_id);
    let promotions = store::all(app).await?;
    let mut usage = BTreeMap::new();
    for promotion in &promotions {
        if promotion.coupon().is_some_and(|c| c.public) {
            let used = store::coupon_usage(app, &promotion.code, account_id).await?;
            usage.insert(promotion.code.clone(), used);
        }
    }
    let ordered = viewer.map(|v| v.ordered_plans);
    let currency = app.config.locale.currency;
    let now = app.now();
    Ok(plans
        .iter()
        .map(|plan| {
            let caller = Caller {
                history: ordered.map(|ordered| History {
                    ordered_plan: ordered.contains(plan.code.as_str()),
                    ordered_any: !ordered.is_empty(),
                }),
                coupon_usage: &usage,
            };
            let offers = for_plan(&plan.code, plan.zone, currency, now, &promotions, &caller);
            (plan.code.clone(), offers)
        })
        .collect())
}
