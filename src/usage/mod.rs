//! Usage: records from the network applied to quota exactly once, with hourly totals,
//! enforcement when quota or validity runs out, and alerts that lead to renewal.

pub mod alert_log;
pub mod alerts;
mod batch_sql;
mod batcher;
pub mod charge;
pub mod csv;
pub mod engine;
pub mod history;
pub mod keys;
pub mod totals;
pub mod view;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use batcher::{Batcher, submit};
pub use engine::{RecordResult, ingest};

/// One record as the network reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageRecord {
    /// The network's id for this record; applied at most once, ever.
    pub id: String,
    pub iccid: String,
    /// Bytes used (uplink + downlink).
    pub bytes: i64,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
}

/// Most records one request or one engine batch takes.
pub const MAX_BATCH: usize = 10_000;
