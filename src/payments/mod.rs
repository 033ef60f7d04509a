//! Payments: the methods a subscriber pays by, the provider trait and its adapters,
//! the payment attempts and the events about them (store), and saved cards. What a
//! payment's news does to its order (settling, refunds, expiry, reconciliation) is
//! the orders module's: payments knows nothing of orders.

pub mod alipay;
pub mod attention;
mod config_check;
pub mod decline;
pub mod http;
pub mod lookup;
mod method;
pub mod provider;
pub mod registry;
pub mod reports;
pub mod rsa;
pub mod saved_cards;
pub mod state;
pub mod store;
pub mod stripe;
pub mod unusual;
pub mod wechat_pay;

pub use config_check::check_config;
pub use decline::Decline;
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
