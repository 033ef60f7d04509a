//! The plan catalog: plans, their versions and prices.

mod file;
mod plan;
mod store;

pub use file::{PlanSpec, parse};
pub use plan::{Allowance, Period, PeriodUnit, Plan, PlanCode, Zone, format_bytes};
pub use store::{ImportReport, audit, find, import, list};

/// The catalog `serve --demo` starts with.
pub const DEMO_CATALOG: &str = include_str!("demo.toml");
