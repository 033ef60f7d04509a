//! SQL for accounts, sessions and the login throttle (codes: `code_store`).

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::clock::{from_millis, to_millis};
use crate::db::{ConstraintExt, Tx, constraint_name};
use crate::error::{Code, Error, Result};
use crate::i18n::Locale;

use super::throttle::Counter;
use super::{Account, Email, Phone};

pub(super) fn account_from_row(row: &AnyRow) -> Result<Account> {
    let locale: String = row.try_get("locale")?;
    Ok(Account {
        id: row.try_get("id")?,
        phone: Phone::parse(&row.try_get::<String, _>("phone")?)?,
        email: Email::parse(&row.try_get::<String, _>("email")?)?,
        email_verified: row
            .try_get::<Option<i64>, _>("email_verified_at")?
            .is_some(),
        locale: Locale::parse(&locale).unwrap_or(Locale::ZhHk),
        created_at: from_millis(row.try_get("created_at")?),
    })
}

const ACCOUNT_COLUMNS: &str = "id, phone, email, email_verified_at, locale, created_at";

/// An account by its phone, or by its email once that is verified: an unproven
/// address is no way in.
pub(super) async fn find_by_login<'e, E>(
    executor: E,
    phone_or_email: &str,
) -> Result<Option<(Account, String)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(&format!(
        "SELECT {ACCOUNT_COLUMNS}, password_hash FROM accounts \
         WHERE phone = $1 OR (email = $1 AND email_verified_at IS NOT NULL)"
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

pub(super) async fn page<'e, E>(executor: E, after: &str, limit: i64) -> Result<Vec<Account>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(executor)
    .await?;
    rows.iter().map(account_from_row).collect()
}

/// The account that has this email, verified or not.
pub(super) async fn find_by_email(tx: &mut Tx, email: &Email) -> Result<Option<Account>> {
    let row = sqlx::query(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = $1"
    ))
    .bind(email.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| account_from_row(&row)).transpose()
}

/// Marks the email verified if it is still the account's; false when it is not.
pub(super) async fn mark_email_verified(
    tx: &mut Tx,
    account_id: &str,
    email: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let result = sqlx::query(
        "UPDATE accounts SET email_verified_at = $1, updated_at = $1 \
         WHERE id = $2 AND email = $3 AND email_verified_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(account_id)
    .bind(email)
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub(super) async fn insert_account(
    tx: &mut Tx,
    account: &Account,
    password_hash: &str,
) -> Result<()> {
    let now = to_millis(account.created_at);
    let result = sqlx::query(
        "INSERT INTO accounts (id, phone, email, password_hash, locale, created_at, updated_at, email_verified_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
    )
    .bind(&account.id)
    .bind(account.phone.as_str())
    .bind(account.email.as_str())
    .bind(password_hash)
    .bind(account.locale.tag())
    .bind(now)
    .bind(account.email_verified.then_some(now))
    .execute(&mut **tx)
    .await;
    result.map_err(|error| match constraint_name(&error).as_deref() {
        Some("accounts_email_key") => Error::conflict(Code::EmailTaken).on_field("email"),
        Some("accounts_phone_key") => Error::conflict(Code::PhoneTaken).on_field("phone"),
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
            Error::conflict(Code::PhoneTaken).on_field("phone"),
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
        "SELECT a.id, a.phone, a.email, a.email_verified_at, a.locale, a.created_at FROM sessions s JOIN accounts a ON a.id = s.account_id \
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

/// Failed logins, per login and per client address.
pub(super) const LOGIN_THROTTLE: Counter = Counter {
    table: "login_throttle",
    key_column: "key",
};

/// The account with this email, verified or not (the back office's search).
pub(super) async fn find_by_any_email<'e, E>(executor: E, email: &str) -> Result<Option<Account>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(executor)
    .await?;
    row.map(|row| account_from_row(&row)).transpose()
}
