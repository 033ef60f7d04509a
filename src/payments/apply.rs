//! `apply`: the one door every word about a payment comes through (the provider's
//! synchronous answer, a verified notification, a status query, our own expiry).
//! It stores the input append-only, de-duplicated by the provider's event id, moves
//! the attempt forward only, and on success fulfils the order in the same
//! transaction, or, when the order is already fulfilled or cannot be, queues the
//! refund and flags it for the operator.

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::jobs;
use crate::ledger::{self, AccountKind};
use crate::orders::fulfil::{Fulfilment, fulfil};
use crate::orders::{OrderKind, OrderState, store as orders};

use super::provider::{Notification, Observation, ProviderName};
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
                    Fulfilment::Impossible(reason) => reason.as_str(),
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
            refunded(tx, app.db.backend(), &payment, payment.state, &order, now).await?;
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
    backend: crate::db::Backend,
    payment: &store::Payment,
    before: PaymentState,
    order: &crate::orders::Order,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let currency = payment.amount.currency;
    let amount = payment.amount.amount;
    let clearing = ledger::house(
        &format!("asset:clearing:{}", payment.provider),
        AccountKind::Asset,
        currency,
        -amount,
    );
    let mut postings = if before == PaymentState::RefundPending {
        // Money that could not buy anything, or a sale the operator reversed when
        // asking for the refund: either way it waits in refunds due. Unless another
        // payment fulfilled the order, the order itself is refunded.
        if order.state == OrderState::Paid {
            orders::set_state(tx, &order.id, OrderState::Refunded, now).await?;
        }
        vec![ledger::house(
            "liability:refunds_due",
            AccountKind::Liability,
            currency,
            amount,
        )]
    } else if order.kind == OrderKind::WalletTopup {
        // A refund the provider made on its own (from its dashboard, a chargeback):
        // the top-up's credit leaves the wallet with the money; what was spent
        // already is the operator's loss, booked as such.
        orders::set_state(tx, &order.id, OrderState::Refunded, now).await?;
        let credited = order.breakdown.total - order.breakdown.fee;
        let credit = ledger::wallet_credit_in(tx, backend, &order.account_id, currency).await?;
        let taken = credited.min(credit.max(0));
        if taken < credited {
            orders::flag(tx, &order.id, "refunded_after_spending").await?;
        }
        vec![
            ledger::wallet(&order.account_id, currency, taken),
            ledger::house(
                "expense:refund_losses",
                AccountKind::Expense,
                currency,
                credited - taken,
            ),
            ledger::house(
                "revenue:refunds",
                AccountKind::Revenue,
                currency,
                order.breakdown.fee,
            ),
        ]
    } else {
        // The payment that fulfilled the order goes back: so does the sale.
        orders::set_state(tx, &order.id, OrderState::Refunded, now).await?;
        vec![ledger::house(
            "revenue:refunds",
            AccountKind::Revenue,
            currency,
            amount,
        )]
    };
    postings.push(clearing);
    postings.retain(|p| p.amount != 0);
    ledger::post(
        tx,
        now,
        "refund",
        &format!("payment:{}:refund", payment.id),
        "Refund to the payer",
        currency,
        &postings,
    )
    .await?;
    Ok(())
}

/// What reversing the sale of `payment` moves into refunds due when the operator
/// asks for a refund: the revenue for plans; for a wallet top-up, the credit it put
/// in the wallet (the caller checks it is still there) and the method fee.
pub fn reversal_postings(
    payment: &store::Payment,
    order: &crate::orders::Order,
) -> Vec<ledger::Posting> {
    let currency = payment.amount.currency;
    let amount = payment.amount.amount;
    let mut postings = if order.kind == OrderKind::WalletTopup {
        let fee = order.breakdown.fee;
        vec![
            ledger::wallet(&order.account_id, currency, amount - fee),
            ledger::house("revenue:refunds", AccountKind::Revenue, currency, fee),
        ]
    } else {
        vec![ledger::house(
            "revenue:refunds",
            AccountKind::Revenue,
            currency,
            amount,
        )]
    };
    postings.push(ledger::house(
        "liability:refunds_due",
        AccountKind::Liability,
        currency,
        -amount,
    ));
    postings.retain(|p| p.amount != 0);
    postings
}

/// An observation our own code makes (expiry), in the same shape as a provider's.
pub fn local(status: ProviderStatus, why: &str) -> Observation {
    Observation {
        status,
        amount: None,
        raw: format!("{{\"local\":\"{why}\"}}"),
    }
}
