//! `apply`: the one door every word about a payment comes through (the provider's
//! synchronous answer, a verified notification, a status query, our own expiry).
//! It stores the input append-only, de-duplicated by the provider's event id, moves
//! the attempt forward only, and on success fulfils the order in the same
//! transaction, or, when the order is already fulfilled or cannot be, queues the
//! refund and flags it for the operator.

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Error, Result};
use crate::jobs;
use crate::ledger::{self, AccountKind};
use crate::orders::fulfil::{Fulfilment, fulfil};
use crate::orders::{OrderState, store as orders};

use super::provider::Observation;
use super::state::{PaymentState, ProviderStatus, next_state};
use super::store::{self, NewEvent};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The same event was applied before: nothing changed.
    Duplicate,
    /// Stored; the state did not move (e.g. "pending" again).
    NoChange,
    /// The provider's amount or currency is not ours: stored and flagged, nothing else.
    AmountMismatch,
    Moved(PaymentState),
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RefundJob {
    pub payment_id: String,
}

pub const REFUND_JOB: &str = "payment.refund";

pub async fn apply(
    app: &App,
    payment_id: &str,
    source: &str,
    event_id: &str,
    observation: &Observation,
) -> Result<Applied> {
    let mut tx = app.db.begin().await?;
    let applied = apply_in(app, &mut tx, payment_id, source, event_id, observation).await?;
    tx.commit().await?;
    if let Applied::Moved(state) = &applied {
        tracing::info!(payment.id = %payment_id, to = state.as_str(), source, "payment moved");
    }
    Ok(applied)
}

/// [`apply`] inside the caller's transaction, which the caller commits (every
/// outcome, `Duplicate` and `AmountMismatch` included, is meant to be kept).
pub async fn apply_in(
    app: &App,
    tx: &mut crate::db::Tx,
    payment_id: &str,
    source: &str,
    event_id: &str,
    observation: &Observation,
) -> Result<Applied> {
    let now = app.now();
    let payment = store::lock(tx, app.db.backend(), payment_id)
        .await?
        .ok_or_else(|| Error::not_found("payment_not_found"))?;
    let event = NewEvent {
        payment_id: Some(&payment.id),
        provider: &payment.provider,
        provider_event_id: event_id,
        source,
        provider_status: observation.status.as_str(),
        amount: observation.amount,
        evidence: &observation.raw,
        outcome: "received",
    };
    let Some(event_row) = store::insert_event(tx, &event, now).await? else {
        return Ok(Applied::Duplicate);
    };
    if source == "query" {
        store::count_query(tx, &payment.id).await?;
    }
    if observation
        .amount
        .is_some_and(|amount| amount != payment.amount)
    {
        store::set_event_outcome(tx, &event_row, "amount_mismatch").await?;
        store::flag(tx, &payment.id, "amount_mismatch").await?;
        orders::flag(tx, &payment.order_id, "amount_mismatch").await?;
        tracing::warn!(payment.id = %payment.id, "provider reported another amount; nothing applied");
        return Ok(Applied::AmountMismatch);
    }
    let Some(next) = next_state(payment.state, observation.status) else {
        store::set_event_outcome(tx, &event_row, "no_change").await?;
        return Ok(Applied::NoChange);
    };
    let order = orders::lock(tx, app.db.backend(), &payment.order_id).await?;
    let mut state = next;
    let outcome = match next {
        PaymentState::Succeeded => match fulfil(app, tx, &order, &payment.provider, now).await? {
            Fulfilment::Fulfilled => {
                if order.state == OrderState::Expired {
                    orders::flag(tx, &order.id, "late_success").await?;
                }
                "fulfilled"
            }
            refused => {
                let reason = match refused {
                    Fulfilment::Impossible(reason) => reason,
                    _ => "duplicate_payment",
                };
                if order.state == OrderState::PendingPayment || order.state == OrderState::Expired {
                    orders::mark_paid(tx, &order.id, now).await?;
                }
                state = PaymentState::RefundPending;
                received_for_refund(tx, &payment, now).await?;
                jobs::enqueue(
                    tx,
                    REFUND_JOB,
                    Some(&format!("refund:{}", payment.id)),
                    &RefundJob {
                        payment_id: payment.id.clone(),
                    },
                    now,
                    now,
                )
                .await?;
                orders::flag(tx, &order.id, reason).await?;
                store::flag(tx, &payment.id, reason).await?;
                "refund_scheduled"
            }
        },
        PaymentState::Failed if order.state == OrderState::PendingPayment => {
            orders::set_state(tx, &order.id, OrderState::Failed, now).await?;
            "order_failed"
        }
        PaymentState::Cancelled if order.state == OrderState::PendingPayment => {
            orders::set_state(tx, &order.id, OrderState::Expired, now).await?;
            "order_expired"
        }
        PaymentState::Refunded => {
            refunded(tx, &payment, payment.state, &order, now).await?;
            "refunded"
        }
        _ => "moved",
    };
    store::set_state(tx, &payment.id, state, now).await?;
    store::set_event_outcome(tx, &event_row, outcome).await?;
    tracing::debug!(payment.id = %payment.id, from = payment.state.as_str(), to = state.as_str(), "payment moving");
    Ok(Applied::Moved(state))
}

/// Money that arrived but is going back: held as owed to the payer.
async fn received_for_refund(
    tx: &mut crate::db::Tx,
    payment: &store::Payment,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let currency = payment.amount.currency;
    ledger::post(
        tx,
        now,
        "payment_to_refund",
        &format!("payment:{}:received", payment.id),
        "Payment received, to be refunded",
        currency,
        &[
            ledger::house(
                &format!("asset:clearing:{}", payment.provider),
                AccountKind::Asset,
                currency,
                payment.amount.amount,
            ),
            ledger::house(
                "liability:refunds_due",
                AccountKind::Liability,
                currency,
                -payment.amount.amount,
            ),
        ],
    )
    .await?;
    Ok(())
}

async fn refunded(
    tx: &mut crate::db::Tx,
    payment: &store::Payment,
    before: PaymentState,
    order: &crate::orders::Order,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let currency = payment.amount.currency;
    let amount = payment.amount.amount;
    let (debit, kind) = if before == PaymentState::RefundPending {
        // Money that could not buy anything: unless another payment fulfilled the
        // order, the order itself is refunded.
        if order.state == OrderState::Paid {
            orders::set_state(tx, &order.id, OrderState::Refunded, now).await?;
        }
        ("liability:refunds_due", AccountKind::Liability)
    } else {
        // The payment that fulfilled the order goes back: so does the sale.
        orders::set_state(tx, &order.id, OrderState::Refunded, now).await?;
        ("revenue:refunds", AccountKind::Revenue)
    };
    ledger::post(
        tx,
        now,
        "refund",
        &format!("payment:{}:refund", payment.id),
        "Refund to the payer",
        currency,
        &[
            ledger::house(debit, kind, currency, amount),
            ledger::house(
                &format!("asset:clearing:{}", payment.provider),
                AccountKind::Asset,
                currency,
                -amount,
            ),
        ],
    )
    .await?;
    Ok(())
}

/// An observation our own code makes (expiry), in the same shape as a provider's.
pub fn local(status: ProviderStatus, why: &str) -> Observation {
    Observation {
        status,
        amount: None,
        raw: format!("{{\"local\":\"{why}\"}}"),
    }
}
