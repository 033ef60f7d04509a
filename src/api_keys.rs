//! API keys for what talks to datacard without a subscriber's session: network
//! elements posting usage, and the operator's back office. Each kind has a table and
//! a prefix of its own, so a key of one kind never opens the other's door. A key is
//! shown once and stored hashed; its name says who acted. An operator key also has a
//! role ([`crate::staff::Role`]), which decides what it may do, as for staff.

use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::db::ConstraintExt;
use crate::error::{Code, Error, Result};
use crate::ids::{new_id, new_token};
use crate::staff::Role;

/// Where one kind of key lives and what its keys look like.
pub struct KeyKind {
    table: &'static str,
    /// Every key of this kind starts with it (`dck_…`, `dco_…`).
    prefix: &'static str,
    id_prefix: &'static str,
    name_constraint: &'static str,
    /// Names a key of this kind cannot have.
    reserved: &'static [&'static str],
    /// Its keys carry a role (operator keys).
    has_role: bool,
}

/// Network elements and upstream providers posting usage (`POST /api/v1/usage`).
pub const NETWORK: KeyKind = KeyKind {
    table: "network_keys",
    prefix: "dck_",
    id_prefix: "nk",
    name_constraint: "network_keys_name_key",
    reserved: &[],
    has_role: false,
};

/// The operator's back office (`/api/v1/admin/…`); the name is the audit log's actor.
pub const OPERATOR: KeyKind = KeyKind {
    table: "operator_keys",
    prefix: "dco_",
    id_prefix: "ok",
    name_constraint: "operator_keys_name_key",
    // What `datacard plans import` and the demo seed write as the audit log's actor.
    reserved: &["cli", "demo"],
    has_role: true,
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

/// Creates a key called `name`; returns the key, which is never shown again. An
/// operator key made here is an admin's; see [`create_operator`].
pub async fn create(app: &App, kind: &KeyKind, name: &str) -> Result<String> {
    create_with_role(app, kind, name, Role::Admin).await
}

/// Creates an operator key that acts with `role`.
pub async fn create_operator(app: &App, name: &str, role: Role) -> Result<String> {
    create_with_role(app, &OPERATOR, name, role).await
}

async fn create_with_role(app: &App, kind: &KeyKind, name: &str, role: Role) -> Result<String> {
    let name = check_name(name)?;
    if kind.reserved.contains(&name) {
        return Err(Error::invalid(Code::ReservedKeyName));
    }
    let key = format!("{}{}", kind.prefix, new_token());
    store_with_role(app, kind, name, &key, role).await?;
    Ok(key)
}

/// Stores `key` for `name` (the demo's well-known network key goes through here too).
pub(crate) async fn store(app: &App, kind: &KeyKind, name: &str, key: &str) -> Result<()> {
    store_with_role(app, kind, name, key, Role::Admin).await
}

async fn store_with_role(
    app: &App,
    kind: &KeyKind,
    name: &str,
    key: &str,
    role: Role,
) -> Result<()> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let sql = if kind.has_role {
        format!(
            "INSERT INTO {} (id, name, key_hash, created_at, role) VALUES ($1, $2, $3, $4, $5)",
            kind.table
        )
    } else {
        format!(
            "INSERT INTO {} (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)",
            kind.table
        )
    };
    let mut insert = sqlx::query(&sql)
        .bind(new_id(kind.id_prefix, now))
        .bind(name)
        .bind(crate::accounts::token_hash(key))
        .bind(to_millis(now));
    if kind.has_role {
        insert = insert.bind(role.as_str());
    }
    insert
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

/// The name and role of the live operator key `key` (refused outside demo mode when
/// it is one of the demo's).
pub async fn authenticate_operator(app: &App, key: &str) -> Result<Option<(String, Role)>> {
    let Some(name) = authenticate(app, &OPERATOR, key).await? else {
        return Ok(None);
    };
    let row = sqlx::query("SELECT role FROM operator_keys WHERE name = $1 AND revoked_at IS NULL")
        .bind(&name)
        .fetch_optional(app.db.reader())
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some((
        name,
        Role::parse(&row.try_get::<String, _>("role")?)?,
    )))
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
