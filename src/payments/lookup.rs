//! Payments as the back office reads them: found by id or provider reference, each
//! with every provider event stored for it (the evidence), oldest first.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::app::App;
use crate::clock::from_millis;
use crate::error::Result;
use crate::money::{Currency, Money};

/// The order a payment is for.
pub async fn order_of_payment(app: &App, payment_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT order_id FROM payments WHERE id = $1")
            .bind(payment_id)
            .fetch_optional(app.db.reader())
            .await?,
    )
}

/// The orders whose payments carry this provider reference (a provider's trade or
/// intent number), newest first.
pub async fn orders_of_provider_ref(app: &App, provider_ref: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT order_id FROM payments WHERE provider_ref = $1 ORDER BY created_at DESC LIMIT 20",
    )
    .bind(provider_ref)
    .fetch_all(app.db.reader())
    .await?)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentEvent {
    pub id: String,
    /// `notification`, `query`, `return`, …: how the news came.
    pub source: String,
    pub provider_status: String,
    pub amount: Option<Money>,
    /// What we did with it.
    pub outcome: String,
    /// The provider's own words, as received.
    pub evidence: String,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentRecord {
    pub id: String,
    pub order_id: String,
    pub provider: String,
    pub method: String,
    pub amount: Money,
    pub state: String,
    pub provider_ref: Option<String>,
    /// Why a person should look at it.
    pub attention: Option<String>,
    pub created_at: DateTime<Utc>,
    pub events: Vec<PaymentEvent>,
}

fn money(amount: i64, currency: &str) -> Money {
    Money::new(amount, Currency::parse(currency).unwrap_or(Currency::HKD))
}

/// Every payment of an order, oldest first, each with its events.
pub async fn of_order(app: &App, order_id: &str) -> Result<Vec<PaymentRecord>> {
    let rows = sqlx::query(
        "SELECT id, order_id, provider, method, amount, currency, state, provider_ref, attention, created_at \
         FROM payments WHERE order_id = $1 ORDER BY created_at, id",
    )
    .bind(order_id)
    .fetch_all(app.db.reader())
    .await?;
    let mut payments = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get("id")?;
        let currency: String = row.try_get("currency")?;
        let events = sqlx::query(
            "SELECT id, source, provider_status, amount, currency, outcome, evidence, received_at \
             FROM payment_events WHERE payment_id = $1 ORDER BY received_at, id",
        )
        .bind(&id)
        .fetch_all(app.db.reader())
        .await?
        .iter()
        .map(|event| {
            let amount: Option<i64> = event.try_get("amount")?;
            let event_currency: Option<String> = event.try_get("currency")?;
            Ok(PaymentEvent {
                id: event.try_get("id")?,
                source: event.try_get("source")?,
                provider_status: event.try_get("provider_status")?,
                amount: amount.map(|a| money(a, event_currency.as_deref().unwrap_or(&currency))),
                outcome: event.try_get("outcome")?,
                evidence: event.try_get("evidence")?,
                received_at: from_millis(event.try_get("received_at")?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
        payments.push(PaymentRecord {
            order_id: row.try_get("order_id")?,
            provider: row.try_get("provider")?,
            method: row.try_get("method")?,
            amount: money(row.try_get("amount")?, &currency),
            state: row.try_get("state")?,
            provider_ref: row.try_get("provider_ref")?,
            attention: row.try_get("attention")?,
            created_at: from_millis(row.try_get("created_at")?),
            events,
            id,
        });
    }
    Ok(payments)
}
