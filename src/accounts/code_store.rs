//! SQL for verification codes: the send history the limits look at, storing a code,
//! and taking tries at it.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::clock::{from_millis, to_millis};
use crate::db::Tx;
use crate::error::Result;

use super::codes::{CodeRecord, Purpose, SendHistory};

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

/// A code row as the sender sees it.
pub(super) struct QueuedCode {
    pub destination: String,
    pub purpose: Purpose,
    pub account_id: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub closed: bool,
}

pub(super) async fn queued_code(tx: &mut Tx, code_id: &str) -> Result<Option<QueuedCode>> {
    let row = sqlx::query(
        "SELECT destination, purpose, account_id, expires_at, closed_at FROM verification_codes WHERE id = $1",
    )
    .bind(code_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let Some(purpose) = Purpose::parse(&row.try_get::<String, _>("purpose")?) else {
        return Ok(None);
    };
    Ok(Some(QueuedCode {
        destination: row.try_get("destination")?,
        purpose,
        account_id: row.try_get("account_id")?,
        expires_at: from_millis(row.try_get("expires_at")?),
        closed: row.try_get::<Option<i64>, _>("closed_at")?.is_some(),
    }))
}

/// Gives a queued code the hash of the code being sent (and its owner, for a reset).
pub(super) async fn set_sent_code(
    tx: &mut Tx,
    code_id: &str,
    code_hash: &str,
    account_id: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE verification_codes SET code_hash = $1, account_id = COALESCE($2, account_id) \
         WHERE id = $3 AND closed_at IS NULL",
    )
    .bind(code_hash)
    .bind(account_id)
    .bind(code_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
