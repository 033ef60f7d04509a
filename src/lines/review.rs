//! Lines marked for review: a note for staff, with why and who, shown on the
//! customer's page and the list of what needs a person. It does not stop the line.
//! Marking and clearing are audited in the transaction that makes them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::app::App;
use crate::audit;
use crate::clock::{from_millis, to_millis};
use crate::error::{Code, Error, Result};

use super::Iccid;

/// Longest reason kept.
pub const MAX_REASON_CHARS: usize = 500;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LineReview {
    pub iccid: String,
    /// The customer, when the line has one.
    pub account_id: Option<String>,
    pub reason: String,
    /// The staff member (`staff:<email>`) or operator key who marked it.
    pub marked_by: String,
    pub marked_at: DateTime<Utc>,
}

fn read(row: &sqlx::any::AnyRow) -> Result<LineReview> {
    Ok(LineReview {
        iccid: row.try_get("iccid")?,
        account_id: row.try_get("account_id")?,
        reason: row.try_get("reason")?,
        marked_by: row.try_get("marked_by")?,
        marked_at: from_millis(row.try_get("marked_at")?),
    })
}

/// A reason as kept: trimmed, 1 to [`MAX_REASON_CHARS`] characters without control
/// characters; else `reason_required`.
pub fn reason(text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty()
        || text.chars().count() > MAX_REASON_CHARS
        || text.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(Error::invalid(Code::ReasonRequired).on_field("reason"));
    }
    Ok(text.to_owned())
}

/// Marks `iccid` for review (marking again replaces the reason); 404 `line_not_found`
/// for no such line. Audited as `line.review`.
pub async fn mark(app: &App, iccid: &Iccid, reason_text: &str, actor: &str) -> Result<LineReview> {
    let reason = reason(reason_text)?;
    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    let owner: Option<Option<String>> =
        sqlx::query_scalar("SELECT account_id FROM lines WHERE iccid = $1")
            .bind(iccid.as_str())
            .fetch_optional(&mut *tx)
            .await?;
    let Some(account_id) = owner else {
        return Err(Error::not_found(Code::LineNotFound));
    };
    sqlx::query(
        "INSERT INTO line_reviews (iccid, reason, marked_by, marked_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (iccid) DO UPDATE SET reason = excluded.reason, marked_by = excluded.marked_by, marked_at = excluded.marked_at",
    )
    .bind(iccid.as_str())
    .bind(&reason)
    .bind(actor)
    .bind(to_millis(now))
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        actor,
        "line.review",
        iccid.as_str(),
        &reason,
    )
    .await?;
    tx.commit().await?;
    Ok(LineReview {
        iccid: iccid.to_string(),
        account_id,
        reason,
        marked_by: actor.to_owned(),
        marked_at: now,
    })
}

/// Clears the mark, saying why; 404 `not_found` when the line is not marked. Audited
/// as `line.review_clear`.
pub async fn clear(app: &App, iccid: &Iccid, reason_text: &str, actor: &str) -> Result<()> {
    let reason = reason(reason_text)?;
    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    let cleared = sqlx::query("DELETE FROM line_reviews WHERE iccid = $1")
        .bind(iccid.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if cleared == 0 {
        return Err(Error::not_found(Code::NotFound));
    }
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        actor,
        "line.review_clear",
        iccid.as_str(),
        &reason,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

const SELECT: &str = "SELECT r.iccid, l.account_id, r.reason, r.marked_by, r.marked_at \
     FROM line_reviews r JOIN lines l ON l.iccid = r.iccid";

/// Every line marked for review, oldest mark first.
pub async fn all(app: &App) -> Result<Vec<LineReview>> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY r.marked_at, r.iccid"))
        .fetch_all(app.db.reader())
        .await?;
    rows.iter().map(read).collect()
}

/// The marks on a customer's lines.
pub async fn of_account(app: &App, account_id: &str) -> Result<Vec<LineReview>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE l.account_id = $1 ORDER BY r.marked_at, r.iccid"
    ))
    .bind(account_id)
    .fetch_all(app.db.reader())
    .await?;
    rows.iter().map(read).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_a_few_words() {
        assert_eq!(reason("  roaming abuse?  ").unwrap(), "roaming abuse?");
        for bad in ["", "   ", "\u{7}bell"] {
            assert_eq!(
                reason(bad).unwrap_err().code,
                Code::ReasonRequired,
                "{bad:?}"
            );
        }
        assert!(reason(&"x".repeat(MAX_REASON_CHARS)).is_ok());
        assert!(reason(&"x".repeat(MAX_REASON_CHARS + 1)).is_err());
    }
}
