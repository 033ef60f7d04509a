//! One plan of the catalog file as written: a `[[plans]]` table in TOML for
//! `datacard plans import`, or the same fields as a JSON body for the admin API
//! (`PUT /api/v1/admin/plans/{code}`). Both are checked by the same code
//! ([`super::file`]), so the two ways in accept and refuse exactly the same things.
//! (`[[promotions]]` and `[[coupons]]` entries: [`crate::promotions::PromotionEntry`].)

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::fields::money_map;
use super::plan::{Allowance, Plan};

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

impl PlanEntry {
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
