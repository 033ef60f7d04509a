//! SQL for accounts, verification codes, sessions and the login throttle.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::clock::{from_millis, to_millis};
use crate::db::{ConstraintExt, Tx, constraint_name};
use crate::error::{Error, Result};
use crate::i18n::Locale;

use super::codes::{CodeRecord, Purpose, SendHistory};
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

/// Two requests for the same destination at once must not both pass the cooldown:
/// on PostgreSQL they take turns on an advisory lock for the rest of the transaction
/// (SQLite has a single writer already).
pub(super) async fn serialise_sends(
    tx: &mut Tx,
    backend: crate::db::Backend,
    destination: &str,
) -> Result<()> {
    if backend == crate::db::Backend::Postgres {
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS locked")
            .bind(destination)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub(super) async fn send_history(
    tx: &mut Tx,
    destination: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<SendHistory> {
    let hour_ago = to_millis(now - chrono::Duration::hours(1));
    let mut history = SendHistory::default();
    let rows = sqlx::query(
        "SELECT created_at FROM verification_codes WHERE destination = $1 AND created_at > $2 ORDER BY created_at",
    )
    .bind(destination)
    .bind(hour_ago)
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        history
            .to_destination_last_hour
            .push(from_millis(row.try_get("created_at")?));
    }
    let rows = sqlx::query(
        "SELECT created_at FROM verification_codes WHERE client_addr = $1 AND created_at > $2 ORDER BY created_at",
    )
    .bind(client)
    .bind(hour_ago)
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        history
            .from_client_last_hour
            .push(from_millis(row.try_get("created_at")?));
    }
    history.last_to_destination = history.to_destination_last_hour.last().copied();
    Ok(history)
}

pub(super) struct NewCode<'a> {
    pub id: &'a str,
    pub destination: &'a str,
    pub purpose: Purpose,
    pub code_hash: &'a str,
    pub account_id: Option<&'a str>,
    pub payload: Option<&'a str>,
    pub client: &'a str,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Stores a new code and closes the older open ones for the same destination and purpose.
pub(super) async fn insert_code(tx: &mut Tx, code: &NewCode<'_>) -> Result<()> {
    let now = to_millis(code.created_at);
    sqlx::query(
        "UPDATE verification_codes SET closed_at = $1 \
         WHERE destination = $2 AND purpose = $3 AND closed_at IS NULL",
    )
    .bind(now)
    .bind(code.destination)
    .bind(code.purpose.as_str())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO verification_codes \
         (id, destination, purpose, code_hash, account_id, payload, client_addr, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(code.id)
    .bind(code.destination)
    .bind(code.purpose.as_str())
    .bind(code.code_hash)
    .bind(code.account_id)
    .bind(code.payload)
    .bind(code.client)
    .bind(now)
    .bind(to_millis(code.expires_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) struct StoredCode {
    pub id: String,
    pub code_hash: String,
    pub account_id: Option<String>,
    pub payload: Option<String>,
    pub record: CodeRecord,
}

/// The newest code for the destination and purpose, open or not.
pub(super) async fn latest_code(
    tx: &mut Tx,
    destination: &str,
    purpose: Purpose,
) -> Result<Option<StoredCode>> {
    let row = sqlx::query(
        "SELECT id, code_hash, account_id, payload, expires_at, attempts, closed_at FROM verification_codes \
         WHERE destination = $1 AND purpose = $2 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(destination)
    .bind(purpose.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| {
        Ok(StoredCode {
            id: row.try_get("id")?,
            code_hash: row.try_get("code_hash")?,
            account_id: row.try_get("account_id")?,
            payload: row.try_get("payload")?,
            record: CodeRecord {
                expires_at: from_millis(row.try_get("expires_at")?),
                attempts: row.try_get("attempts")?,
                closed: row.try_get::<Option<i64>, _>("closed_at")?.is_some(),
            },
        })
    })
    .transpose()
}

/// Uses up one try of the code; false when none is left (or it was closed meanwhile).
pub(super) async fn take_attempt(tx: &mut Tx, code_id: &str, max_attempts: i64) -> Result<bool> {
    let result = sqlx::query(
        "UPDATE verification_codes SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2 AND closed_at IS NULL",
    )
    .bind(code_id)
    .bind(max_attempts)
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Closes the code if it is still open; false when someone else used it first.
pub(super) async fn close_code(tx: &mut Tx, code_id: &str, now: DateTime<Utc>) -> Result<bool> {
    let result = sqlx::query(
        "UPDATE verification_codes SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(code_id)
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
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
