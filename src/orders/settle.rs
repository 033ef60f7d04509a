//! Settling a word about a payment into its order: `apply` is the one door every word
//! about a payment comes through (the provider's synchronous answer, a verified
//! notification, a status query, our own expiry). It stores the input append-only,
//! de-duplicated by the provider's event id, moves the attempt forward only, and on
//! success fulfils the order in the same transaction, or, when the order is already
//! fulfilled or cannot be, queues the refund and flags it for the operator.

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::jobs;
use crate::payments::store::{self, NewEvent};
use crate::payments::{Notification, Observation, PaymentState, ProviderName, next_state};

use super::fulfil::{Fulfilment, fulfil};
use super::refund::{REFUND_JOB, RefundJob, received_for_refund, refunded};
use super::{OrderState, store as orders};

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

/// A verified notification from `provider`. It moves the payment only when the
/// payment is that provider's own: a genuine notification from another provider
/// (say the sandbox's, about a card payment at Stripe) is kept for the operator as
/// `wrong_provider` and refused, and one about a payment we do not know is kept as
/// `unknown_payment` and refused. Either way nothing else changes.
pub async fn apply_notification(
    app: &App,
    provider: ProviderName,
    notification: &Notification,
) -> Result<Applied> {
    let mut tx = app.db.begin().await?;
    let payment = store::lock(&mut tx, app.db.backend(), &notification.payment_id).await?;
    let refused = match &payment {
        None => Some(("unknown_payment", Error::not_found(Code::PaymentNotFound))),
        Some(payment) if payment.provider != provider.as_str() => {
            Some(("wrong_provider", Error::invalid(Code::WrongProvider)))
        }
        Some(_) => None,
    };
    if let Some((outcome, error)) = refused {
        let event = NewEvent {
            payment_id: payment.as_ref().map(|p| p.id.as_str()),
            provider: provider.as_str(),
            provider_event_id: &notification.event_id,
            source: "notification",
            provider_status: notification.observation.status.as_str(),
            amount: notification.observation.amount,
            evidence: &notification.observation.raw,
            outcome,
        };
        store::insert_event(&mut tx, &event, app.now()).await?;
        tx.commit().await?;
        tracing::warn!(%provider, payment.id = %notification.payment_id, outcome, "notification refused and kept for the operator");
        return Err(error);
    }
    let applied = apply_in(
        app,
        &mut tx,
        &notification.payment_id,
        "notification",
        &notification.event_id,
        &notification.observation,
    )
    .await?;
    tx.commit().await?;
    if let Applied::Moved(state) = &applied {
        tracing::info!(payment.id = %notification.payment_id, to = state.as_str(), %provider, "payment moved");
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
        .ok_or_else(|| Error::not_found(Code::PaymentNotFound))?;
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
    // A refund the provider reports for a payment staff refunded through the back
    // office (in part or whole) is the echo of those refunds, booked already: the
    // event is kept as evidence, nothing moves.
    if next == PaymentState::Refunded
        && payment.state == PaymentState::Succeeded
        && super::refund_store::taken_back(tx, &payment.id).await? > 0
    {
        store::set_event_outcome(tx, &event_row, "staff_refund").await?;
        return Ok(Applied::NoChange);
    }
    let order = orders::lock(tx, app.db.backend(), &payment.order_id).await?;
    let mut state = next;
    let outcome = match next {
        PaymentState::Succeeded => {
            match fulfil(app, tx, &order, &payment.provider, Some(&payment.id), now).await? {
                Fulfilment::Fulfilled => {
                    if order.state == OrderState::Expired {
                        orders::flag(tx, order.id.as_str(), "late_success").await?;
                    }
                    "fulfilled"
                }
                refused => {
                    let reason = match refused {
                        Fulfilment::Impossible(reason) => reason.as_str(),
                        _ => "duplicate_payment",
                    };
                    if order.state == OrderState::PendingPayment
                        || order.state == OrderState::Expired
                    {
                        orders::mark_paid(tx, order.id.as_str(), now).await?;
                    }
                    state = PaymentState::RefundPending;
                    received_for_refund(tx, &payment, order.account_id.as_str(), now).await?;
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
                    orders::flag(tx, order.id.as_str(), reason).await?;
                    store::flag(tx, &payment.id, reason).await?;
                    "refund_scheduled"
                }
            }
        }
        PaymentState::Failed if order.state == OrderState::PendingPayment => {
            orders::set_state(tx, order.id.as_str(), OrderState::Failed, now).await?;
            "order_failed"
        }
        PaymentState::Cancelled if order.state == OrderState::PendingPayment => {
            orders::set_state(tx, order.id.as_str(), OrderState::Expired, now).await?;
            "order_expired"
        }
        PaymentState::Refunded => {
            refunded(
                app,
                tx,
                app.db.backend(),
                &payment,
                payment.state,
                &order,
                now,
            )
            .await?;
            // We ask for refunds only of payments we moved to `refund_pending` first
            // (staff refunds are their echo, above): from `succeeded`, the provider
            // refunded on its own, which the watch reports.
            if payment.state == PaymentState::Succeeded {
                "provider_refund"
            } else {
                "refunded"
            }
        }
        _ => "moved",
    };
    store::set_state(tx, &payment.id, state, now).await?;
    store::set_event_outcome(tx, &event_row, outcome).await?;
    tracing::debug!(payment.id = %payment.id, from = payment.state.as_str(), to = state.as_str(), "payment moving");
    Ok(Applied::Moved(state))
}
