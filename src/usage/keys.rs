//! API keys for network elements and upstream providers: shown once, stored hashed.

use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::db::ConstraintExt;
use crate::error::{Error, Result};
use crate::ids::{new_id, new_token};

/// Creates a key called `name`; returns the key, which is never shown again.
pub async fn create(app: &App, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(Error::invalid("invalid_key_name"));
    }
    let key = format!("dck_{}", new_token());
    store(app, name, &key).await?;
    Ok(key)
}

/// Stores `key` for `name` (the demo's well-known key goes through here too).
pub(crate) async fn store(app: &App, name: &str, key: &str) -> Result<()> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "INSERT INTO network_keys (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(new_id("nk", now))
    .bind(name)
    .bind(crate::accounts::token_hash(key))
    .bind(to_millis(now))
    .execute(&mut *tx)
    .await
    .on_constraint("network_keys_name_key", Error::conflict("key_name_taken"))?;
    tx.commit().await?;
    Ok(())
}

pub async fn revoke(app: &App, name: &str) -> Result<bool> {
    let mut tx = app.db.begin().await?;
    let result = sqlx::query(
        "UPDATE network_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
    )
    .bind(to_millis(app.now()))
    .bind(name)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(result.rows_affected() == 1)
}

/// The name of the source a key belongs to, if the key is valid and not revoked.
pub async fn authenticate(app: &App, key: &str) -> Result<Option<String>> {
    if !key.starts_with("dck_") || key.len() > 100 {
        return Ok(None);
    }
    let row =
        sqlx::query("SELECT name FROM network_keys WHERE key_hash = $1 AND revoked_at IS NULL")
            .bind(crate::accounts::token_hash(key))
            .fetch_optional(app.db.reader())
            .await?;
    Ok(row.map(|row| row.try_get("name")).transpose()?)
}
