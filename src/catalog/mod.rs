//! The plan catalog: plans, their versions and prices; the plans of the catalog file
//! and the one-plan edits of the admin API. (The file's promotions and coupons, and
//! the file as a whole, are [`crate::promotions`]'.)

pub mod edit;
mod entry;
pub mod fields;
mod file;
pub mod history;
mod plan;
mod store;
mod versions;

pub use entry::{PeriodEntry, PlanEntry, plan_entry_json};
pub use file::{PlanSpec, check_plan, check_plans};
pub use plan::{
    Allowance, Length, MAX_PERIODS, Period, PeriodUnit, Plan, PlanCode, Zone, format_bytes,
};
pub use store::{PlanChange, PlanReport, audit, find, import_plans, list};
pub use versions::{VersionTerms, plan_of_version, unit_prices, version, versions};

/// The catalog `serve --demo` starts with.
pub const DEMO_CATALOG: &str = include_str!("demo.toml");
