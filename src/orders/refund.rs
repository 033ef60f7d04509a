//! Refunds: the operator's refund (the sale reversed in the books now), the job that
//! sends the money back through the provider, and the postings of a refund.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::jobs;
use crate::ledger::{self, HouseAccount};
use crate::payments::store::{self, Payment};
use crate::payments::{Observation, PaymentState, ProviderStatus, provider_for};

use super::settle::apply;
use super::{Order, OrderState, Product, store as orders};

pub const REFUND_JOB: &str = "payment.refund";

#[derive(Debug, Serialize, Deserialize)]
pub struct RefundJob {
    pub payment_id: String,
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
    // Staff refunded part of it already (the back office): the rest goes back there.
    if super::refund_store::taken_back(&mut tx, &payment.id).await? > 0 {
        return Err(Error::conflict(Code::PaymentNotRefundable));
    }
    let order = orders::lock(&mut tx, app.db.backend(), &payment.order_id).await?;
    let postings = reversal_postings(&payment, &order);
    if order.product == Product::WalletTopup {
        // The credit goes back with the money: all of it must still be in the wallet.
        let credit = ledger::wallet_credit_in(
            &mut tx,
            app.db.backend(),
            order.account_id.as_str(),
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
    let reference = format!("payment:{}:reversal", payment.id);
    ledger::post_for(
        &mut tx,
        Some(order.account_id.as_str()),
        now,
        "sale_reversal",
        &reference,
        "Sale reversed for a refund",
        payment.amount.currency,
        &postings,
    )
    .await?;
    super::receipts::issue_credit_note(
        app,
        &mut tx,
        &order,
        payment.amount,
        super::receipts::CreditReason {
            reference: &reference,
            payment_id: Some(&payment.id),
            destination: "provider",
            reason: "operator_refund",
        },
        now,
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

/// The refund job: the money goes back through the provider, retried with backoff.
pub(super) async fn refund_at_provider(
    app: &App,
    job: RefundJob,
    attempts: i64,
) -> Result<Option<DateTime<Utc>>> {
    let Some(payment) = store::find(app, &job.payment_id).await? else {
        return Ok(None);
    };
    if payment.state != PaymentState::RefundPending {
        return Ok(None);
    }
    let provider = provider_for(app, &payment.provider)
        .ok_or_else(|| Error::internal(anyhow::anyhow!("no provider")))?;
    match provider
        .refund(&payment.id, payment.amount, &format!("rf_{}", payment.id))
        .await
    {
        Ok(()) => {
            apply(
                app,
                &payment.id,
                "refund",
                &format!("refund:{}", payment.id),
                &Observation::local(ProviderStatus::Refunded, "refund accepted"),
            )
            .await?;
            Ok(None)
        }
        Err(error) => {
            tracing::warn!(payment.id = %payment.id, %error, "refund failed");
            if attempts >= 5 {
                let mut tx = app.db.begin().await?;
                store::flag(&mut tx, &payment.id, "refund_failed").await?;
                tx.commit().await?;
            }
            Ok(Some(
                app.now() + Duration::minutes(5 * attempts.clamp(1, 12)),
            ))
        }
    }
}

/// Money that arrived but is going back: held as owed to the payer.
pub(super) async fn received_for_refund(
    tx: &mut crate::db::Tx,
    payment: &Payment,
    account_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let currency = payment.amount.currency;
    ledger::post_for(
        tx,
        Some(account_id),
        now,
        "payment_to_refund",
        &format!("payment:{}:received", payment.id),
        "Payment received, to be refunded",
        currency,
        &[
            ledger::house(
                HouseAccount::Clearing(payment.provider.clone()),
                currency,
                payment.amount.amount,
            ),
            ledger::house(HouseAccount::RefundsDue, currency, -payment.amount.amount),
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn refunded(
    app: &App,
    tx: &mut crate::db::Tx,
    backend: crate::db::Backend,
    payment: &Payment,
    before: PaymentState,
    order: &Order,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let currency = payment.amount.currency;
    let amount = payment.amount.amount;
    let clearing = ledger::house(
        HouseAccount::Clearing(payment.provider.clone()),
        currency,
        -amount,
    );
    let mut postings = if before == PaymentState::RefundPending {
        // Money that could not buy anything, or a sale the operator reversed when
        // asking for the refund: either way it waits in refunds due. Unless another
        // payment fulfilled the order, the order itself is refunded.
        if order.state == OrderState::Paid {
            orders::set_state(tx, order.id.as_str(), OrderState::Refunded, now).await?;
        }
        vec![ledger::house(HouseAccount::RefundsDue, currency, amount)]
    } else if order.product == Product::WalletTopup {
        // A refund the provider made on its own (from its dashboard, a chargeback):
        // the top-up's credit leaves the wallet with the money; what was spent
        // already is the operator's loss, booked as such.
        orders::set_state(tx, order.id.as_str(), OrderState::Refunded, now).await?;
        let credited = order.breakdown.total - order.breakdown.fee;
        let credit =
            ledger::wallet_credit_in(tx, backend, order.account_id.as_str(), currency).await?;
        let taken = credited.min(credit.max(0));
        if taken < credited {
            orders::flag(tx, order.id.as_str(), "refunded_after_spending").await?;
        }
        vec![
            ledger::wallet(order.account_id.as_str(), currency, taken),
            ledger::house(HouseAccount::RefundLosses, currency, credited - taken),
            ledger::house(HouseAccount::Refunds, currency, order.breakdown.fee),
        ]
    } else {
        // The payment that fulfilled the order goes back: so does the sale.
        orders::set_state(tx, order.id.as_str(), OrderState::Refunded, now).await?;
        vec![ledger::house(HouseAccount::Refunds, currency, amount)]
    };
    postings.push(clearing);
    postings.retain(|p| p.amount != 0);
    let reference = format!("payment:{}:refund", payment.id);
    ledger::post_for(
        tx,
        Some(order.account_id.as_str()),
        now,
        "refund",
        &reference,
        "Refund to the payer",
        currency,
        &postings,
    )
    .await?;
    if before != PaymentState::RefundPending {
        // A refund the provider made on its own: the receipt it takes back is credited.
        super::receipts::issue_credit_note(
            app,
            tx,
            order,
            payment.amount,
            super::receipts::CreditReason {
                reference: &reference,
                payment_id: Some(&payment.id),
                destination: "provider",
                reason: "provider",
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// What reversing the sale of `payment` moves into refunds due when the operator
/// asks for a refund: the revenue for plans; for a wallet top-up, the credit it put
/// in the wallet (the caller checks it is still there) and the method fee.
pub fn reversal_postings(payment: &Payment, order: &Order) -> Vec<ledger::Posting> {
    let currency = payment.amount.currency;
    let amount = payment.amount.amount;
    let mut postings = if order.product == Product::WalletTopup {
        let fee = order.breakdown.fee;
        vec![
            ledger::wallet(order.account_id.as_str(), currency, amount - fee),
            ledger::house(HouseAccount::Refunds, currency, fee),
        ]
    } else {
        vec![ledger::house(HouseAccount::Refunds, currency, amount)]
    };
    postings.push(ledger::house(HouseAccount::RefundsDue, currency, -amount));
    postings.retain(|p| p.amount != 0);
    postings
}
