//! `evaluate`: which promotions an order gets, and what each takes off. Pure: the
//! caller gathers the account's history and the coupon's use from storage.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::catalog::{MAX_PERIODS, PlanCode, Zone};
use crate::error::Code;
use crate::money::{Money, percent_half_up};
use crate::payments::Method;

use super::model::{FirstOrderOf, Kind, KindTag, Off, Promotion, PromotionCode, Stacking};
use super::reason::Reason;

/// The account's earlier orders that still count (not expired, cancelled or failed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History {
    pub ordered_plan: bool,
    pub ordered_any: bool,
}

/// Reservations of a coupon held by orders that still count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CouponUsage {
    pub total: u32,
    pub by_account: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnteredCoupon {
    pub code: PromotionCode,
    pub usage: CouponUsage,
}

/// The order being priced, and what is known about who orders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub now: DateTime<Utc>,
    pub plan: PlanCode,
    pub zone: Zone,
    pub method: Method,
    pub unit_price: Money,
    /// The periods paid for; free periods come on top.
    pub periods: u32,
    pub history: History,
    pub coupon: Option<EnteredCoupon>,
}

/// Why a coupon the subscriber entered is refused; each is an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponRefusal {
    NotFound,
    NotYetValid,
    Expired,
    /// The total limit is reached.
    Exhausted,
    /// This account's limit is reached.
    AlreadyUsed,
    /// Wrong plan, zone, payment method or currency.
    NotApplicable,
    MinimumSpend,
    /// It does not combine with the promotion that ranks first (see the winning rule).
    NotCombinable,
}

impl CouponRefusal {
    pub fn code(self) -> Code {
        match self {
            CouponRefusal::NotFound => Code::CouponNotFound,
            CouponRefusal::NotYetValid => Code::CouponNotYetValid,
            CouponRefusal::Expired => Code::CouponExpired,
            CouponRefusal::Exhausted => Code::CouponExhausted,
            CouponRefusal::AlreadyUsed => Code::CouponAlreadyUsed,
            CouponRefusal::NotApplicable => Code::CouponNotApplicable,
            CouponRefusal::MinimumSpend => Code::CouponMinimumSpend,
            CouponRefusal::NotCombinable => Code::CouponNotCombinable,
        }
    }
}

/// A promotion the order gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub promotion: PromotionCode,
    pub kind: KindTag,
    pub names: BTreeMap<String, String>,
    pub reason: Reason,
    /// Minor units off the list price (free periods included at the unit price).
    pub amount: i64,
    /// Periods added to the line at no charge.
    pub free_periods: u32,
    /// For first-order promotions: what makes them once per account.
    pub first_order_of: Option<FirstOrderOf>,
}

/// The promotions the order gets, ranked, by the rule in [`super`]; or why the
/// coupon entered is refused.
pub fn evaluate(
    context: &Context,
    promotions: &[Promotion],
) -> Result<Vec<Applied>, CouponRefusal> {
    if let Some(entered) = &context.coupon {
        check_coupon(context, entered, promotions)?;
    }
    let mut candidates: Vec<(&Promotion, Applied)> = promotions
        .iter()
        .filter(|p| eligible(context, p))
        .filter_map(|p| effect(context, p).map(|applied| (p, applied)))
        .collect();
    candidates.sort_by(|(a, a_effect), (b, b_effect)| {
        b.priority
            .cmp(&a.priority)
            .then(b_effect.amount.cmp(&a_effect.amount))
            .then(a.code.cmp(&b.code))
    });
    let chosen: Vec<Applied> = match candidates.first() {
        None => Vec::new(),
        Some((first, applied)) if first.stacking == Stacking::Exclusive => vec![applied.clone()],
        Some(_) => {
            let mut kinds = BTreeSet::new();
            candidates
                .into_iter()
                .filter(|(p, _)| p.stacking == Stacking::Combinable)
                .filter(|(p, _)| kinds.insert(p.kind.tag()))
                .map(|(_, applied)| applied)
                .collect()
        }
    };
    if let Some(entered) = &context.coupon
        && !chosen.iter().any(|a| a.promotion == entered.code)
    {
        return Err(CouponRefusal::NotCombinable);
    }
    Ok(chosen)
}

/// The entered coupon exists, is current, has uses left and fits this order.
fn check_coupon(
    context: &Context,
    entered: &EnteredCoupon,
    promotions: &[Promotion],
) -> Result<(), CouponRefusal> {
    let (promotion, coupon) = promotions
        .iter()
        .find(|p| p.code == entered.code)
        .and_then(|p| p.coupon().map(|c| (p, c)))
        .ok_or(CouponRefusal::NotFound)?;
    if !promotion.window.started(context.now) {
        return Err(CouponRefusal::NotYetValid);
    }
    if promotion.window.ended(context.now) {
        return Err(CouponRefusal::Expired);
    }
    if coupon
        .total_limit
        .is_some_and(|limit| entered.usage.total >= limit)
    {
        return Err(CouponRefusal::Exhausted);
    }
    if coupon
        .per_account_limit
        .is_some_and(|limit| entered.usage.by_account >= limit)
    {
        return Err(CouponRefusal::AlreadyUsed);
    }
    let currency = context.unit_price.currency;
    let fixed_elsewhere =
        matches!(&coupon.off, Off::Fixed { amounts } if !amounts.contains_key(&currency));
    if !promotion.scope.admits_plan(&context.plan, context.zone)
        || !promotion.scope.admits_method(context.method)
        || fixed_elsewhere
    {
        return Err(CouponRefusal::NotApplicable);
    }
    if !coupon.min_spend.is_empty() {
        let minimum = coupon
            .min_spend
            .get(&currency)
            .ok_or(CouponRefusal::NotApplicable)?;
        if paid_price(context) < *minimum {
            return Err(CouponRefusal::MinimumSpend);
        }
    }
    if effect(context, promotion).is_none() {
        return Err(CouponRefusal::NotApplicable);
    }
    Ok(())
}

/// In its window, admitted by its restrictions, its condition met; a coupon only
/// when entered (and then checked by [`check_coupon`]).
fn eligible(context: &Context, promotion: &Promotion) -> bool {
    let in_force = promotion.window.contains(context.now)
        && promotion.scope.admits_plan(&context.plan, context.zone)
        && promotion.scope.admits_method(context.method);
    in_force
        && match &promotion.kind {
            Kind::FirstPeriod { first_order_of, .. } => match first_order_of {
                FirstOrderOf::Plan => !context.history.ordered_plan,
                FirstOrderOf::Any => !context.history.ordered_any,
            },
            Kind::FreePeriods { .. } => true,
            Kind::Coupon(_) => context
                .coupon
                .as_ref()
                .is_some_and(|entered| entered.code == promotion.code),
        }
}

fn paid_price(context: &Context) -> i64 {
    context
        .unit_price
        .amount
        .saturating_mul(i64::from(context.periods))
}

/// `off` of `base`: a percentage rounded half up to the minor unit, or the fixed
/// amount, never more than `base`. `None` when it has no amount in the currency.
fn amount_off(off: &Off, base: Money) -> Option<i64> {
    let amount = match off {
        Off::Percent { basis_points } => {
            percent_half_up(base.amount, i64::from(*basis_points)).ok()?
        }
        Off::Fixed { amounts } => *amounts.get(&base.currency)?,
    };
    Some(amount.clamp(0, base.amount.max(0)))
}

/// What the promotion alone would do to this order; `None` when nothing.
fn effect(context: &Context, promotion: &Promotion) -> Option<Applied> {
    let unit = context.unit_price;
    let currency = unit.currency;
    let (amount, free_periods, reason, first_order_of) = match &promotion.kind {
        Kind::FirstPeriod {
            off,
            first_order_of,
        } => {
            let key = match first_order_of {
                FirstOrderOf::Plan => "first_period_plan",
                FirstOrderOf::Any => "first_period_any",
            };
            let reason = Reason::new(key, &[("off", off.describe(currency))]);
            (amount_off(off, unit)?, 0, reason, Some(*first_order_of))
        }
        Kind::FreePeriods { buy, free } => {
            let earned = (context.periods / (*buy).max(1)).saturating_mul(*free);
            let free_periods = earned.min(MAX_PERIODS.saturating_sub(context.periods));
            let reason = Reason::new(
                "free_periods",
                &[
                    ("buy", buy.to_string()),
                    ("free", free.to_string()),
                    ("count", free_periods.to_string()),
                ],
            );
            let amount = unit.amount.saturating_mul(i64::from(free_periods));
            (amount, free_periods, reason, None)
        }
        Kind::Coupon(coupon) => {
            let base = Money::new(paid_price(context), currency);
            let reason = Reason::new(
                "coupon",
                &[
                    ("code", promotion.code.to_string()),
                    ("off", coupon.off.describe(currency)),
                ],
            );
            (amount_off(&coupon.off, base)?, 0, reason, None)
        }
    };
    (amount > 0 || free_periods > 0).then(|| Applied {
        promotion: promotion.code.clone(),
        kind: promotion.kind.tag(),
        names: promotion.names.clone(),
        reason,
        amount,
        free_periods,
        first_order_of,
    })
}
