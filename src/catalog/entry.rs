//! One entry of the catalog file as written: a `[[plans]]`, `[[promotions]]` or
//! `[[coupons]]` table in TOML for `datacard plans import`, or the same fields as a
//! JSON body for the admin API (`PUT /api/v1/admin/plans/{code}`, …). Both are
//! checked by the same code ([`super::file`], [`super::promotion_file`]), so the
//! two ways in accept and refuse exactly the same things.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::money::Currency;
use crate::promotions::{FirstOrderOf, Kind, Off, Promotion, Stacking};

use super::plan::{Allowance, Plan, PlanCode};

/// A plan as the operator writes it. A change to anything but `retired` makes a new
/// version of the plan; an unchanged entry changes nothing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanEntry {
    /// 2–40 of A–Z, 0–9 and `-` (lower case is raised).
    #[schema(example = "HK-30D-20G")]
    pub(super) code: String,
    /// `hk`, `hk_mo` or `cn_hk_mo`.
    #[schema(example = "hk")]
    pub(super) zone: String,
    pub(super) period: PeriodEntry,
    /// Bytes per period (an integer), a text like `"20 GB"` (binary multiples), or
    /// `"unlimited"` together with `fair_use` and `throttle_kbps`.
    #[schema(value_type = serde_json::Value, example = "20 GB")]
    pub(super) data: toml::Value,
    /// Unlimited plans only: the volume past which the line slows down.
    #[schema(value_type = Option<serde_json::Value>, example = "50 GB")]
    pub(super) fair_use: Option<toml::Value>,
    /// Unlimited plans only: the speed past `fair_use`, 1–1000000.
    pub(super) throttle_kbps: Option<i64>,
    /// Minor units per ISO 4217 currency, each 1–100000000.
    #[schema(example = json!({"HKD": 8800}))]
    pub(super) prices: BTreeMap<String, i64>,
    /// By language (`en` needed; `zh-HK`, `zh-CN`), 1–80 characters each.
    #[schema(example = json!({"en": "Hong Kong 30 days 20 GB", "zh-HK": "香港 30 日 20GB"}))]
    pub(super) names: BTreeMap<String, String>,
    /// No new sales while retired; lines keep the periods they have.
    #[serde(default)]
    pub(super) retired: bool,
    /// When a changed version goes on sale, RFC 3339 with its offset; now when left
    /// out or in the past. Until then the version before it is sold.
    #[schema(value_type = Option<String>, format = DateTime, example = "2026-12-01T00:00:00+08:00")]
    pub(super) effective_from: Option<toml::Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodEntry {
    /// `day`, `week`, `month` or `year`.
    #[schema(example = "day")]
    pub(super) unit: String,
    /// At least 1, at most 3 years in all.
    #[schema(example = 30)]
    pub(super) count: i64,
}

/// A promotion (`kind` = `first_period` or `free_periods`) or a coupon (no `kind`:
/// the code the subscriber types). Which fields belong to which is checked, so that
/// a misplaced field gets a clear message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionEntry {
    /// 2–32 of A–Z, 0–9, `-` and `_` (lower case is raised).
    #[schema(example = "WELCOME10")]
    pub(super) code: String,
    /// Promotions only: `first_period` or `free_periods`.
    pub(super) kind: Option<String>,
    /// More than 0 and at most 100, at most two decimals; or give `amount`.
    #[schema(value_type = Option<f64>, example = 10)]
    pub(super) percent: Option<toml::Value>,
    /// Money off in minor units per currency; or give `percent`.
    pub(super) amount: Option<BTreeMap<String, i64>>,
    /// `first_period` only: `plan` (first order of the plan) or `any` (of any plan).
    pub(super) first_order_of: Option<String>,
    /// `free_periods` only: for every `buy` periods paid (1–36) …
    pub(super) buy: Option<i64>,
    /// … `free` more periods (1–36).
    pub(super) free: Option<i64>,
    /// Coupons only: uses in all, at least 1.
    pub(super) total_limit: Option<i64>,
    /// Coupons only: uses per account, at least 1, at most `total_limit`.
    pub(super) per_account_limit: Option<i64>,
    /// Coupons only: the paid periods' price before discounts must reach this.
    pub(super) min_spend: Option<BTreeMap<String, i64>>,
    /// Coupons only: listed on the plans page with its code.
    pub(super) public: Option<bool>,
    /// Only these plans (codes of plans in the catalog); all when empty.
    #[serde(default)]
    pub(super) plans: Vec<String>,
    /// Only these zones; all when empty.
    #[serde(default)]
    pub(super) zones: Vec<String>,
    /// Only these payment methods (`card`, `alipay`, `wechat_pay`, `wallet`).
    #[serde(default)]
    pub(super) methods: Vec<String>,
    /// Valid from (RFC 3339 with its offset).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub(super) starts_at: Option<toml::Value>,
    /// Valid until, after `starts_at`.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub(super) ends_at: Option<toml::Value>,
    /// `combinable` (the default) or `exclusive`.
    pub(super) stacking: Option<String>,
    /// Higher ranks first, -1000–1000 (default 0).
    pub(super) priority: Option<i64>,
    /// By language (`en` needed).
    #[serde(default)]
    #[schema(example = json!({"en": "Welcome 10 % off"}))]
    pub(super) names: BTreeMap<String, String>,
    /// Stops the offer; orders already made keep theirs.
    #[serde(default)]
    pub(super) retired: bool,
}

impl PlanEntry {
    pub fn code(&self) -> &str {
        &self.code
    }
}

impl PromotionEntry {
    pub fn code(&self) -> &str {
        &self.code
    }
}

/// The entry that describes `plan` (a version of it) as it stands: `PUT` it back
/// unchanged and nothing changes.
pub fn plan_entry_json(plan: &Plan, retired: bool) -> Value {
    let mut entry = json!({
        "code": plan.code.as_str(),
        "zone": plan.zone.as_str(),
        "period": { "unit": plan.period.unit.as_str(), "count": plan.period.count },
        "prices": money_map(&plan.prices),
        "names": plan.names,
        "retired": retired,
    });
    match plan.allowance {
        Allowance::Capped { bytes } => entry["data"] = json!(bytes),
        Allowance::Unlimited {
            fair_use_cap,
            throttle_kbps,
        } => {
            entry["data"] = json!("unlimited");
            entry["fair_use"] = json!(fair_use_cap);
            entry["throttle_kbps"] = json!(throttle_kbps);
        }
    }
    entry
}

/// The entry that describes `promotion` as it stands: `PUT` it back unchanged (to
/// `/coupons/{code}` for a coupon, `/promotions/{code}` otherwise) and nothing changes.
pub fn promotion_entry_json(promotion: &Promotion, retired: bool) -> Value {
    let scope = &promotion.scope;
    let mut entry = json!({
        "code": promotion.code.as_str(),
        "plans": scope.plans.iter().map(PlanCode::as_str).collect::<Vec<_>>(),
        "zones": scope.zones.iter().map(|z| z.as_str()).collect::<Vec<_>>(),
        "methods": scope.methods.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        "stacking": match promotion.stacking {
            Stacking::Exclusive => "exclusive",
            Stacking::Combinable => "combinable",
        },
        "priority": promotion.priority,
        "names": promotion.names,
        "retired": retired,
    });
    if let Some(at) = promotion.window.starts_at {
        entry["starts_at"] = json!(at.to_rfc3339());
    }
    if let Some(at) = promotion.window.ends_at {
        entry["ends_at"] = json!(at.to_rfc3339());
    }
    let put_off = |entry: &mut Value, off: &Off| match off {
        Off::Percent { basis_points } if basis_points % 100 == 0 => {
            entry["percent"] = json!(basis_points / 100);
        }
        Off::Percent { basis_points } => entry["percent"] = json!(f64::from(*basis_points) / 100.0),
        Off::Fixed { amounts } => entry["amount"] = money_map(amounts),
    };
    match &promotion.kind {
        Kind::FirstPeriod {
            off,
            first_order_of,
        } => {
            entry["kind"] = json!("first_period");
            entry["first_order_of"] = json!(match first_order_of {
                FirstOrderOf::Plan => "plan",
                FirstOrderOf::Any => "any",
            });
            put_off(&mut entry, off);
        }
        Kind::FreePeriods { buy, free } => {
            entry["kind"] = json!("free_periods");
            entry["buy"] = json!(buy);
            entry["free"] = json!(free);
        }
        Kind::Coupon(coupon) => {
            put_off(&mut entry, &coupon.off);
            if let Some(limit) = coupon.total_limit {
                entry["total_limit"] = json!(limit);
            }
            if let Some(limit) = coupon.per_account_limit {
                entry["per_account_limit"] = json!(limit);
            }
            if !coupon.min_spend.is_empty() {
                entry["min_spend"] = money_map(&coupon.min_spend);
            }
            entry["public"] = json!(coupon.public);
        }
    }
    entry
}

fn money_map(amounts: &BTreeMap<Currency, i64>) -> Value {
    Value::Object(
        amounts
            .iter()
            .map(|(currency, amount)| (currency.as_str().to_owned(), json!(amount)))
            .collect(),
    )
}
