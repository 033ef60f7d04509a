//! The promotion part of the catalog file: the demo's offers read as meant, and
//! impossible values are refused, each with a message naming the entry.

use crate::catalog::DEMO_CATALOG;
use crate::money::Currency;
use crate::promotions::catalog_file::parse;
use crate::promotions::{FirstOrderOf, Kind, Off, Stacking};

const PLAN: &str = r#"
[[plans]]
code = "HK-1M-25G"
zone = "hk"
period = { unit = "month", count = 1 }
data = "25 GB"
prices = { HKD = 9800 }
names = { en = "Monthly" }
"#;

fn errors(extra: &str) -> String {
    parse(&format!("{PLAN}\n{extra}")).unwrap_err().join("\n")
}

#[test]
fn the_demo_offers_read_as_meant() {
    let file = parse(DEMO_CATALOG).unwrap();
    let find = |code: &str| {
        file.promotions
            .iter()
            .find(|p| p.promotion.code.as_str() == code)
            .map(|p| p.promotion.clone())
            .unwrap_or_else(|| panic!("{code} missing"))
    };
    let first = find("FIRST-MONTH-30");
    assert_eq!(
        first.kind,
        Kind::FirstPeriod {
            off: Off::Percent { basis_points: 3000 },
            first_order_of: FirstOrderOf::Plan,
        }
    );
    assert_eq!(first.names["en"], "First month −30 %");
    assert_eq!(find("BUY3GET1").kind, Kind::FreePeriods { buy: 3, free: 1 });
    let welcome = find("WELCOME10");
    let coupon = welcome.coupon().unwrap();
    assert_eq!(coupon.off, Off::Percent { basis_points: 1000 });
    assert_eq!(
        (coupon.per_account_limit, coupon.total_limit),
        (Some(1), Some(1000))
    );
    assert!(coupon.public);
    assert_eq!(welcome.stacking, Stacking::Combinable);
}

#[test]
fn impossible_values_are_refused_naming_the_entry() {
    let text = errors(
        r#"
        [[promotions]]
        code = "NEG"
        kind = "first_period"
        percent = -5
        first_order_of = "plan"
        names = { en = "x" }

        [[promotions]]
        code = "TOO-MUCH"
        kind = "first_period"
        percent = 120
        first_order_of = "any"
        names = { en = "x" }

        [[promotions]]
        code = "BUY0"
        kind = "free_periods"
        buy = 0
        free = 1
        names = { en = "x" }

        [[promotions]]
        code = ""
        kind = "free_periods"
        buy = 3
        free = 1
        names = { en = "x" }

        [[promotions]]
        code = "BACKWARDS"
        kind = "free_periods"
        buy = 3
        free = 1
        starts_at = 2027-01-01T00:00:00+08:00
        ends_at = 2026-01-01T00:00:00+08:00
        names = { en = "x" }

        [[promotions]]
        code = "ELSEWHERE"
        kind = "free_periods"
        buy = 3
        free = 1
        plans = ["HK-99D-1G"]
        zones = ["mars"]
        methods = ["cheque"]
        names = { en = "x" }

        [[coupons]]
        code = "BOTH"
        percent = 10
        amount = { HKD = 500 }
        total_limit = 0
        names = { fr = "x" }

        [[coupons]]
        code = "GREEDY"
        percent = 10
        total_limit = 5
        per_account_limit = 6
        kind = "first_period"
        names = { en = "x" }

        [[promotions]]
        code = "GREEDY"
        kind = "free_periods"
        buy = 3
        free = 1
        total_limit = 3
        stacking = "sometimes"
        starts_at = 2026-01-01T00:00:00
        names = { en = "x" }
        "#,
    );
    for needle in [
        "promotion #1 (NEG): percent must be more than 0 and at most 100",
        "promotion #2 (TOO-MUCH): percent must be more than 0 and at most 100",
        "promotion #3 (BUY0): buy must be between 1 and 36",
        "promotion #4 (): code must not be empty",
        "promotion #5 (BACKWARDS): ends_at must be after starts_at",
        "promotion #6 (ELSEWHERE): unknown plan \"HK-99D-1G\"",
        "zone \"mars\"",
        "payment method \"cheque\"",
        "coupon #1 (BOTH): give either percent or amount, not both",
        "coupon #1 (BOTH): total_limit must be at least 1",
        "coupon #1 (BOTH): an English name (names.en) is needed",
        "coupon #2 (GREEDY): per_account_limit cannot be more than total_limit",
        "coupon #2 (GREEDY): kind does not belong to a coupon",
        "promotion #7 (GREEDY): a redemption limit does not belong to a promotion",
        "promotion #7 (GREEDY): stacking \"sometimes\"",
        "promotion #7 (GREEDY): starts_at must be a date and time with its offset",
        "code appears twice",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn fixed_amounts_and_decimal_percentages_are_read_exactly() {
    let file = parse(&format!(
        "{PLAN}\n{}",
        r#"
        [[coupons]]
        code = "TWENTY"
        amount = { HKD = 2000 }
        min_spend = { HKD = 5000 }
        names = { en = "HK$20 off" }

        [[promotions]]
        code = "HALF-ISH"
        kind = "first_period"
        percent = 12.5
        first_order_of = "any"
        stacking = "exclusive"
        priority = 5
        names = { en = "12.5 % off" }
        "#
    ))
    .unwrap();
    let coupon = file.promotions[1].promotion.coupon().unwrap().clone();
    assert_eq!(coupon.min_spend[&Currency::HKD], 5000);
    assert!(matches!(coupon.off, Off::Fixed { ref amounts } if amounts[&Currency::HKD] == 2000));
    assert!(!coupon.public);
    let half = &file.promotions[0].promotion;
    assert_eq!(half.stacking, Stacking::Exclusive);
    assert!(matches!(
        half.kind,
        Kind::FirstPeriod {
            off: Off::Percent { basis_points: 1250 },
            ..
        }
    ));
    assert!(
        errors("[[coupons]]\ncode = \"THIRD\"\npercent = 33.333\nnames = { en = \"x\" }")
            .contains("at most two decimals")
    );
}
