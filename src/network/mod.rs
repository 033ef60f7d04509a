//! The network side: what we tell the host network (or upstream eSIM provider) about
//! a line — throttle, suspend, resume — through one adapter trait. Recording and
//! delivering those orders (line events) belongs to [`crate::lines`].

mod http;
mod sandbox;

use serde::{Deserialize, Serialize};

use crate::app::App;

pub use http::HttpNetwork;
pub use sandbox::{SandboxNetwork, told};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Throttle { kbps: u32 },
    Suspend,
    Resume,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Throttle { .. } => "throttle",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
        }
    }
}

#[async_trait::async_trait]
pub trait Network: Send + Sync + 'static {
    /// Tells the network; `event_id` lets it ignore a repeat.
    async fn apply(&self, event_id: &str, iccid: &str, action: &Action) -> anyhow::Result<()>;
}

pub fn adapter(app: &App) -> Box<dyn Network> {
    match app.config.network.adapter.as_str() {
        "http" => Box::new(HttpNetwork::new(&app.config.network)),
        _ => Box::new(SandboxNetwork::new(app)),
    }
}

/// How long to wait before delivering an order to the network again, after
/// `attempts` tries: 20 s doubling up to about 43 minutes.
pub fn retry_after(attempts: i64) -> chrono::Duration {
    chrono::Duration::seconds(10 * 2i64.pow(u32::try_from(attempts.clamp(1, 8)).unwrap_or(8)))
}

/// Why a line is as it is, for the account page.
pub fn is_known_reason(reason: &str) -> bool {
    matches!(reason, "quota_exhausted" | "fair_use" | "no_period_left")
}
