//! Property tests of promotions as orders price them: whatever the operator
//! configures and whatever is ordered, totals are never negative, discounts never
//! exceed the price, the order promotions come in changes nothing, and percentages
//! round half up once.

use std::collections::BTreeMap;

use chrono::DateTime;
use proptest::prelude::*;

use crate::catalog::{MAX_PERIODS, PlanCode, Zone};
use crate::money::{Currency, Money};
use crate::payments::Method;
use crate::promotions::{
    Context, Coupon, CouponUsage, EnteredCoupon, FirstOrderOf, History, Kind, KindTag, Off,
    Promotion, PromotionCode, Scope, Stacking, Window, evaluate, free_periods,
};

use super::pricing::{Fee, discounts, price};

fn off() -> impl Strategy<Value = Off> {
    prop_oneof![
        (1u32..=10_000).prop_map(|basis_points| Off::Percent { basis_points }),
        (1i64..5_000_000).prop_map(|amount| Off::Fixed {
            amounts: BTreeMap::from([(Currency::HKD, amount)]),
        }),
    ]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        (off(), any::<bool>()).prop_map(|(off, plan)| Kind::FirstPeriod {
            off,
            first_order_of: if plan {
                FirstOrderOf::Plan
            } else {
                FirstOrderOf::Any
            },
        }),
        (1u32..=6, 1u32..=3).prop_map(|(buy, free)| Kind::FreePeriods { buy, free }),
        (off(), 0i64..200_000).prop_map(|(off, minimum)| Kind::Coupon(Coupon {
            off,
            min_spend: BTreeMap::from([(Currency::HKD, minimum)]),
            total_limit: None,
            per_account_limit: None,
            public: false,
        })),
    ]
}

fn promotions() -> impl Strategy<Value = Vec<Promotion>> {
    proptest::collection::vec((kind(), any::<bool>(), -3i32..=3), 0..7).prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(index, (kind, exclusive, priority))| Promotion {
                code: PromotionCode::parse(&format!("P{index}")).unwrap(),
                kind,
                names: BTreeMap::from([("en".to_owned(), format!("P{index}"))]),
                scope: Scope::default(),
                window: Window::default(),
                stacking: if exclusive {
                    Stacking::Exclusive
                } else {
                    Stacking::Combinable
                },
                priority,
            })
            .collect()
    })
}

/// Promotions, the same ones in another order, and an order to price.
fn case() -> impl Strategy<Value = (Vec<Promotion>, Vec<Promotion>, Context)> {
    let context = (
        1i64..2_000_000,
        1u32..=MAX_PERIODS,
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(0usize..7),
    );
    (promotions(), context).prop_flat_map(|(promotions, (unit, periods, plan, any, coupon))| {
        let entered = coupon
            .and_then(|i| promotions.get(i))
            .filter(|p| p.coupon().is_some())
            .map(|p| EnteredCoupon {
                code: p.code.clone(),
                usage: CouponUsage::default(),
            });
        let context = Context {
            now: DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default(),
            plan: PlanCode::parse("HK-1M-25G").unwrap(),
            zone: Zone::Hk,
            method: Method::Card,
            unit_price: Money::new(unit, Currency::HKD),
            periods,
            history: History {
                ordered_plan: plan,
                ordered_any: plan || any,
            },
            coupon: entered,
        };
        (
            Just(promotions.clone()),
            Just(promotions).prop_shuffle(),
            Just(context),
        )
    })
}

proptest! {
    #[test]
    fn totals_hold_whatever_is_configured(
        (promotions, shuffled, context) in case(),
        fixed in 0i64..1_000,
        basis_points in 0i64..=500,
    ) {
        let fee = Fee { fixed, basis_points };
        let result = evaluate(&context, &promotions);
        // The order promotions come in changes nothing: not which apply, not how much.
        prop_assert_eq!(&result, &evaluate(&context, &shuffled));
        let Ok(applied) = result else { return Ok(()) };

        let unit = context.unit_price.amount;
        let periods = context.periods + free_periods(&applied);
        prop_assert!(periods <= MAX_PERIODS);
        let paid = unit * i64::from(context.periods);
        for a in &applied {
            prop_assert!(a.amount >= 0);
            let covered = match a.kind {
                KindTag::FirstPeriod => unit,
                KindTag::FreePeriods => unit * i64::from(a.free_periods),
                KindTag::Coupon => paid,
            };
            prop_assert!(a.amount <= covered, "{} takes {} of {}", a.promotion, a.amount, covered);
        }
        // At most one of each kind.
        let kinds: std::collections::BTreeSet<_> = applied.iter().map(|a| a.kind).collect();
        prop_assert_eq!(kinds.len(), applied.len());

        let b = price(context.unit_price, periods, discounts(&applied), fee).unwrap();
        prop_assert!(b.total >= 0);
        prop_assert!(b.discount_total() <= b.list_price);
        prop_assert_eq!(b.list_price, unit * i64::from(periods));
        prop_assert_eq!(b.total, b.list_price - b.discount_total() + b.fee);
        let mut reversed = discounts(&applied);
        reversed.reverse();
        let r = price(context.unit_price, periods, reversed, fee).unwrap();
        prop_assert_eq!(r.total, b.total);
    }

    #[test]
    fn percentages_round_half_up_once_on_what_they_cover(
        unit in 1i64..10_000_000,
        periods in 1u32..=MAX_PERIODS,
        basis_points in 1u32..=10_000,
    ) {
        let first = Promotion {
            code: PromotionCode::parse("FIRST").unwrap(),
            kind: Kind::FirstPeriod { off: Off::Percent { basis_points }, first_order_of: FirstOrderOf::Any },
            names: BTreeMap::new(),
            scope: Scope::default(),
            window: Window::default(),
            stacking: Stacking::Combinable,
            priority: 0,
        };
        let context = Context {
            now: DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default(),
            plan: PlanCode::parse("HK-1M-25G").unwrap(),
            zone: Zone::Hk,
            method: Method::Card,
            unit_price: Money::new(unit, Currency::HKD),
            periods,
            history: History::default(),
            coupon: None,
        };
        let expected = (i128::from(unit) * i128::from(basis_points) + 5_000) / 10_000;
        let applied = evaluate(&context, &[first]).unwrap();
        prop_assert_eq!(applied.first().map_or(0, |a| i128::from(a.amount)), expected);
    }
}

#[test]
fn the_breakdown_lists_each_promotion_with_its_free_periods() {
    let promotion = |code: &str, kind: Kind, priority: i32| Promotion {
        code: PromotionCode::parse(code).unwrap(),
        kind,
        names: BTreeMap::from([("en".to_owned(), code.to_owned())]),
        scope: Scope::default(),
        window: Window::default(),
        stacking: Stacking::Combinable,
        priority,
    };
    let first_month = promotion(
        "FIRST-MONTH",
        Kind::FirstPeriod {
            off: Off::Percent { basis_points: 3000 },
            first_order_of: FirstOrderOf::Plan,
        },
        20,
    );
    let buy_get = promotion("BUY3GET1", Kind::FreePeriods { buy: 3, free: 1 }, 10);
    let context = Context {
        now: DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default(),
        plan: PlanCode::parse("HK-30D-UNL").unwrap(),
        zone: Zone::Hk,
        method: Method::Card,
        unit_price: Money::new(9_800, Currency::HKD),
        periods: 3,
        history: History::default(),
        coupon: None,
    };
    let applied = evaluate(&context, &[first_month, buy_get]).unwrap();
    assert_eq!(free_periods(&applied), 1);
    let discounts = discounts(&applied);
    assert_eq!(discounts[1].free_periods, 1);
    assert_eq!(
        discounts[0].reason.as_ref().map(|r| r.key.as_str()),
        Some("promotion.reason.first_period_plan")
    );
    let no_fee = Fee {
        fixed: 0,
        basis_points: 0,
    };
    let b = price(
        context.unit_price,
        3 + free_periods(&applied),
        discounts,
        no_fee,
    )
    .unwrap();
    assert_eq!((b.periods, b.list_price), (4, 39_200));
    assert_eq!(b.total, 3 * 9_800 - 2_940);
}
