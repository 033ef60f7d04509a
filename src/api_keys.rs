//! API keys for what talks to datacard without a subscriber's session: network
//! elements posting usage, and the operator's back office. Each kind has a table and
//! a prefix of its own, so a key of one kind never opens the other's door. A key is
//! shown once and stored hashed; its name says who acted.

use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::db::ConstraintExt;
use crate::error::{Code, Error, Result};
use crate::ids::{new_id, new_token};

/// Where one kind of key lives and what its keys look like.
pub struct KeyKind {
    table: &'static str,
    /// Every key of this kind starts with it (`dck_…`, `dco_…`).
    prefix: &'static str,
    id_prefix: &'static str,
    name_constraint: &'static str,
    /// Names a key of this kind cannot have.
    reserved: &'static [&'static str],
}

/// Network elements and upstream providers posting usage (`POST /api/v1/usage`).
pub const NETWORK: KeyKind = KeyKind {
    table: "network_keys",
    prefix: "dck_",
    id_prefix: "nk",
    name_constraint: "network_keys_name_key",
    reserved: &[],
};

/// The operator's back office (`/api/v1/admin/…`); the name is the audit log's actor.
pub const OPERATOR: KeyKind = KeyKind {
    table: "operator_keys",
    prefix: "dco_",
    id_prefix: "ok",
    name_constraint: "operator_keys_name_key",
    // What `datacard plans import` and the demo seed write as the audit log's actor.
    reserved: &["cli", "demo"],
};

/// 1–64 of letters, digits, `-`, `_` and `.`.
pub fn check_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(Error::invalid(Code::InvalidKeyName));
    }
    Ok(name)
}

/// Creates a key called `name`; returns the key, which is never shown again.
pub async fn create(app: &App, kind: &KeyKind, name: &str) -> Result<String> {
    let name = check_name(name)?;
    if kind.reserved.contains(&name) {
        return Err(Error::invalid(Code::ReservedKeyName));
    }
    let key = format!("{}{}", kind.prefix, new_token());
    store(app, kind, name, &key).await?;
    Ok(key)
}

/// Stores `key` for `name` (the demo's well-known network key goes through here too).
pub(crate) async fn store(app: &App, kind: &KeyKind, name: &str, key: &str) -> Result<()> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    sqlx::query(&format!(
        "INSERT INTO {} (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)",
        kind.table
    ))
    .bind(new_id(kind.id_prefix, now))
    .bind(name)
    .bind(crate::accounts::token_hash(key))
    .bind(to_millis(now))
    .execute(&mut *tx)
    .await
    .on_constraint(kind.name_constraint, Error::conflict(Code::KeyNameTaken))?;
    tx.commit().await?;
    Ok(())
}

/// Revokes the key called `name`; `false` when there is no such key still active.
pub async fn revoke(app: &App, kind: &KeyKind, name: &str) -> Result<bool> {
    let mut tx = app.db.begin().await?;
    let result = sqlx::query(&format!(
        "UPDATE {} SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
        kind.table
    ))
    .bind(to_millis(app.now()))
    .bind(name.trim())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(result.rows_affected() == 1)
}

/// The name a key belongs to, if the key is of this kind, valid and not revoked.
pub async fn authenticate(app: &App, kind: &KeyKind, key: &str) -> Result<Option<String>> {
    // The demo's well-known keys open nothing outside demo mode, even when a demo
    // left them in the database.
    if app.refuses_outside_demo(key) {
        tracing::warn!(
            kind = kind.table,
            "a demo key was presented outside demo mode"
        );
        return Ok(None);
    }
    stored_name(app, kind, key).await
}

/// The name of the live key `key`, whoever may use it (the start-up check for demo
/// seeds uses this).
pub async fn stored_name(app: &App, kind: &KeyKind, key: &str) -> Result<Option<String>> {
    if !key.starts_with(kind.prefix) || key.len() > 100 {
        return Ok(None);
    }
    let row = sqlx::query(&format!(
        "SELECT name FROM {} WHERE key_hash = $1 AND revoked_at IS NULL",
        kind.table
    ))
    .bind(crate::accounts::token_hash(key))
    .fetch_optional(app.db.reader())
    .await?;
    Ok(row.map(|row| row.try_get("name")).transpose()?)
}
