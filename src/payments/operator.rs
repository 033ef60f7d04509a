//! What the operator needs about payments: the ones that need attention, a status
//! query on demand, and a refund.

use serde::Serialize;
use sqlx::Row;

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::jobs;
use crate::ledger;
use crate::orders::{OrderKind, OrderState, store as orders};

use super::apply::{REFUND_JOB, RefundJob};
use super::{PaymentState, reconcile, store};

#[derive(Debug, Clone, Serialize)]
pub struct Attention {
    /// `order`, `payment` or `event`.
    pub subject: &'static str,
    pub id: String,
    pub state: String,
    pub reasons: String,
}

/// Orders and payments flagged for a person, and notifications we could not match.
pub async fn needing_attention(app: &App) -> Result<Vec<Attention>> {
    let mut out = Vec::new();
    let reader = app.db.reader();
    for row in sqlx::query("SELECT id, state, attention FROM orders WHERE attention IS NOT NULL ORDER BY updated_at DESC").fetch_all(reader).await? {
        out.push(Attention {
            subject: "order",
            id: row.try_get("id")?,
            state: row.try_get("state")?,
            reasons: row.try_get("attention")?,
        });
    }
    for row in sqlx::query("SELECT id, state, attention FROM payments WHERE attention IS NOT NULL ORDER BY updated_at DESC").fetch_all(reader).await? {
        out.push(Attention {
            subject: "payment",
            id: row.try_get("id")?,
            state: row.try_get("state")?,
            reasons: row.try_get("attention")?,
        });
    }
    for row in sqlx::query(
        "SELECT provider_event_id, provider_status, outcome FROM payment_events \
         WHERE outcome IN ('unknown_payment', 'amount_mismatch', 'wrong_provider') ORDER BY received_at DESC",
    )
    .fetch_all(reader)
    .await?
    {
        out.push(Attention {
            subject: "event",
            id: row.try_get("provider_event_id")?,
            state: row.try_get("provider_status")?,
            reasons: row.try_get("outcome")?,
        });
    }
    Ok(out)
}

/// Asks the provider now, whatever the schedule says.
pub async fn query(app: &App, payment_id: &str) -> Result<PaymentState> {
    reconcile::query_now(app, payment_id).await?;
    let payment = store::find(app, payment_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::PaymentNotFound))?;
    Ok(payment.state)
}

/// Refunds a succeeded payment: the sale is reversed in the books now, the money
/// goes back through the provider by the refund job.
pub async fn refund(app: &App, payment_id: &str, actor: &str) -> Result<()> {
    let now = app.now();
    let mut tx = crate::audit::begin(&app.db).await?;
    let payment = store::lock(&mut tx, app.db.backend(), payment_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::PaymentNotFound))?;
    if payment.state != PaymentState::Succeeded {
        return Err(Error::conflict(Code::PaymentNotRefundable));
    }
    let order = orders::lock(&mut tx, app.db.backend(), &payment.order_id).await?;
    let postings = super::apply::reversal_postings(&payment, &order);
    if order.kind == OrderKind::WalletTopup {
        // The credit goes back with the money: all of it must still be in the wallet.
        let credit = ledger::wallet_credit_in(
            &mut tx,
            app.db.backend(),
            &order.account_id,
            payment.amount.currency,
        )
        .await?;
        let credited = order.breakdown.total - order.breakdown.fee;
        if credit < credited {
            return Err(Error::conflict(Code::TopUpSpent).with_details(vec![format!(
                "the top-up credited {} and the wallet holds {}; refund what is left with a wallet adjustment instead",
                crate::money::Money::new(credited, payment.amount.currency),
                crate::money::Money::new(credit.max(0), payment.amount.currency),
            )]));
        }
    }
    ledger::post(
        &mut tx,
        now,
        "sale_reversal",
        &format!("payment:{}:reversal", payment.id),
        "Sale reversed for a refund",
        payment.amount.currency,
        &postings,
    )
    .await?;
    store::set_state(&mut tx, &payment.id, PaymentState::RefundPending, now).await?;
    store::flag(&mut tx, &payment.id, "operator_refund").await?;
    orders::set_state(&mut tx, &payment.order_id, OrderState::Refunded, now).await?;
    let key = crate::audit::Key::from_secret(&app.secret);
    crate::audit::record(&mut tx, &key, now, actor, "payment.refund", &payment.id, "").await?;
    jobs::enqueue(
        &mut tx,
        REFUND_JOB,
        Some(&format!("refund:{}", payment.id)),
        &RefundJob {
            payment_id: payment.id.clone(),
        },
        now,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
