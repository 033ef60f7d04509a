//! The fields promotions and coupons share in the catalog file — amounts per
//! currency, restrictions and the validity window — each checked with a message
//! that says what is wrong and what would be right (names and instants: see
//! [`crate::catalog::fields`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::fields::{Problem, instant};
use crate::catalog::{PlanCode, Zone};
use crate::money::Currency;
use crate::payments::Method;

use super::{Scope, Window};

pub(super) fn amounts(
    problems: &mut Vec<Problem>,
    raw: Option<&BTreeMap<String, i64>>,
    field: &str,
    least: i64,
) -> BTreeMap<Currency, i64> {
    let mut out = BTreeMap::new();
    for (currency, amount) in raw.into_iter().flatten() {
        match Currency::parse(currency) {
            Ok(currency) if (least..=100_000_000).contains(amount) => {
                out.insert(currency, *amount);
            }
            Ok(_) => problems.push(Problem::new(
                format!("{field}.{currency}"),
                format!("{field} in {currency} must be between {least} and 100000000 minor units (got {amount})"),
            )),
            Err(_) => problems.push(Problem::new(
                field,
                format!("{field}: {currency:?} is not an ISO 4217 currency code"),
            )),
        }
    }
    if raw.is_some_and(BTreeMap::is_empty) {
        problems.push(Problem::new(
            field,
            format!("{field} needs at least one currency"),
        ));
    }
    out
}

pub(super) fn scope(
    problems: &mut Vec<Problem>,
    plans: &[String],
    zones: &[String],
    methods: &[String],
    known: &BTreeSet<PlanCode>,
) -> Scope {
    let mut scope = Scope::default();
    for text in plans {
        match PlanCode::parse(text) {
            Ok(code) if known.contains(&code) => scope.plans.push(code),
            _ => problems.push(Problem::new(
                "plans",
                format!("unknown plan {text:?} (not a plan of the catalog)"),
            )),
        }
    }
    for text in zones {
        match Zone::parse(text) {
            Some(zone) => scope.zones.push(zone),
            None => problems.push(Problem::new(
                "zones",
                format!("zone {text:?} is not one of hk, hk_mo, cn_hk_mo"),
            )),
        }
    }
    for text in methods {
        match Method::parse(text) {
            Some(method) => scope.methods.push(method),
            None => problems.push(Problem::new(
                "methods",
                format!("payment method {text:?} is not one of card, alipay, wechat_pay, wallet"),
            )),
        }
    }
    scope
}

pub(super) fn window(
    problems: &mut Vec<Problem>,
    starts_at: Option<&toml::Value>,
    ends_at: Option<&toml::Value>,
) -> Window {
    let window = Window {
        starts_at: instant(problems, starts_at, "starts_at"),
        ends_at: instant(problems, ends_at, "ends_at"),
    };
    if let (Some(start), Some(end)) = (window.starts_at, window.ends_at)
        && end <= start
    {
        problems.push(Problem::new("ends_at", "ends_at must be after starts_at"));
    }
    window
}
