//! Worked examples of the winning rule and of each refusal.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use crate::catalog::{PlanCode, Zone};
use crate::money::{Currency, Money};
use crate::payments::Method;

use super::*;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default()
}

fn code(text: &str) -> PromotionCode {
    PromotionCode::parse(text).unwrap()
}

pub(super) fn percent(percent: u32) -> Off {
    Off::Percent {
        basis_points: percent * 100,
    }
}

pub(super) fn promotion(text: &str, kind: Kind, stacking: Stacking, priority: i32) -> Promotion {
    Promotion {
        code: code(text),
        kind,
        names: BTreeMap::from([("en".to_owned(), text.to_owned())]),
        scope: Scope::default(),
        window: Window::default(),
        stacking,
        priority,
    }
}

fn first_month(percent_off: u32) -> Promotion {
    promotion(
        "FIRST-MONTH",
        Kind::FirstPeriod {
            off: percent(percent_off),
            first_order_of: FirstOrderOf::Plan,
        },
        Stacking::Combinable,
        20,
    )
}

fn buy_get(buy: u32, free: u32) -> Promotion {
    promotion(
        &format!("BUY{buy}GET{free}"),
        Kind::FreePeriods { buy, free },
        Stacking::Combinable,
        10,
    )
}

fn coupon(text: &str, off: Off) -> Promotion {
    promotion(
        text,
        Kind::Coupon(Coupon {
            off,
            min_spend: BTreeMap::new(),
            total_limit: Some(1000),
            per_account_limit: Some(1),
            public: false,
        }),
        Stacking::Combinable,
        0,
    )
}

fn context(unit: i64, periods: u32) -> Context {
    Context {
        now: now(),
        plan: PlanCode::parse("HK-30D-UNL").unwrap(),
        zone: Zone::Hk,
        method: Method::Card,
        unit_price: Money::new(unit, Currency::HKD),
        periods,
        history: History::default(),
        coupon: None,
    }
}

fn entering(mut context: Context, text: &str, usage: CouponUsage) -> Context {
    context.coupon = Some(EnteredCoupon {
        code: code(text),
        usage,
    });
    context
}

fn codes(applied: &[Applied]) -> Vec<&str> {
    applied.iter().map(|a| a.promotion.as_str()).collect()
}

#[test]
fn a_first_order_gets_the_first_period_discount_with_its_reason() {
    let applied = evaluate(&context(16_800, 1), &[first_month(30)]).unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].amount, 5_040);
    assert_eq!(applied[0].reason.key, "promotion.reason.first_period_plan");
    assert_eq!(applied[0].reason.args["off"], "30 %");
    assert_eq!(applied[0].first_order_of, Some(FirstOrderOf::Plan));

    let mut returning = context(16_800, 1);
    returning.history.ordered_plan = true;
    assert!(evaluate(&returning, &[first_month(30)]).unwrap().is_empty());
    // "of any plan" looks at every earlier order.
    let mut any = first_month(30);
    any.kind = Kind::FirstPeriod {
        off: percent(30),
        first_order_of: FirstOrderOf::Any,
    };
    let mut elsewhere = context(16_800, 1);
    elsewhere.history.ordered_any = true;
    assert!(evaluate(&elsewhere, &[any.clone()]).unwrap().is_empty());
    assert_eq!(evaluate(&context(16_800, 1), &[any]).unwrap().len(), 1);
}

#[test]
fn buy_three_get_one_adds_free_periods_priced_at_the_unit_price() {
    let free = |paid| {
        evaluate(&context(9_800, paid), &[buy_get(3, 1)])
            .unwrap()
            .first()
            .map(|a| (a.free_periods, a.amount))
    };
    assert_eq!(free(2), None);
    assert_eq!(free(3), Some((1, 9_800)));
    assert_eq!(free(7), Some((2, 19_600)));
    // Never beyond 36 periods in all.
    assert_eq!(free(35), Some((1, 9_800)));
    assert_eq!(free(36), None);
}

#[test]
fn an_exclusive_promotion_that_ranks_first_applies_alone() {
    let mut exclusive = buy_get(3, 1);
    exclusive.stacking = Stacking::Exclusive;
    exclusive.priority = 30;
    let promotions = [first_month(30), exclusive.clone()];
    assert_eq!(
        codes(&evaluate(&context(9_800, 3), &promotions).unwrap()),
        ["BUY3GET1"]
    );
    // Ranked below a combinable one, it is set aside.
    exclusive.priority = 5;
    let promotions = [first_month(30), exclusive];
    assert_eq!(
        codes(&evaluate(&context(9_800, 3), &promotions).unwrap()),
        ["FIRST-MONTH"]
    );
}

#[test]
fn combinable_promotions_stack_one_per_kind() {
    let mut smaller = first_month(10);
    smaller.code = code("FIRST-10");
    let promotions = [smaller, buy_get(3, 1), first_month(30)];
    let applied = evaluate(&context(9_800, 3), &promotions).unwrap();
    // Equal priority: the bigger saving wins its kind.
    assert_eq!(codes(&applied), ["FIRST-MONTH", "BUY3GET1"]);
    assert_eq!(applied.iter().map(|a| a.amount).sum::<i64>(), 2_940 + 9_800);
}

#[test]
fn equal_priority_and_saving_falls_back_to_the_code() {
    let mut a = first_month(30);
    a.code = code("AAA");
    let mut b = first_month(30);
    b.code = code("BBB");
    for order in [[a.clone(), b.clone()], [b.clone(), a.clone()]] {
        assert_eq!(
            codes(&evaluate(&context(9_800, 1), &order).unwrap()),
            ["AAA"]
        );
    }
}

#[test]
fn a_coupon_takes_its_percentage_of_the_paid_periods_rounded_half_up() {
    let promotions = [coupon("WELCOME10", percent(10))];
    let applied = evaluate(
        &entering(context(8_805, 1), "welcome10", CouponUsage::default()),
        &promotions,
    )
    .unwrap();
    // 10 % of 88.05 is 8.805 → 8.81.
    assert_eq!(applied[0].amount, 881);
    assert_eq!(applied[0].reason.args["code"], "WELCOME10");
    let fixed = [coupon(
        "TWENTY",
        Off::Fixed {
            amounts: BTreeMap::from([(Currency::HKD, 2_000)]),
        },
    )];
    let small = entering(context(1_500, 1), "TWENTY", CouponUsage::default());
    assert_eq!(evaluate(&small, &fixed).unwrap()[0].amount, 1_500);
}

#[test]
fn coupons_are_refused_with_a_reason() {
    let mut welcome = coupon("WELCOME10", percent(10));
    let fresh = CouponUsage::default();
    let refusal = |promotion: &Promotion, context: Context| {
        evaluate(&context, std::slice::from_ref(promotion)).unwrap_err()
    };
    let at = |ctx: Context, text| entering(ctx, text, fresh);

    assert_eq!(
        refusal(&welcome, at(context(8_800, 1), "NOPE")),
        CouponRefusal::NotFound
    );
    let used = CouponUsage {
        total: 3,
        by_account: 1,
    };
    assert_eq!(
        refusal(&welcome, entering(context(8_800, 1), "WELCOME10", used)),
        CouponRefusal::AlreadyUsed
    );
    let spent = CouponUsage {
        total: 1000,
        by_account: 0,
    };
    assert_eq!(
        refusal(&welcome, entering(context(8_800, 1), "WELCOME10", spent)),
        CouponRefusal::Exhausted
    );

    welcome.window.ends_at = Some(now());
    assert_eq!(
        refusal(&welcome, at(context(8_800, 1), "WELCOME10")),
        CouponRefusal::Expired
    );
    welcome.window = Window {
        starts_at: Some(now() + Duration::days(1)),
        ends_at: None,
    };
    assert_eq!(
        refusal(&welcome, at(context(8_800, 1), "WELCOME10")),
        CouponRefusal::NotYetValid
    );
    welcome.window = Window::default();

    welcome.scope.plans = vec![PlanCode::parse("HK-7D-5G").unwrap()];
    assert_eq!(
        refusal(&welcome, at(context(8_800, 1), "WELCOME10")),
        CouponRefusal::NotApplicable
    );
    welcome.scope = Scope {
        methods: vec![Method::Wallet],
        ..Scope::default()
    };
    assert_eq!(
        refusal(&welcome, at(context(8_800, 1), "WELCOME10")),
        CouponRefusal::NotApplicable
    );
    welcome.scope = Scope::default();

    if let Kind::Coupon(details) = &mut welcome.kind {
        details.min_spend = BTreeMap::from([(Currency::HKD, 10_000)]);
    }
    assert_eq!(
        refusal(&welcome, at(context(8_800, 1), "WELCOME10")),
        CouponRefusal::MinimumSpend
    );
    assert!(evaluate(&at(context(8_800, 2), "WELCOME10"), &[welcome]).is_ok());
}

#[test]
fn a_coupon_that_loses_to_an_exclusive_promotion_is_refused() {
    let mut exclusive = first_month(30);
    exclusive.stacking = Stacking::Exclusive;
    let promotions = [exclusive, coupon("WELCOME10", percent(10))];
    let entered = entering(context(8_800, 1), "WELCOME10", CouponUsage::default());
    assert_eq!(
        evaluate(&entered, &promotions).unwrap_err(),
        CouponRefusal::NotCombinable
    );
    // Not entered, a coupon never applies by itself.
    assert_eq!(
        codes(&evaluate(&context(8_800, 1), &promotions).unwrap()),
        ["FIRST-MONTH"]
    );
}

#[test]
fn promotions_out_of_their_window_or_scope_do_not_apply() {
    let mut ended = first_month(30);
    ended.window.ends_at = Some(now() - Duration::seconds(1));
    let mut other_zone = buy_get(3, 1);
    other_zone.scope.zones = vec![Zone::CnHkMo];
    assert!(
        evaluate(&context(9_800, 3), &[ended, other_zone])
            .unwrap()
            .is_empty()
    );
}
