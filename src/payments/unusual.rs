//! Payments as the watch for abnormal charges reads them over a recent window: the
//! provider events we kept without applying, or that tell of a refund the provider
//! made on its own, and the payments that took money.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::placeholders;
use crate::error::{Error, Result};
use crate::money::{Currency, Money};

use super::PaymentState;

/// A provider event that is not ordinary news.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusualEvent {
    pub id: String,
    /// `None` when the provider named a payment we do not have.
    pub payment_id: Option<String>,
    pub provider: String,
    pub provider_event_id: String,
    pub provider_status: String,
    pub amount: Option<Money>,
    /// `unknown_payment`, `amount_mismatch` or `provider_refund`.
    pub outcome: String,
    pub received_at: DateTime<Utc>,
}

/// Events received since `since` about a payment we do not know, with another amount
/// than ours, or refunding a payment nobody here asked to refund, oldest first.
pub async fn unusual_events_since(app: &App, since: DateTime<Utc>) -> Result<Vec<UnusualEvent>> {
    let rows = sqlx::query(
        "SELECT id, payment_id, provider, provider_event_id, provider_status, amount, currency, outcome, received_at \
         FROM payment_events WHERE received_at >= $1 \
         AND outcome IN ('unknown_payment', 'amount_mismatch', 'provider_refund') \
         ORDER BY received_at, id LIMIT 5000",
    )
    .bind(to_millis(since))
    .fetch_all(app.db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            let amount: Option<i64> = row.try_get("amount")?;
            let currency: Option<String> = row.try_get("currency")?;
            Ok(UnusualEvent {
                id: row.try_get("id")?,
                payment_id: row.try_get("payment_id")?,
                provider: row.try_get("provider")?,
                provider_event_id: row.try_get("provider_event_id")?,
                provider_status: row.try_get("provider_status")?,
                amount: match (amount, currency.as_deref().map(Currency::parse)) {
                    (Some(amount), Some(Ok(currency))) => Some(Money::new(amount, currency)),
                    _ => None,
                },
                outcome: row.try_get("outcome")?,
                received_at: from_millis(row.try_get("received_at")?),
            })
        })
        .collect()
}

/// A payment attempt as the watch weighs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: String,
    pub order_id: String,
    pub provider: String,
    pub method: String,
    pub amount: Money,
    pub state: PaymentState,
    pub provider_ref: Option<String>,
    pub updated_at: DateTime<Utc>,
}

const ATTEMPT_COLUMNS: &str =
    "id, order_id, provider, method, amount, currency, state, provider_ref, updated_at";

fn attempt_of(row: &sqlx::any::AnyRow) -> Result<Attempt> {
    let corrupt = |what: &str| Error::internal(anyhow::anyhow!("payment row has a bad {what}"));
    Ok(Attempt {
        id: row.try_get("id")?,
        order_id: row.try_get("order_id")?,
        provider: row.try_get("provider")?,
        method: row.try_get("method")?,
        amount: Money::new(
            row.try_get("amount")?,
            Currency::parse(&row.try_get::<String, _>("currency")?)
                .map_err(|_| corrupt("currency"))?,
        ),
        state: PaymentState::parse(&row.try_get::<String, _>("state")?)
            .ok_or_else(|| corrupt("state"))?,
        provider_ref: row.try_get("provider_ref")?,
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

/// The orders of payments that took money (succeeded, and since maybe refunded) and
/// changed since `since`.
pub async fn orders_paid_since(app: &App, since: DateTime<Utc>) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT order_id FROM payments WHERE updated_at >= $1 \
         AND state IN ('succeeded', 'refund_pending', 'refunded') LIMIT 5000",
    )
    .bind(to_millis(since))
    .fetch_all(app.db.reader())
    .await?)
}

/// Every payment attempt of these orders, oldest first.
pub async fn attempts_of_orders(app: &App, order_ids: &[String]) -> Result<Vec<Attempt>> {
    let mut out = Vec::new();
    for chunk in order_ids.chunks(400) {
        let sql = format!(
            "SELECT {ATTEMPT_COLUMNS} FROM payments WHERE order_id IN ({}) ORDER BY created_at, id",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(app.db.reader()).await? {
            out.push(attempt_of(&row)?);
        }
    }
    Ok(out)
}

/// The payment attempts with these ids.
pub async fn attempts(app: &App, ids: &[String]) -> Result<Vec<Attempt>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(400) {
        let sql = format!(
            "SELECT {ATTEMPT_COLUMNS} FROM payments WHERE id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(app.db.reader()).await? {
            out.push(attempt_of(&row)?);
        }
    }
    Ok(out)
}
