//! SQL for payment attempts and their events.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::clock::to_millis;
use crate::db::{Backend, Tx};
use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::money::{Currency, Money};

use super::provider::NextAction;
use super::{Method, PaymentState};

#[derive(Debug, Clone)]
pub struct Payment {
    pub id: String,
    pub order_id: String,
    pub provider: String,
    pub method: super::Method,
    pub amount: Money,
    pub state: PaymentState,
    pub queries: i64,
}

pub async fn insert(tx: &mut Tx, payment: &Payment, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO payments (id, order_id, provider, method, amount, currency, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&payment.id)
    .bind(&payment.order_id)
    .bind(&payment.provider)
    .bind(payment.method.as_str())
    .bind(payment.amount.amount)
    .bind(payment.amount.currency.as_str())
    .bind(payment.state.as_str())
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The payment, locked for the transaction on PostgreSQL.
pub async fn lock(tx: &mut Tx, backend: Backend, payment_id: &str) -> Result<Option<Payment>> {
    load(&mut **tx, backend == Backend::Postgres, payment_id).await
}

/// The payment as it is now, outside any transaction.
pub async fn find(app: &crate::app::App, payment_id: &str) -> Result<Option<Payment>> {
    load(app.db.reader(), false, payment_id).await
}

async fn load<'e, E>(executor: E, for_update: bool, payment_id: &str) -> Result<Option<Payment>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let suffix = if for_update { " FOR UPDATE" } else { "" };
    let row = sqlx::query(&format!(
        "SELECT id, order_id, provider, method, amount, currency, state, queries FROM payments WHERE id = $1{suffix}"
    ))
    .bind(payment_id)
    .fetch_optional(executor)
    .await?;
    row.map(|row| {
        let corrupt = |what: &str| Error::internal(anyhow::anyhow!("payment row has a bad {what}"));
        Ok(Payment {
            id: row.try_get("id")?,
            order_id: row.try_get("order_id")?,
            provider: row.try_get("provider")?,
            method: Method::parse(&row.try_get::<String, _>("method")?)
                .ok_or_else(|| corrupt("method"))?,
            amount: Money::new(
                row.try_get("amount")?,
                Currency::parse(&row.try_get::<String, _>("currency")?)
                    .map_err(|_| corrupt("currency"))?,
            ),
            state: PaymentState::parse(&row.try_get::<String, _>("state")?)
                .ok_or_else(|| corrupt("state"))?,
            queries: row.try_get("queries")?,
        })
    })
    .transpose()
}

pub async fn set_state(
    tx: &mut Tx,
    payment_id: &str,
    state: PaymentState,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE payments SET state = $1, updated_at = $2 WHERE id = $3")
        .bind(state.as_str())
        .bind(to_millis(now))
        .bind(payment_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_created(
    tx: &mut Tx,
    payment_id: &str,
    provider_ref: &str,
    next_action: &NextAction,
) -> Result<()> {
    sqlx::query("UPDATE payments SET provider_ref = $1, next_action = $2 WHERE id = $3")
        .bind(provider_ref)
        .bind(serde_json::to_string(next_action).map_err(Error::internal)?)
        .bind(payment_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn flag(tx: &mut Tx, payment_id: &str, reason: &str) -> Result<()> {
    sqlx::query(
        "UPDATE payments SET attention = CASE WHEN attention IS NULL THEN $1 ELSE attention || ',' || $1 END WHERE id = $2",
    )
    .bind(reason)
    .bind(payment_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes the payment's next subscriber-made status query, if the last one was at
/// least `spacing_ms` ago: `false` means "too soon, ask nobody".
pub async fn take_subscriber_query(
    tx: &mut Tx,
    payment_id: &str,
    now: DateTime<Utc>,
    spacing_ms: i64,
) -> Result<bool> {
    let now = to_millis(now);
    let taken = sqlx::query(
        "UPDATE payments SET subscriber_query_at = $1 WHERE id = $2 \
         AND (subscriber_query_at IS NULL OR subscriber_query_at <= $3)",
    )
    .bind(now)
    .bind(payment_id)
    .bind(now - spacing_ms)
    .execute(&mut **tx)
    .await?;
    Ok(taken.rows_affected() == 1)
}

pub async fn count_query(tx: &mut Tx, payment_id: &str) -> Result<()> {
    sqlx::query("UPDATE payments SET queries = queries + 1 WHERE id = $1")
        .bind(payment_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub struct NewEvent<'a> {
    pub payment_id: Option<&'a str>,
    pub provider: &'a str,
    pub provider_event_id: &'a str,
    pub source: &'a str,
    pub provider_status: &'a str,
    pub amount: Option<Money>,
    pub evidence: &'a str,
    pub outcome: &'a str,
}

/// Stores an input as received; `None` when the provider's event id was seen before.
pub async fn insert_event(
    tx: &mut Tx,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    let id = new_id("pev", now);
    let inserted = sqlx::query(
        "INSERT INTO payment_events (id, payment_id, provider, provider_event_id, source, provider_status, amount, currency, \
         outcome, evidence, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (provider, provider_event_id) DO NOTHING",
    )
    .bind(&id)
    .bind(event.payment_id)
    .bind(event.provider)
    .bind(event.provider_event_id)
    .bind(event.source)
    .bind(event.provider_status)
    .bind(event.amount.map(|m| m.amount))
    .bind(event.amount.map(|m| m.currency.to_string()))
    .bind(event.outcome)
    .bind(event.evidence)
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok((inserted.rows_affected() == 1).then_some(id))
}

pub async fn set_event_outcome(tx: &mut Tx, event_id: &str, outcome: &str) -> Result<()> {
    sqlx::query("UPDATE payment_events SET outcome = $1 WHERE id = $2")
        .bind(outcome)
        .bind(event_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Something flagged for a person: its id, where it stands and why.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Flagged {
    pub id: String,
    pub state: String,
    pub reasons: String,
}

/// Payments flagged for the operator, most recently changed first.
pub async fn flagged(app: &crate::app::App) -> Result<Vec<Flagged>> {
    Ok(sqlx::query_as(
        "SELECT id, state, attention AS reasons FROM payments WHERE attention IS NOT NULL ORDER BY updated_at DESC",
    )
    .fetch_all(app.db.reader())
    .await?)
}

/// Notifications kept but not applied (about no payment of ours, another provider's
/// payment, or another amount), newest first.
pub async fn unmatched_events(app: &crate::app::App) -> Result<Vec<Flagged>> {
    Ok(sqlx::query_as(
        "SELECT provider_event_id AS id, provider_status AS state, outcome AS reasons FROM payment_events \
         WHERE outcome IN ('unknown_payment', 'amount_mismatch', 'wrong_provider') ORDER BY received_at DESC",
    )
    .fetch_all(app.db.reader())
    .await?)
}

/// The provider's reference for the payment (Stripe's PaymentIntent id), set once the
/// create answered; `None` before that, or for no such payment.
pub async fn provider_ref(app: &crate::app::App, payment_id: &str) -> Result<Option<String>> {
    let found: Option<(Option<String>,)> =
        sqlx::query_as("SELECT provider_ref FROM payments WHERE id = $1")
            .bind(payment_id)
            .fetch_optional(app.db.reader())
            .await?;
    Ok(found.and_then(|(provider_ref,)| provider_ref))
}

/// [`provider_ref`] inside a transaction (the receipt issued at fulfilment).
pub async fn provider_ref_in<'e, E>(executor: E, payment_id: &str) -> Result<Option<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let found: Option<(Option<String>,)> =
        sqlx::query_as("SELECT provider_ref FROM payments WHERE id = $1")
            .bind(payment_id)
            .fetch_optional(executor)
            .await?;
    Ok(found.and_then(|(provider_ref,)| provider_ref))
}

/// What an order shows of its newest payment attempt.
#[derive(Debug, Clone)]
pub struct PaymentSummary {
    pub id: String,
    pub provider: String,
    pub method: Method,
    pub state: PaymentState,
    pub next_action: NextAction,
}

/// The newest payment attempt of an order.
pub async fn latest_of_order<'e, E>(executor: E, order_id: &str) -> Result<Option<PaymentSummary>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT id, provider, method, state, next_action FROM payments WHERE order_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(order_id)
    .fetch_optional(executor)
    .await?;
    row.map(|row| {
        let next_action: Option<String> = row.try_get("next_action")?;
        let corrupt = |what: &str| Error::internal(anyhow::anyhow!("payment row has a bad {what}"));
        Ok(PaymentSummary {
            id: row.try_get("id")?,
            provider: row.try_get("provider")?,
            method: Method::parse(&row.try_get::<String, _>("method")?)
                .ok_or_else(|| corrupt("method"))?,
            state: PaymentState::parse(&row.try_get::<String, _>("state")?)
                .ok_or_else(|| corrupt("state"))?,
            next_action: next_action
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or(NextAction::None),
        })
    })
    .transpose()
}

/// The order's payments that were refunded.
pub async fn refunded_of_order(db: &crate::db::Db, order_id: &str) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM payments WHERE order_id = $1 AND state = 'refunded' ORDER BY id",
    )
    .bind(order_id)
    .fetch_all(db.reader())
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// What the provider said when the payment failed (the evidence of its newest
/// `failed` event), to tell the payer why.
pub async fn failure_evidence(app: &crate::app::App, payment_id: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT evidence FROM payment_events WHERE payment_id = $1 AND provider_status = 'failed' \
         ORDER BY received_at DESC, id DESC LIMIT 1",
    )
    .bind(payment_id)
    .fetch_optional(app.db.reader())
    .await?;
    Ok(row.map(|(evidence,)| evidence))
}
