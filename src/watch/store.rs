//! SQL for `watch_findings`.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::money::{Currency, Money};

use super::{Dismissal, Finding, Kind, NewFinding};

const COLUMNS: &str = "id, kind, subject, account_id, order_id, payment_id, iccid, amount, currency, \
     occurred_at, evidence, detected_at, dismissed_at, dismissed_by, dismiss_reason, ticket_id";

fn finding_of(row: &sqlx::any::AnyRow) -> Result<Finding> {
    let corrupt = |what: &str| Error::internal(anyhow::anyhow!("finding has a bad {what}"));
    let kind: String = row.try_get("kind")?;
    let amount: Option<i64> = row.try_get("amount")?;
    let currency: Option<String> = row.try_get("currency")?;
    let amount = match (amount, currency) {
        (Some(amount), Some(currency)) => Some(Money::new(
            amount,
            Currency::parse(&currency).map_err(|_| corrupt("currency"))?,
        )),
        _ => None,
    };
    let evidence: String = row.try_get("evidence")?;
    let dismissed_at: Option<i64> = row.try_get("dismissed_at")?;
    let dismissed = match dismissed_at {
        Some(at) => Some(Dismissal {
            at: from_millis(at),
            by: row
                .try_get::<Option<String>, _>("dismissed_by")?
                .unwrap_or_default(),
            reason: row
                .try_get::<Option<String>, _>("dismiss_reason")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Finding {
        id: row.try_get("id")?,
        kind: Kind::parse(&kind).ok_or_else(|| corrupt("kind"))?,
        subject: row.try_get("subject")?,
        account_id: row.try_get("account_id")?,
        order_id: row.try_get("order_id")?,
        payment_id: row.try_get("payment_id")?,
        iccid: row.try_get("iccid")?,
        amount,
        occurred_at: from_millis(row.try_get("occurred_at")?),
        evidence: serde_json::from_str(&evidence).map_err(|_| corrupt("evidence"))?,
        detected_at: from_millis(row.try_get("detected_at")?),
        dismissed,
        ticket_id: row.try_get("ticket_id")?,
    })
}

/// Keeps a finding in the caller's transaction; `None` when one of its kind about its
/// subject was kept before (then nothing is told or flagged again).
pub async fn record(tx: &mut Tx, new: &NewFinding, now: DateTime<Utc>) -> Result<Option<String>> {
    let id = new_id("fnd", now);
    let inserted = sqlx::query(
        "INSERT INTO watch_findings (id, kind, subject, account_id, order_id, payment_id, iccid, amount, currency, \
         occurred_at, evidence, detected_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (kind, subject) DO NOTHING",
    )
    .bind(&id)
    .bind(new.kind.as_str())
    .bind(&new.subject)
    .bind(new.account_id.as_deref())
    .bind(new.order_id.as_deref())
    .bind(new.payment_id.as_deref())
    .bind(new.iccid.as_deref())
    .bind(new.amount.map(|m| m.amount))
    .bind(new.amount.map(|m| m.currency.to_string()))
    .bind(to_millis(new.occurred_at))
    .bind(new.evidence.to_string())
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok((inserted.rows_affected() == 1).then_some(id))
}

pub async fn find(app: &App, id: &str) -> Result<Option<Finding>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM watch_findings WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(app.db.reader())
    .await?;
    row.as_ref().map(finding_of).transpose()
}

pub async fn for_account(app: &App, account_id: &str, limit: i64) -> Result<Vec<Finding>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM watch_findings WHERE account_id = $1 \
         ORDER BY detected_at DESC, id DESC LIMIT $2"
    ))
    .bind(account_id)
    .bind(limit)
    .fetch_all(app.db.reader())
    .await?;
    rows.iter().map(finding_of).collect()
}

/// The account's findings about an order, newest first.
pub async fn for_order(app: &App, account_id: &str, order_id: &str) -> Result<Vec<Finding>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM watch_findings WHERE account_id = $1 AND order_id = $2 \
         ORDER BY detected_at DESC, id DESC"
    ))
    .bind(account_id)
    .bind(order_id)
    .fetch_all(app.db.reader())
    .await?;
    rows.iter().map(finding_of).collect()
}

/// Not dismissed, newest first (the most a page shows).
pub async fn open(app: &App) -> Result<Vec<Finding>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM watch_findings WHERE dismissed_at IS NULL \
         ORDER BY detected_at DESC, id DESC LIMIT 500"
    ))
    .fetch_all(app.db.reader())
    .await?;
    rows.iter().map(finding_of).collect()
}

/// `false` when there is no such finding or it was dismissed already.
pub async fn dismiss(
    tx: &mut Tx,
    id: &str,
    by: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE watch_findings SET dismissed_at = $1, dismissed_by = $2, dismiss_reason = $3 \
         WHERE id = $4 AND dismissed_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(by)
    .bind(reason)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Links the case a dispute opened.
pub async fn set_ticket(app: &App, id: &str, ticket_id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE watch_findings SET ticket_id = $1 WHERE id = $2")
        .bind(ticket_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
