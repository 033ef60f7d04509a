//! The payment providers an installation runs, built once at start from the typed
//! configuration and held by the [`App`](crate::app::App): every order, webhook,
//! status query, close and refund finds its adapter here, by the provider's name.
//! Adapters keep their parsed keys and the shared HTTP client for the life of the
//! process.

use std::collections::HashMap;
use std::sync::Arc;

use super::provider::{Provider, ProviderName};
use super::stripe::StripeProvider;

#[derive(Default, Clone)]
pub struct Providers {
    adapters: HashMap<ProviderName, Arc<dyn Provider>>,
    /// The Stripe adapter as itself, for what only Stripe does (the card page's
    /// client secret, saved cards).
    stripe: Option<Arc<StripeProvider>>,
    /// A hosted card page that stands in for Stripe.js on our card page: (app,
    /// PaymentIntent id, client secret, return URL) → its address. Only the demo's
    /// fake Stripe sets one.
    pub hosted_card_page: Option<HostedCardPage>,
}

pub type HostedCardPage = fn(&crate::app::App, &str, &str, &str) -> Option<String>;

impl Providers {
    /// The adapter for `name`, if this installation runs it.
    pub fn get(&self, name: ProviderName) -> Option<Arc<dyn Provider>> {
        self.adapters.get(&name).cloned()
    }

    pub fn stripe(&self) -> Option<Arc<StripeProvider>> {
        self.stripe.clone()
    }

    pub fn insert(&mut self, adapter: Arc<dyn Provider>) {
        self.adapters.insert(adapter.name(), adapter);
    }

    pub fn insert_stripe(&mut self, adapter: Arc<StripeProvider>) {
        self.stripe = Some(adapter.clone());
        self.adapters.insert(ProviderName::Stripe, adapter);
    }
}
