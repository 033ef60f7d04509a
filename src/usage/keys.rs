//! API keys for network elements and upstream providers: shown once, stored hashed
//! (see [`crate::api_keys`]).

use crate::api_keys::{self, NETWORK};
use crate::app::App;
use crate::error::Result;

/// Creates a key called `name`; returns the key, which is never shown again.
pub async fn create(app: &App, name: &str) -> Result<String> {
    api_keys::create(app, &NETWORK, name).await
}

/// Stores `key` for `name` (the demo's well-known key goes through here too).
pub(crate) async fn store(app: &App, name: &str, key: &str) -> Result<()> {
    api_keys::store(app, &NETWORK, name, key).await
}

pub async fn revoke(app: &App, name: &str) -> Result<bool> {
    api_keys::revoke(app, &NETWORK, name).await
}

/// The name of the source a key belongs to, if the key is valid and not revoked.
pub async fn authenticate(app: &App, key: &str) -> Result<Option<String>> {
    api_keys::authenticate(app, &NETWORK, key).await
}
