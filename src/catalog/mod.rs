//! The plan catalog: plans, their versions and prices; the promotions and coupons on
//! them; the catalog file and the one-entry edits of the admin API.

pub mod edit;
mod entry;
mod file;
pub mod history;
mod plan;
mod promotion_fields;
mod promotion_file;
mod promotion_store;
mod store;

pub use entry::{PeriodEntry, PlanEntry, PromotionEntry, plan_entry_json, promotion_entry_json};
pub use file::{CatalogFile, PlanSpec, check_plan, parse};
pub use plan::{Allowance, Period, PeriodUnit, Plan, PlanCode, Zone, format_bytes};
pub use promotion_file::{PromotionSpec, check as check_promotion};
pub use promotion_store::{PromotionChange, PromotionReport};
pub use store::{ImportReport, PlanChange, audit, find, import, list};

/// The catalog `serve --demo` starts with.
pub const DEMO_CATALOG: &str = include_str!("demo.toml");
