//! Refunds and wallet adjustments staff make in the back office: part or all of a
//! payment back to the payer (through the payment's own provider) or to the customer's
//! wallet, and signed wallet adjustments, each with a reason. Above
//! `[console] approval_above` a second staff member approves (four-eyes); nobody
//! approves their own. The money moves in the books in the same transaction as the
//! request is queued or applied; the provider is asked by the `refund.send` job.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::App;
use crate::audit;
use crate::error::{Code, Error, Result};
use crate::ids::new_id;
use crate::jobs;
use crate::ledger::{self, HouseAccount};
use crate::money::Money;
use crate::payments::PaymentState;
use crate::payments::store as payments;

use super::refund_store::{self, RefundRecord};
use super::{OrderState, Product, store as orders};

pub use super::refund_approval::{approve, reject};
pub use super::refund_reason::{Destination, Reason, reason_with_note};
pub use super::refund_send::{GIVE_UP_AFTER, SEND_JOB, SendJob, send};

pub struct RefundRequest<'a> {
    pub payment_id: &'a str,
    /// Minor units; all that is left when `None`.
    pub amount: Option<i64>,
    pub destination: Destination,
    pub reason: Reason,
    pub note: String,
    pub actor: &'a str,
}

/// What a request became: its id and state (`pending_approval`, `queued` or `applied`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Requested {
    pub id: String,
    pub state: String,
}

fn needs_approval(app: &App, amount: i64) -> bool {
    amount.abs() > app.config.console.approval_above
}

/// Asks for a refund of part or all of a succeeded payment. Refused above what was
/// paid minus what refunds already take back (asked for or done).
pub async fn request_refund(app: &App, request: RefundRequest<'_>) -> Result<Requested> {
    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    let payment = payments::lock(&mut tx, app.db.backend(), request.payment_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::PaymentNotFound))?;
    if payment.state != PaymentState::Succeeded {
        return Err(Error::conflict(Code::PaymentNotRefundable));
    }
    let order = orders::lock(&mut tx, app.db.backend(), &payment.order_id).await?;
    if order.product == Product::WalletTopup && request.destination == Destination::Wallet {
        return Err(Error::invalid(Code::InvalidRefundDestination));
    }
    let left = payment.amount.amount - refund_store::taken_back(&mut tx, &payment.id).await?;
    let amount = request.amount.unwrap_or(left);
    if amount <= 0 && left > 0 {
        return Err(Error::invalid(Code::InvalidAmount));
    }
    if amount > left || left <= 0 {
        return Err(
            Error::conflict(Code::RefundExceedsPaid).with_details(vec![format!(
                "paid {}, left to refund {}",
                payment.amount,
                Money::new(left.max(0), payment.amount.currency)
            )]),
        );
    }
    let record = RefundRecord {
        id: new_id("rfd", now),
        kind: "refund".into(),
        account_id: order.account_id.as_str().to_owned(),
        payment_id: Some(payment.id.clone()),
        destination: request.destination.as_str().into(),
        amount: Money::new(amount, payment.amount.currency),
        reason: request.reason.as_str().into(),
        note: request.note,
        state: "pending_approval".into(),
        requested_by: request.actor.to_owned(),
        approved_by: None,
        created_at: now,
        closed_by: None,
        close_reason: None,
    };
    refund_store::insert(&mut tx, &record).await?;
    let key = audit::Key::from_secret(&app.secret);
    let detail = format!(
        "{} of payment {} to the {} ({}{}{})",
        record.amount,
        payment.id,
        record.destination,
        record.reason,
        if record.note.is_empty() { "" } else { ": " },
        record.note
    );
    audit::record(
        &mut tx,
        &key,
        now,
        request.actor,
        "refund.request",
        &record.id,
        &detail,
    )
    .await?;
    let state = if needs_approval(app, amount) {
        "pending_approval".to_owned()
    } else {
        carry_out(app, &mut tx, &record, now).await?
    };
    tx.commit().await?;
    Ok(Requested {
        id: record.id,
        state,
    })
}

/// A signed wallet adjustment (goodwill credit, correction); refused when it would
/// leave the wallet below zero.
pub async fn adjust_wallet(
    app: &App,
    account_id: &str,
    amount: Money,
    reason: Reason,
    note: String,
    actor: &str,
) -> Result<Requested> {
    if amount.amount == 0 {
        return Err(Error::invalid(Code::InvalidAmount));
    }
    if crate::accounts::find(app, account_id).await?.is_none() {
        return Err(Error::not_found(Code::NotFound));
    }
    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    let record = RefundRecord {
        id: new_id("rfd", now),
        kind: "adjustment".into(),
        account_id: account_id.to_owned(),
        payment_id: None,
        destination: Destination::Wallet.as_str().into(),
        amount,
        reason: reason.as_str().into(),
        note,
        state: "pending_approval".into(),
        requested_by: actor.to_owned(),
        approved_by: None,
        created_at: now,
        closed_by: None,
        close_reason: None,
    };
    ensure_wallet_covers(app, &mut tx, &record).await?;
    refund_store::insert(&mut tx, &record).await?;
    let key = audit::Key::from_secret(&app.secret);
    let detail = format!(
        "{} to the wallet of {} ({}{}{})",
        amount,
        account_id,
        record.reason,
        if record.note.is_empty() { "" } else { ": " },
        record.note
    );
    audit::record(
        &mut tx,
        &key,
        now,
        actor,
        "wallet.adjust",
        &record.id,
        &detail,
    )
    .await?;
    let state = if needs_approval(app, amount.amount) {
        "pending_approval".to_owned()
    } else {
        carry_out(app, &mut tx, &record, now).await?
    };
    tx.commit().await?;
    Ok(Requested {
        id: record.id,
        state,
    })
}

/// A debit must leave the wallet at zero or above.
pub(super) async fn ensure_wallet_covers(
    app: &App,
    tx: &mut crate::db::Tx,
    record: &RefundRecord,
) -> Result<()> {
    if record.amount.amount >= 0 {
        return Ok(());
    }
    let credit = ledger::wallet_credit_in(
        tx,
        app.db.backend(),
        &record.account_id,
        record.amount.currency,
    )
    .await?;
    if credit + record.amount.amount < 0 {
        return Err(
            Error::conflict(Code::WalletWouldGoNegative).with_details(vec![format!(
                "the wallet holds {}",
                Money::new(credit.max(0), record.amount.currency)
            )]),
        );
    }
    Ok(())
}

/// The money moves in the books; a refund to the payer is queued for the provider.
pub(super) async fn carry_out(
    app: &App,
    tx: &mut crate::db::Tx,
    record: &RefundRecord,
    now: DateTime<Utc>,
) -> Result<String> {
    let currency = record.amount.currency;
    let amount = record.amount.amount;
    let account = record.account_id.as_str();
    let (mut postings, state) = match (record.kind.as_str(), record.payment_id.as_deref()) {
        ("refund", Some(payment_id)) => {
            let payment = payments::lock(tx, app.db.backend(), payment_id)
                .await?
                .ok_or_else(|| Error::not_found(Code::PaymentNotFound))?;
            let order = orders::lock(tx, app.db.backend(), &payment.order_id).await?;
            let refunded = refund_store::taken_back(tx, payment_id).await?;
            // What is taken back: the sale (a plan's revenue), or a top-up's credit
            // still in the wallet — its method fee, the part beyond the credit it gave,
            // goes back last, from the fees.
            let mut taken = if order.product == Product::WalletTopup {
                let credited = order.breakdown.total - order.breakdown.fee;
                let fee_share = |total: i64| (total - credited).max(0);
                let fee = fee_share(refunded) - fee_share(refunded - amount);
                let from_wallet = amount - fee;
                let credit =
                    ledger::wallet_credit_in(tx, app.db.backend(), account, currency).await?;
                if credit < from_wallet {
                    return Err(Error::conflict(Code::TopUpSpent));
                }
                vec![
                    ledger::wallet(account, currency, from_wallet),
                    ledger::house(HouseAccount::Refunds, currency, fee),
                ]
            } else {
                vec![ledger::house(HouseAccount::Refunds, currency, amount)]
            };
            // All of it back: the order is refunded (the customer page says what
            // it bought and that its period is not ended by the refund).
            if refunded >= payment.amount.amount {
                orders::set_state(tx, order.id.as_str(), OrderState::Refunded, now).await?;
            }
            super::receipts::issue_credit_note(
                app,
                tx,
                &order,
                record.amount,
                super::receipts::CreditReason {
                    reference: &format!("refund:{}", record.id),
                    payment_id: Some(payment_id),
                    destination: &record.destination,
                    reason: &record.reason,
                },
                now,
            )
            .await?;
            if record.destination == Destination::Wallet.as_str() {
                taken.push(ledger::wallet(account, currency, -amount));
                (taken, "applied")
            } else {
                jobs::enqueue(
                    tx,
                    SEND_JOB,
                    Some(&format!("refund:{}", record.id)),
                    &SendJob {
                        refund_id: record.id.clone(),
                    },
                    now,
                    now,
                )
                .await?;
                taken.push(ledger::house(HouseAccount::RefundsDue, currency, -amount));
                (taken, "queued")
            }
        }
        _ => (
            vec![
                ledger::wallet(account, currency, -amount),
                ledger::house(HouseAccount::Promotions, currency, amount),
            ],
            "applied",
        ),
    };
    postings.retain(|p| p.amount != 0);
    ledger::post_for(
        tx,
        Some(account),
        now,
        if record.kind == "refund" {
            "staff_refund"
        } else {
            "wallet_adjustment"
        },
        &format!("refund:{}", record.id),
        if record.kind == "refund" {
            "Refund by staff"
        } else {
            "Wallet adjustment by staff"
        },
        currency,
        &postings,
    )
    .await?;
    refund_store::set_state(tx, &record.id, state, None, now).await?;
    Ok(state.to_owned())
}
