//! SQL for accounts, sessions and the login throttle (codes: `code_store`).

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::clock::{from_millis, to_millis};
use crate::db::{ConstraintExt, Tx, constraint_name};
use crate::error::{Error, Result};
use crate::i18n::Locale;

use super::{Account, Email, Phone};

pub(super) fn account_from_row(row: &AnyRow) -> Result<Account> {
    let locale: String = row.try_get("locale")?;
    Ok(Account {
        id: row.try_get("id")?,
        phone: Phone::parse(&row.try_get::<String, _>("phone")?)?,
        email: Email::parse(&row.try_get::<String, _>("email")?)?,
        locale: Locale::parse(&locale).unwrap_or(Locale::ZhHk),
        created_at: from_millis(row.try_get("created_at")?),
    })
}

const ACCOUNT_COLUMNS: &str = "id, phone, email, locale, created_at";

pub(super) async fn find_by_login<'e, E>(
    executor: E,
    phone_or_email: &str,
) -> Result<Option<(Account, String)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(&format!(
        "SELECT {ACCOUNT_COLUMNS}, password_hash FROM accounts WHERE phone = $1 OR email = $1"
    ))
    .bind(phone_or_email)
    .fetch_optional(executor)
    .await?;
    row.map(|row| Ok((account_from_row(&row)?, row.try_get("password_hash")?)))
        .transpose()
}

pub(super) async fn find_by_id<'e, E>(executor: E, id: &str) -> Result<Option<Account>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(executor)
    .await?;
    row.map(|row| account_from_row(&row)).transpose()
}

pub(super) async fn insert_account(
    tx: &mut Tx,
    account: &Account,
    password_hash: &str,
) -> Result<()> {
    let now = to_millis(account.created_at);
    let result = sqlx::query(
        "INSERT INTO accounts (id, phone, email, password_hash, locale, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&account.id)
    .bind(account.phone.as_str())
    .bind(account.email.as_str())
    .bind(password_hash)
    .bind(account.locale.tag())
    .bind(now)
    .execute(&mut **tx)
    .await;
    result.map_err(|error| match constraint_name(&error).as_deref() {
        Some("accounts_email_key") => Error::conflict("email_taken").on_field("email"),
        Some("accounts_phone_key") => Error::conflict("phone_taken").on_field("phone"),
        _ => Error::from(error),
    })?;
    Ok(())
}

pub(super) async fn update_password(
    tx: &mut Tx,
    account_id: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(to_millis(now))
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) async fn update_phone(
    tx: &mut Tx,
    account_id: &str,
    phone: &Phone,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE accounts SET phone = $1, updated_at = $2 WHERE id = $3")
        .bind(phone.as_str())
        .bind(to_millis(now))
        .bind(account_id)
        .execute(&mut **tx)
        .await
        .on_constraint(
            "accounts_phone_key",
            Error::conflict("phone_taken").on_field("phone"),
        )?;
    Ok(())
}

pub(super) async fn update_locale(tx: &mut Tx, account_id: &str, locale: Locale) -> Result<()> {
    sqlx::query("UPDATE accounts SET locale = $1 WHERE id = $2")
        .bind(locale.tag())
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) async fn insert_session(
    tx: &mut Tx,
    id: &str,
    token_hash: &str,
    account_id: &str,
    kind: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, account_id, kind, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(token_hash)
    .bind(account_id)
    .bind(kind)
    .bind(to_millis(now))
    .bind(to_millis(expires_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn session_account<'e, E>(
    executor: E,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Account>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT a.id, a.phone, a.email, a.locale, a.created_at FROM sessions s JOIN accounts a ON a.id = s.account_id \
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2",
    )
    .bind(token_hash)
    .bind(to_millis(now))
    .fetch_optional(executor)
    .await?;
    row.map(|row| account_from_row(&row)).transpose()
}

pub(super) async fn revoke_session(
    tx: &mut Tx,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
        .bind(to_millis(now))
        .bind(token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) async fn revoke_all_sessions(
    tx: &mut Tx,
    account_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL")
        .bind(to_millis(now))
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) struct Throttle {
    pub failures: i64,
    pub locked_until: DateTime<Utc>,
    /// When the last failure was counted.
    pub updated_at: DateTime<Utc>,
}

pub(super) async fn throttle(tx: &mut Tx, key: &str) -> Result<Throttle> {
    let row =
        sqlx::query("SELECT failures, locked_until, updated_at FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(match row {
        Some(row) => Throttle {
            failures: row.try_get("failures")?,
            locked_until: from_millis(row.try_get("locked_until")?),
            updated_at: from_millis(row.try_get("updated_at")?),
        },
        None => Throttle {
            failures: 0,
            locked_until: DateTime::<Utc>::MIN_UTC,
            updated_at: DateTime::<Utc>::MIN_UTC,
        },
    })
}

pub(super) async fn save_throttle(
    tx: &mut Tx,
    key: &str,
    throttle: &Throttle,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO login_throttle (key, failures, locked_until, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, \
         updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(throttle.failures)
    .bind(to_millis(throttle.locked_until).max(0))
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn clear_throttle(tx: &mut Tx, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
