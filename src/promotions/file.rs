//! Promotions and coupons in the catalog file, checked before anything is imported:
//!
//! ```toml
//! [[promotions]]
//! code = "FIRST-MONTH-30"
//! kind = "first_period"            # first_period | free_periods
//! percent = 30                     # or amount = { HKD = 2000 } (minor units)
//! first_order_of = "plan"          # plan | any (first_period only)
//! # buy = 3, free = 1              # free_periods only
//! plans = ["HK-30D-UNL"]           # optional restrictions: plans, zones, methods
//! starts_at = 2026-01-01T00:00:00+08:00   # optional validity window
//! ends_at = 2027-01-01T00:00:00+08:00
//! stacking = "combinable"          # or "exclusive" (default combinable)
//! priority = 20                    # higher ranks first (default 0)
//! names = { en = "First month −30 %", "zh-HK" = "首月七折" }
//!
//! [[coupons]]
//! code = "WELCOME10"               # what the subscriber types (any case)
//! percent = 10                     # or amount
//! per_account_limit = 1            # optional; so is total_limit
//! total_limit = 1000
//! min_spend = { HKD = 5000 }       # optional, on the paid periods before discounts
//! public = true                    # listed on the plans page with its code
//! names = { en = "Welcome 10 % off", "zh-HK" = "迎新九折" }
//! ```
//!
//! Both take `retired = true` to stop an offer; orders already made keep theirs.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::fields::{Problem, names};
use crate::catalog::{MAX_PERIODS, PlanCode};

use super::entry::PromotionEntry;
use super::file_fields::{amounts, scope, window};
use super::{Coupon, FirstOrderOf, Kind, Off, Promotion, PromotionCode, Stacking};

/// A promotion or coupon as the file describes it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionSpec {
    pub promotion: Promotion,
    pub retired: bool,
}

/// Checks one entry, from the file, the admin API or the console's form; `coupon`
/// says which section (or path) it came from, `plans` are the plan codes it may name.
pub fn check(
    raw: PromotionEntry,
    coupon: bool,
    plans: &BTreeSet<PlanCode>,
) -> Result<PromotionSpec, Vec<Problem>> {
    let mut problems = Vec::new();
    let code = if raw.code.trim().is_empty() {
        problems.push(Problem::new("code", "code must not be empty"));
        None
    } else {
        PromotionCode::parse(&raw.code)
            .map_err(|e| problems.push(Problem::new("code", e.to_string())))
            .ok()
    };
    // `what` is said, `field` (the first field it is about) is where the console shows it.
    let misplaced = |problems: &mut Vec<Problem>, present: bool, what: &str, place: &str| {
        if present {
            let field = match what {
                "buy/free" => "buy",
                "a redemption limit" => "total_limit",
                field => field,
            };
            problems.push(Problem::new(
                field,
                format!("{what} does not belong to {place}"),
            ));
        }
    };
    let kind = if coupon {
        misplaced(&mut problems, raw.kind.is_some(), "kind", "a coupon");
        misplaced(
            &mut problems,
            raw.first_order_of.is_some(),
            "first_order_of",
            "a coupon",
        );
        misplaced(
            &mut problems,
            raw.buy.is_some() || raw.free.is_some(),
            "buy/free",
            "a coupon",
        );
        let limit = |problems: &mut Vec<Problem>, value: Option<i64>, name: &str| {
            value.and_then(|v| {
                u32::try_from(v).ok().filter(|v| *v >= 1).or_else(|| {
                    problems.push(Problem::new(
                        name,
                        format!("{name} must be at least 1 (got {v})"),
                    ));
                    None
                })
            })
        };
        let total_limit = limit(&mut problems, raw.total_limit, "total_limit");
        let per_account_limit = limit(&mut problems, raw.per_account_limit, "per_account_limit");
        if let (Some(total), Some(each)) = (total_limit, per_account_limit)
            && each > total
        {
            problems.push(Problem::new(
                "per_account_limit",
                "per_account_limit cannot be more than total_limit",
            ));
        }
        let min_spend = amounts(&mut problems, raw.min_spend.as_ref(), "min_spend", 0);
        off(&mut problems, raw.percent.as_ref(), raw.amount.as_ref()).map(|off| {
            Kind::Coupon(Coupon {
                off,
                min_spend,
                total_limit,
                per_account_limit,
                public: raw.public.unwrap_or(false),
            })
        })
    } else {
        misplaced(
            &mut problems,
            raw.total_limit.is_some() || raw.per_account_limit.is_some(),
            "a redemption limit",
            "a promotion (only to a coupon)",
        );
        misplaced(
            &mut problems,
            raw.min_spend.is_some(),
            "min_spend",
            "a promotion (only to a coupon)",
        );
        misplaced(
            &mut problems,
            raw.public.is_some(),
            "public",
            "a promotion (promotions are public)",
        );
        promotion_kind(&mut problems, &raw)
    };
    let scope = scope(&mut problems, &raw.plans, &raw.zones, &raw.methods, plans);
    let window = window(&mut problems, raw.starts_at.as_ref(), raw.ends_at.as_ref());
    let stacking = match raw.stacking.as_deref() {
        None | Some("combinable") => Some(Stacking::Combinable),
        Some("exclusive") => Some(Stacking::Exclusive),
        Some(other) => {
            problems.push(Problem::new(
                "stacking",
                format!("stacking {other:?} is not one of exclusive, combinable"),
            ));
            None
        }
    };
    let priority = raw.priority.unwrap_or(0);
    if !(-1000..=1000).contains(&priority) {
        problems.push(Problem::new(
            "priority",
            format!("priority must be between -1000 and 1000 (got {priority})"),
        ));
    }
    let names = names(&mut problems, raw.names);
    match (code, kind, stacking, problems.is_empty()) {
        (Some(code), Some(kind), Some(stacking), true) => Ok(PromotionSpec {
            promotion: Promotion {
                code,
                kind,
                names,
                scope,
                window,
                stacking,
                priority: i32::try_from(priority).unwrap_or(0),
            },
            retired: raw.retired,
        }),
        _ => Err(problems),
    }
}

fn promotion_kind(problems: &mut Vec<Problem>, raw: &PromotionEntry) -> Option<Kind> {
    match raw.kind.as_deref() {
        Some("first_period") => {
            let first_order_of = match raw.first_order_of.as_deref() {
                Some("plan") => Some(FirstOrderOf::Plan),
                Some("any") => Some(FirstOrderOf::Any),
                other => {
                    problems.push(Problem::new(
                        "first_order_of",
                        format!("first_order_of must be \"plan\" or \"any\" (got {other:?})"),
                    ));
                    None
                }
            };
            let off = off(problems, raw.percent.as_ref(), raw.amount.as_ref());
            Some(Kind::FirstPeriod {
                off: off?,
                first_order_of: first_order_of?,
            })
        }
        Some("free_periods") => {
            if raw.percent.is_some() || raw.amount.is_some() {
                problems.push(Problem::new(
                    if raw.percent.is_some() {
                        "percent"
                    } else {
                        "amount"
                    },
                    "a free_periods promotion takes buy and free, not percent or amount",
                ));
            }
            let count = |problems: &mut Vec<Problem>, value: Option<i64>, name: &str| match value {
                Some(n) if (1..=i64::from(MAX_PERIODS)).contains(&n) => u32::try_from(n).ok(),
                Some(n) => {
                    problems.push(Problem::new(
                        name,
                        format!("{name} must be between 1 and {MAX_PERIODS} (got {n})"),
                    ));
                    None
                }
                None => {
                    problems.push(Problem::new(
                        name,
                        format!("a free_periods promotion needs {name}"),
                    ));
                    None
                }
            };
            let buy = count(problems, raw.buy, "buy");
            let free = count(problems, raw.free, "free");
            Some(Kind::FreePeriods {
                buy: buy?,
                free: free?,
            })
        }
        other => {
            problems.push(Problem::new(
                "kind",
                format!("kind must be \"first_period\" or \"free_periods\" (got {other:?})"),
            ));
            None
        }
    }
}

/// Exactly one of `percent` (more than 0, at most 100, two decimals) and `amount`.
fn off(
    problems: &mut Vec<Problem>,
    percent: Option<&toml::Value>,
    amount: Option<&BTreeMap<String, i64>>,
) -> Option<Off> {
    match (percent, amount) {
        (Some(_), Some(_)) => {
            problems.push(Problem::new(
                "percent",
                "give either percent or amount, not both",
            ));
            None
        }
        (None, None) => {
            problems.push(Problem::new(
                "percent",
                "a discount needs percent or amount",
            ));
            None
        }
        (Some(value), None) => {
            let number = match value {
                toml::Value::Integer(n) => Some(*n as f64),
                toml::Value::Float(f) => Some(*f),
                _ => None,
            };
            let basis_points = number.map(|n| n * 100.0).filter(|bp| {
                bp.is_finite() && *bp > 0.0 && *bp <= 10_000.0 && (bp - bp.round()).abs() < 1e-6
            });
            match basis_points {
                Some(bp) => Some(Off::Percent {
                    basis_points: bp.round() as u32,
                }),
                None => {
                    problems.push(Problem::new(
                        "percent",
                        format!("percent must be more than 0 and at most 100, with at most two decimals (got {value})"),
                    ));
                    None
                }
            }
        }
        (None, Some(map)) => {
            let amounts = amounts(problems, Some(map), "amount", 1);
            (!amounts.is_empty()).then_some(Off::Fixed { amounts })
        }
    }
}

#[cfg(test)]
#[path = "file_tests.rs"]
mod tests;
