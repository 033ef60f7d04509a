//! Payments: one attempt per provider order, driven by a single idempotent `apply`,
//! the provider adapters, and the reconciliation jobs that ask providers about
//! payments whose confirmation is late or lost.

pub mod alipay;
pub mod apply;
pub mod http;
mod method;
pub mod operator;
pub mod provider;
pub mod reconcile;
pub mod registry;
pub mod rsa;
pub mod saved_cards;
pub mod state;
pub mod store;
pub mod stripe;
pub mod wechat_pay;

pub use apply::{Applied, apply};
pub use method::Method;
pub use provider::{
    CreateRequest, Created, NextAction, Notification, Observation, Payer, Provider, ProviderError,
    ProviderName,
};
pub use registry::Providers;
pub use state::{PaymentState, ProviderStatus, next_state};

use crate::app::App;

/// The adapter for a provider's name, if this installation runs it (built once at
/// start; see [`registry`]).
pub fn provider_for(app: &App, name: &str) -> Option<std::sync::Arc<dyn Provider>> {
    app.providers().get(ProviderName::parse(name)?)
}
