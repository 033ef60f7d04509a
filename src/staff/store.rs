//! SQL for staff, their enrolment links, recovery codes, console sessions and the
//! console's login backoff.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::throttle::Counter;
use crate::clock::{from_millis, to_millis};
use crate::db::{ConstraintExt, Tx};
use crate::error::{Code, Error, Result};

use super::{Role, StaffMember};

/// Failed console logins, per email and per client address.
pub(super) const LOGIN_THROTTLE: Counter = Counter {
    table: "staff_login_throttle",
    key_column: "key",
};

const MEMBER_COLUMNS: &str = "s.id, s.email, s.role, s.created_at, s.enrolled_at, s.disabled_at";

fn member_from_row(row: &AnyRow) -> Result<StaffMember> {
    let optional = |column: &str| -> Result<Option<DateTime<Utc>>> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(from_millis))
    };
    Ok(StaffMember {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        role: Role::parse(&row.try_get::<String, _>("role")?)?,
        created_at: from_millis(row.try_get("created_at")?),
        enrolled_at: optional("enrolled_at")?,
        disabled_at: optional("disabled_at")?,
    })
}

pub(super) async fn insert_member(
    tx: &mut Tx,
    id: &str,
    email: &str,
    role: Role,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO staff (id, email, role, created_at, created_by) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(email)
    .bind(role.as_str())
    .bind(to_millis(now))
    .bind(created_by)
    .execute(&mut **tx)
    .await
    .on_constraint(
        "staff_email_key",
        Error::conflict(Code::StaffEmailTaken).on_field("email"),
    )?;
    Ok(())
}

pub(super) async fn insert_enrolment(
    tx: &mut Tx,
    token_hash: &str,
    staff_id: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO staff_enrolments (token_hash, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(staff_id)
    .bind(to_millis(now))
    .bind(to_millis(expires_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The member a live enrolment link is for (not used, not expired, the member not yet
/// enrolled nor disabled), with their sealed TOTP secret if one was made already.
pub(super) async fn enrolling_member<'e, E>(
    executor: E,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(StaffMember, Option<String>)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS}, s.totp_secret FROM staff_enrolments e JOIN staff s ON s.id = e.staff_id \
         WHERE e.token_hash = $1 AND e.used_at IS NULL AND e.expires_at > $2 \
         AND s.enrolled_at IS NULL AND s.disabled_at IS NULL"
    ))
    .bind(token_hash)
    .bind(to_millis(now))
    .fetch_optional(executor)
    .await?;
    row.map(|row| Ok((member_from_row(&row)?, row.try_get("totp_secret")?)))
        .transpose()
}

/// Keeps the TOTP secret made for an enrolment; `false` when one is there already.
pub(super) async fn set_pending_totp(tx: &mut Tx, staff_id: &str, sealed: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE staff SET totp_secret = $1 WHERE id = $2 AND enrolled_at IS NULL AND totp_secret IS NULL",
    )
    .bind(sealed)
    .bind(staff_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Uses the link and enrols the member; `false` when the link was used meanwhile.
pub(super) async fn complete_enrolment(
    tx: &mut Tx,
    token_hash: &str,
    staff_id: &str,
    password_hash: &str,
    totp_step: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let used = sqlx::query(
        "UPDATE staff_enrolments SET used_at = $1 WHERE token_hash = $2 AND staff_id = $3 \
         AND used_at IS NULL AND expires_at > $1",
    )
    .bind(to_millis(now))
    .bind(token_hash)
    .bind(staff_id)
    .execute(&mut **tx)
    .await?;
    if used.rows_affected() != 1 {
        return Ok(false);
    }
    let enrolled = sqlx::query(
        "UPDATE staff SET password_hash = $1, enrolled_at = $2, totp_last_step = $3 \
         WHERE id = $4 AND enrolled_at IS NULL AND disabled_at IS NULL",
    )
    .bind(password_hash)
    .bind(to_millis(now))
    .bind(totp_step)
    .bind(staff_id)
    .execute(&mut **tx)
    .await?;
    Ok(enrolled.rows_affected() == 1)
}

pub(super) async fn insert_recovery_code(
    tx: &mut Tx,
    staff_id: &str,
    code_hash: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO staff_recovery_codes (staff_id, code_hash) VALUES ($1, $2)")
        .bind(staff_id)
        .bind(code_hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What a login checks: the enrolled, enabled member with this email, their password
/// hash and sealed TOTP secret.
pub(super) struct LoginRow {
    pub member: StaffMember,
    pub password_hash: String,
    pub totp_secret: String,
}

pub(super) async fn login_row<'e, E>(executor: E, email: &str) -> Result<Option<LoginRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS}, s.password_hash, s.totp_secret FROM staff s \
         WHERE s.email = $1 AND s.enrolled_at IS NOT NULL AND s.disabled_at IS NULL"
    ))
    .bind(email)
    .fetch_optional(executor)
    .await?;
    row.map(|row| {
        Ok(LoginRow {
            member: member_from_row(&row)?,
            password_hash: row.try_get("password_hash")?,
            totp_secret: row.try_get("totp_secret")?,
        })
    })
    .transpose()
}

/// Takes TOTP step `step` for the member: `false` when it (or a later one) was taken
/// already, so that a code is good for one login only.
pub(super) async fn take_totp_step(tx: &mut Tx, staff_id: &str, step: i64) -> Result<bool> {
    let taken =
        sqlx::query("UPDATE staff SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
            .bind(step)
            .bind(staff_id)
            .execute(&mut **tx)
            .await?;
    Ok(taken.rows_affected() == 1)
}

/// Uses a recovery code; `false` when it is not one of the member's unused codes.
pub(super) async fn use_recovery_code(
    tx: &mut Tx,
    staff_id: &str,
    code_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let used = sqlx::query(
        "UPDATE staff_recovery_codes SET used_at = $1 WHERE staff_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(staff_id)
    .bind(code_hash)
    .execute(&mut **tx)
    .await?;
    Ok(used.rows_affected() == 1)
}

pub(super) async fn unused_recovery_codes<'e, E>(executor: E, staff_id: &str) -> Result<i64>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM staff_recovery_codes WHERE staff_id = $1 AND used_at IS NULL",
    )
    .bind(staff_id)
    .fetch_one(executor)
    .await?;
    Ok(row.try_get("n")?)
}

pub(super) async fn insert_session(
    tx: &mut Tx,
    id: &str,
    token_hash: &str,
    staff_id: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO staff_sessions (id, token_hash, staff_id, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(id)
    .bind(token_hash)
    .bind(staff_id)
    .bind(to_millis(now))
    .bind(to_millis(expires_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The member of a live session: not revoked, not past its lifetime, used since
/// `idle_since`, the member still enabled; with when the session was last seen.
pub(super) async fn session_member<'e, E>(
    executor: E,
    token_hash: &str,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<Option<(StaffMember, DateTime<Utc>)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS}, x.last_seen_at FROM staff_sessions x JOIN staff s ON s.id = x.staff_id \
         WHERE x.token_hash = $1 AND x.revoked_at IS NULL AND x.expires_at > $2 AND x.last_seen_at > $3 \
         AND s.disabled_at IS NULL"
    ))
    .bind(token_hash)
    .bind(to_millis(now))
    .bind(to_millis(idle_since))
    .fetch_optional(executor)
    .await?;
    row.map(|row| {
        Ok((
            member_from_row(&row)?,
            from_millis(row.try_get("last_seen_at")?),
        ))
    })
    .transpose()
}

pub(super) async fn touch_session(tx: &mut Tx, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE staff_sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $1",
    )
    .bind(to_millis(now))
    .bind(token_hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn revoke_session(
    tx: &mut Tx,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE staff_sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(token_hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Disables the member and ends their sessions; `false` when already disabled.
pub(super) async fn disable(tx: &mut Tx, staff_id: &str, now: DateTime<Utc>) -> Result<bool> {
    let done =
        sqlx::query("UPDATE staff SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
            .bind(to_millis(now))
            .bind(staff_id)
            .execute(&mut **tx)
            .await?;
    sqlx::query(
        "UPDATE staff_sessions SET revoked_at = $1 WHERE staff_id = $2 AND revoked_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(staff_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn list<'e, E>(executor: E) -> Result<Vec<StaffMember>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM staff s ORDER BY s.email"
    ))
    .fetch_all(executor)
    .await?;
    rows.iter().map(member_from_row).collect()
}

pub(super) async fn find_by_email<'e, E>(executor: E, email: &str) -> Result<Option<StaffMember>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM staff s WHERE s.email = $1"
    ))
    .bind(email)
    .fetch_optional(executor)
    .await?;
    row.map(|row| member_from_row(&row)).transpose()
}
