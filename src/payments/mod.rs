//! Payments: one attempt per provider order, driven by a single idempotent `apply`,
//! the provider adapters, and the reconciliation jobs that ask providers about
//! payments whose confirmation is late or lost.

pub mod alipay;
pub mod apply;
pub mod http;
pub mod operator;
pub mod provider;
pub mod reconcile;
pub mod rsa;
pub mod sandbox;
pub mod saved_cards;
pub mod state;
pub mod store;
pub mod stripe;
pub mod wechat_pay;

pub use apply::{Applied, apply};
pub use provider::{
    CreateRequest, Created, NextAction, Notification, Observation, Payer, Provider, ProviderError,
};
pub use state::{PaymentState, ProviderStatus, next_state};

use crate::app::App;

/// The adapter for a provider name from the configuration.
pub fn provider_for(app: &App, name: &str) -> Option<Box<dyn Provider>> {
    match name {
        "sandbox" => Some(Box::new(sandbox::SandboxProvider::new(app))),
        "stripe" => Some(Box::new(stripe::StripeProvider::new(app))),
        "alipay" => configured(name, alipay::AlipayProvider::new(app)),
        "wechat_pay" => configured(name, wechat_pay::WechatPayProvider::new(app)),
        _ => None,
    }
}

/// Keys that do not load were refused by `Config::validate` at start; this only logs.
fn configured<P: Provider>(name: &str, adapter: anyhow::Result<P>) -> Option<Box<dyn Provider>> {
    match adapter {
        Ok(adapter) => Some(Box::new(adapter)),
        Err(error) => {
            tracing::error!(provider = name, error = %format!("{error:#}"), "payment provider not configured");
            None
        }
    }
}
