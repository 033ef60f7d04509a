//! One promotion or coupon of the catalog file as written: a `[[promotions]]` or
//! `[[coupons]]` table in TOML for `datacard plans import`, or the same fields as a
//! JSON body for the admin API (`PUT /api/v1/admin/promotions/{code}`, …). Both are
//! checked by the same code ([`super::file`]), so the two ways in accept and refuse
//! exactly the same things.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::catalog::PlanCode;
use crate::catalog::fields::money_map;

use super::{FirstOrderOf, Kind, Off, Promotion, Stacking};

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

impl PromotionEntry {
    pub fn code(&self) -> &str {
        &self.code
    }
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
