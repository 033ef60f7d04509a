//! The plan catalog: plans, their versions and prices.

mod file;
mod plan;
mod promotion_fields;
mod promotion_file;
mod promotion_store;
mod store;

pub use file::{CatalogFile, PlanSpec, parse};
pub use plan::{Allowance, Period, PeriodUnit, Plan, PlanCode, Zone, format_bytes};
pub use promotion_file::PromotionSpec;
pub use promotion_store::PromotionReport;
pub use store::{ImportReport, audit, find, import, list};

/// The catalog `serve --demo` starts with.
pub const DEMO_CATALOG: &str = include_str!("demo.toml");
