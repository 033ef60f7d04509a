//! One process-wide HTTP client for the payment adapters. The adapters are made
//! afresh for every use ([`super::provider_for`]); sharing the client keeps its
//! connection pool (and TLS sessions) across calls, and loads the TLS roots once.
//! Each adapter sets its own timeout on every request.

use std::sync::OnceLock;

/// A handle on the shared client (cloning it shares the pool).
pub fn client() -> reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .user_agent(concat!("datacard/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default()
        })
        .clone()
}
