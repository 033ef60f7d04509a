//! Fulfilling a payment by hand: the provider confirmed it out of band (on the phone,
//! in its dashboard) while its notification and our queries said nothing. A finance
//! member (or an admin) gives the provider's reference and why; the word goes through
//! the same door as every other word about a payment ([`super::settle::apply_in`]),
//! stored as a `manual` event with their evidence, so the order is fulfilled once by
//! the usual fulfilment (periods, ledger, receipt). Only an open payment of an order
//! still waiting for payment qualifies; anything else is refused and nothing changes.

use serde::Serialize;

use crate::app::App;
use crate::audit;
use crate::error::{Code, Error, Result};
use crate::payments::attention as payment_attention;
use crate::payments::store as payments;
use crate::payments::{Observation, PaymentState, ProviderStatus};

use super::attention::{clear_order_flag, staff_reason};
use super::settle::{Applied, apply_in};
use super::{OrderState, store as orders};

/// Longest provider reference kept.
const MAX_REFERENCE_CHARS: usize = 200;

/// What came of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ManuallyFulfilled {
    /// The payment, now `succeeded`.
    pub id: String,
    pub state: PaymentState,
    pub order_id: String,
    /// `fulfilled`.
    pub order_state: String,
}

/// The provider's reference as kept: trimmed, 1 to 200 characters without control
/// characters; else `reference_required`.
pub fn reference(text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty()
        || text.chars().count() > MAX_REFERENCE_CHARS
        || text.chars().any(char::is_control)
    {
        return Err(Error::invalid(Code::ReferenceRequired).on_field("reference"));
    }
    Ok(text.to_owned())
}

/// Marks the open payment `payment_id` succeeded on the staff member's evidence and
/// fulfils its order, in one transaction with the audit entry
/// (`payment.fulfil_manually`). Refused: 409 `payment_not_open` for a payment that
/// is settled (succeeded, refunded, failed, expired), 409 `order_not_awaiting_payment`
/// when its order is not waiting for payment, or the reason fulfilment is impossible
/// (`no_esim_in_inventory`…).
pub async fn fulfil_manually(
    app: &App,
    payment_id: &str,
    reference_text: &str,
    reason_text: &str,
    actor: &str,
) -> Result<ManuallyFulfilled> {
    let reason = staff_reason(reason_text)?;
    let reference = reference(reference_text)?;
    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    let payment = payments::lock(&mut tx, app.db.backend(), payment_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::PaymentNotFound))?;
    if !payment.state.is_open() {
        return Err(Error::conflict(Code::PaymentNotOpen));
    }
    let order = orders::lock(&mut tx, app.db.backend(), &payment.order_id).await?;
    if !matches!(order.state, OrderState::PendingPayment | OrderState::Paid) {
        return Err(Error::conflict(Code::OrderNotAwaitingPayment));
    }
    // Dealt with by a person: the flags that brought it to one go.
    payment_attention::clear_flag(&mut tx, &payment.id).await?;
    clear_order_flag(&mut tx, order.id.as_str()).await?;
    let evidence = serde_json::json!({
        "manual": true,
        "by": actor,
        "reference": reference,
        "reason": reason,
    });
    let observation = Observation {
        status: ProviderStatus::Succeeded,
        amount: Some(payment.amount),
        raw: evidence.to_string(),
    };
    let applied = apply_in(
        app,
        &mut tx,
        &payment.id,
        "manual",
        &format!("manual:{}", payment.id),
        &observation,
    )
    .await?;
    if applied != Applied::Moved(PaymentState::Succeeded) {
        // Fulfilment refused (say no eSIM is left): nothing is kept, the reason told.
        let refused = orders::lock(&mut tx, app.db.backend(), order.id.as_str())
            .await?
            .attention
            .and_then(|flags| {
                Code::ALL
                    .iter()
                    .copied()
                    .find(|code| flags.split(',').any(|flag| flag == code.as_str()))
            })
            .unwrap_or(Code::OrderNotAwaitingPayment);
        return Err(Error::conflict(refused));
    }
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        actor,
        "payment.fulfil_manually",
        &payment.id,
        &format!(
            "order {} fulfilled; provider reference {reference}: {reason}",
            order.id
        ),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(payment.id = %payment.id, order.id = %order.id, "payment fulfilled by hand");
    Ok(ManuallyFulfilled {
        id: payment.id,
        state: PaymentState::Succeeded,
        order_id: order.id.to_string(),
        order_state: OrderState::Fulfilled.as_str().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_one_line_of_at_most_200_characters() {
        assert_eq!(reference(" pi_3Nq ").unwrap(), "pi_3Nq");
        for bad in ["", "  ", "a\nb", &"x".repeat(201)] {
            assert_eq!(
                reference(bad).unwrap_err().code,
                Code::ReferenceRequired,
                "{bad:?}"
            );
        }
    }
}
