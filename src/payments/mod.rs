//! Payments: one attempt per provider order, driven by a single idempotent `apply`,
//! the provider adapters, and the reconciliation jobs that ask providers about
//! payments whose confirmation is late or lost.

pub mod apply;
pub mod operator;
pub mod provider;
pub mod reconcile;
pub mod sandbox;
pub mod state;
pub mod store;

pub use apply::{Applied, apply};
pub use provider::{
    CreateRequest, Created, NextAction, Notification, Observation, Provider, ProviderError,
};
pub use state::{PaymentState, ProviderStatus, next_state};

use crate::app::App;

/// The adapter for a provider name from the configuration.
pub fn provider_for(app: &App, name: &str) -> Option<Box<dyn Provider>> {
    match name {
        "sandbox" => Some(Box::new(sandbox::SandboxProvider::new(app))),
        _ => None,
    }
}
