//! The built-in sandbox provider (demo mode and tests only): a fake bank
//! ([`bank`]) with a hosted pay page ([`page`]) and signed notifications a moment
//! later, behind the same [`Provider`](crate::payments::Provider) trait as the real
//! adapters ([`provider`]).

pub mod bank;
mod page;
mod provider;

pub use page::routes;
pub use provider::SandboxProvider;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::app::App;

/// The key that signs the sandbox's notifications: `payments.sandbox.webhook_secret`
/// when set, otherwise one derived from the server's secret, so that it is never a
/// value printed in a README.
pub fn webhook_secret(app: &App) -> Vec<u8> {
    let configured = app.config.payments.sandbox.webhook_secret.expose();
    if !configured.is_empty() {
        return configured.as_bytes().to_vec();
    }
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&app.secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(b"datacard sandbox webhook secret");
    hex::encode(mac.finalize().into_bytes()).into_bytes()
}
