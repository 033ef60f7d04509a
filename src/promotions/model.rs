//! Promotions as data: what the operator's catalog file defines, stored as JSON and
//! evaluated by [`super::evaluate`]. Pure types, no storage.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::{PlanCode, Zone};
use crate::i18n::Locale;
use crate::money::{Currency, Money};
use crate::payments::Method;

/// What identifies a promotion; for a coupon, the code the subscriber types.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PromotionCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a promotion or coupon code is 2–32 of A–Z, 0–9, - and _")]
pub struct InvalidCode;

impl PromotionCode {
    /// 2–32 characters of `A–Z`, `0–9`, `-` and `_`; lower case is raised, so that
    /// `welcome10` typed at checkout is `WELCOME10`.
    pub fn parse(input: &str) -> Result<PromotionCode, InvalidCode> {
        let code = input.trim().to_ascii_uppercase();
        let ok = (2..=32).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(PromotionCode(code))
        } else {
            Err(InvalidCode)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PromotionCode {
    type Error = InvalidCode;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PromotionCode::parse(&value)
    }
}

impl From<PromotionCode> for String {
    fn from(value: PromotionCode) -> Self {
        value.0
    }
}

impl fmt::Display for PromotionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How much comes off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Off {
    /// Hundredths of a percent of what the discount covers: 3000 is 30 %, 1–10 000.
    Percent { basis_points: u32 },
    /// A fixed amount in minor units, per currency; no amount in the order's
    /// currency means the promotion does not apply.
    Fixed { amounts: BTreeMap<Currency, i64> },
}

impl Off {
    /// `30 %`, `12.5 %` or `HK$20.00`, for people in any language.
    pub fn describe(&self, currency: Currency) -> String {
        match self {
            Off::Percent { basis_points } => {
                let whole = basis_points / 100;
                match basis_points % 100 {
                    0 => format!("{whole} %"),
                    cents if cents % 10 == 0 => format!("{whole}.{} %", cents / 10),
                    cents => format!("{whole}.{cents:02} %"),
                }
            }
            Off::Fixed { amounts } => amounts
                .get(&currency)
                .map(|amount| Money::new(*amount, currency).to_string())
                .unwrap_or_default(),
        }
    }
}

/// Which earlier orders make an order not the "first".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstOrderOf {
    /// The account's first order of the plan being bought.
    Plan,
    /// The account's first order of any plan.
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coupon {
    pub off: Off,
    /// The paid periods' price before discounts must reach this (per currency).
    #[serde(default)]
    pub min_spend: BTreeMap<Currency, i64>,
    pub total_limit: Option<u32>,
    pub per_account_limit: Option<u32>,
    /// Shown on the plans page with its code; otherwise only those told know it.
    #[serde(default)]
    pub public: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Kind {
    /// Money off the first period of an account's first order.
    FirstPeriod {
        off: Off,
        first_order_of: FirstOrderOf,
    },
    /// For every `buy` periods paid, `free` more periods on the line at no charge.
    FreePeriods { buy: u32, free: u32 },
    /// Money off the paid periods when the subscriber enters the code.
    Coupon(Coupon),
}

/// One of each kind applies at most (see the winning rule in [`super`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindTag {
    FirstPeriod,
    FreePeriods,
    Coupon,
}

impl KindTag {
    pub fn as_str(self) -> &'static str {
        match self {
            KindTag::FirstPeriod => "first_period",
            KindTag::FreePeriods => "free_periods",
            KindTag::Coupon => "coupon",
        }
    }
}

impl Kind {
    pub fn tag(&self) -> KindTag {
        match self {
            Kind::FirstPeriod { .. } => KindTag::FirstPeriod,
            Kind::FreePeriods { .. } => KindTag::FreePeriods,
            Kind::Coupon(_) => KindTag::Coupon,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stacking {
    /// Applies alone, when it ranks first.
    Exclusive,
    /// Applies together with the other combinable promotions.
    Combinable,
}

/// Restrictions; an empty list admits everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    #[serde(default)]
    pub plans: Vec<PlanCode>,
    #[serde(default)]
    pub zones: Vec<Zone>,
    #[serde(default)]
    pub methods: Vec<Method>,
}

impl Scope {
    pub fn admits_plan(&self, plan: &PlanCode, zone: Zone) -> bool {
        (self.plans.is_empty() || self.plans.contains(plan))
            && (self.zones.is_empty() || self.zones.contains(&zone))
    }

    pub fn admits_method(&self, method: Method) -> bool {
        self.methods.is_empty() || self.methods.contains(&method)
    }
}

/// Valid from `starts_at` (inclusive) until `ends_at` (exclusive); open when `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

impl Window {
    pub fn started(&self, now: DateTime<Utc>) -> bool {
        self.starts_at.is_none_or(|at| at <= now)
    }

    pub fn ended(&self, now: DateTime<Utc>) -> bool {
        self.ends_at.is_some_and(|at| at <= now)
    }

    pub fn contains(&self, now: DateTime<Utc>) -> bool {
        self.started(now) && !self.ended(now)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    pub code: PromotionCode,
    #[serde(flatten)]
    pub kind: Kind,
    /// What the subscriber reads, by language (`en` always there).
    pub names: BTreeMap<String, String>,
    #[serde(default)]
    pub scope: Scope,
    #[serde(default)]
    pub window: Window,
    pub stacking: Stacking,
    /// Higher ranks first.
    pub priority: i32,
}

impl Promotion {
    pub fn name(&self, locale: Locale) -> &str {
        name_in(&self.names, locale).unwrap_or(self.code.as_str())
    }

    pub fn coupon(&self) -> Option<&Coupon> {
        match &self.kind {
            Kind::Coupon(coupon) => Some(coupon),
            _ => None,
        }
    }
}

/// A name in `locale`, else its fallbacks'.
pub use crate::i18n::name_in;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_upper_case_and_plain() {
        assert_eq!(
            PromotionCode::parse(" welcome10 ").unwrap().as_str(),
            "WELCOME10"
        );
        for bad in ["", "A", "WELCOME 10", "優惠", &"A".repeat(33), "X;DROP"] {
            assert!(PromotionCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn percentages_read_naturally() {
        let hkd = Currency::HKD;
        let p = |basis_points| Off::Percent { basis_points }.describe(hkd);
        assert_eq!(p(3000), "30 %");
        assert_eq!(p(1250), "12.5 %");
        assert_eq!(p(1), "0.01 %");
        let fixed = Off::Fixed {
            amounts: BTreeMap::from([(hkd, 2000)]),
        };
        assert_eq!(fixed.describe(hkd), "HK$20.00");
    }

    #[test]
    fn definitions_round_trip_as_json() {
        let promotion = Promotion {
            code: PromotionCode::parse("BUY3GET1").unwrap(),
            kind: Kind::FreePeriods { buy: 3, free: 1 },
            names: BTreeMap::from([("en".to_owned(), "Buy 3 get 1 free".to_owned())]),
            scope: Scope::default(),
            window: Window::default(),
            stacking: Stacking::Combinable,
            priority: 10,
        };
        let json = serde_json::to_string(&promotion).unwrap();
        assert!(json.contains("\"kind\":\"free_periods\""), "{json}");
        assert_eq!(serde_json::from_str::<Promotion>(&json).unwrap(), promotion);
    }
}
