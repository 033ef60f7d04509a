//! The second pair of eyes on a refund or wallet adjustment above `[console]
//! approval_above`: another finance member (or an admin) approves it, and then the
//! money moves; or turns it down with a reason. The one who asked may withdraw it
//! (cancel) but never approve it. Each decision is audited in its transaction.

use crate::app::App;
use crate::audit;
use crate::error::{Code, Error, Result};
use crate::payments::PaymentState;
use crate::payments::store as payments;

use super::attention::staff_reason;
use super::refund_store;
use super::staff_refund::{Requested, carry_out, ensure_wallet_covers};

/// The second staff member approves: refused for the one who asked; approving again
/// changes nothing and answers where it stands.
pub async fn approve(app: &App, id: &str, actor: &str) -> Result<Requested> {
    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    let record = refund_store::lock(&mut tx, app.db.backend(), id)
        .await?
        .ok_or_else(|| Error::not_found(Code::RefundNotFound))?;
    if record.requested_by == actor {
        return Err(Error::of(Code::OwnApproval));
    }
    if record.state != "pending_approval" {
        return Ok(Requested {
            id: record.id,
            state: record.state,
        });
    }
    if record.kind == "adjustment" {
        ensure_wallet_covers(app, &mut tx, &record).await?;
    } else if let Some(payment_id) = &record.payment_id {
        let payment = payments::lock(&mut tx, app.db.backend(), payment_id)
            .await?
            .ok_or_else(|| Error::not_found(Code::PaymentNotFound))?;
        if payment.state != PaymentState::Succeeded {
            return Err(Error::conflict(Code::PaymentNotRefundable));
        }
    }
    let key = audit::Key::from_secret(&app.secret);
    audit::record(&mut tx, &key, now, actor, "refund.approve", &record.id, "").await?;
    refund_store::set_state(&mut tx, &record.id, "pending_approval", Some(actor), now).await?;
    let state = carry_out(app, &mut tx, &record, now).await?;
    tx.commit().await?;
    Ok(Requested {
        id: record.id,
        state,
    })
}

/// Turns down a request waiting for approval, with why: `cancelled` when the one who
/// asked withdraws it, `rejected` when another member does. Nothing moved while it
/// waited, so nothing moves now. Refused (409 `refund_not_pending`) once it is no
/// longer waiting.
pub async fn reject(app: &App, id: &str, reason: &str, actor: &str) -> Result<Requested> {
    let reason = staff_reason(reason)?;
    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    let record = refund_store::lock(&mut tx, app.db.backend(), id)
        .await?
        .ok_or_else(|| Error::not_found(Code::RefundNotFound))?;
    let (state, action) = if record.requested_by == actor {
        ("cancelled", "refund.cancel")
    } else {
        ("rejected", "refund.reject")
    };
    if !refund_store::close(&mut tx, &record.id, state, actor, &reason, now).await? {
        return Err(Error::conflict(Code::RefundNotPending));
    }
    let key = audit::Key::from_secret(&app.secret);
    audit::record(&mut tx, &key, now, actor, action, &record.id, &reason).await?;
    tx.commit().await?;
    Ok(Requested {
        id: record.id,
        state: state.to_owned(),
    })
}
