//! The `refund.send` job: a staff refund queued for the payer goes back through the
//! payment's own provider; the books move the money out of refunds due when it does.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Error, Result};
use crate::ledger::{self, HouseAccount};
use crate::payments::provider_for;
use crate::payments::store as payments;

use super::{OrderState, refund_store, store as orders};

pub const SEND_JOB: &str = "refund.send";
/// Attempts at the provider before the refund is given up as failed.
pub const GIVE_UP_AFTER: i64 = 5;

#[derive(Debug, Serialize, Deserialize)]
pub struct SendJob {
    pub refund_id: String,
}

/// The `refund.send` job: the money goes back through the payment's provider, retried
/// with backoff; after [`GIVE_UP_AFTER`] failures the refund is given up ([`give_up`]).
pub async fn send(app: &App, job: SendJob, attempts: i64) -> Result<Option<DateTime<Utc>>> {
    let Some(record) = refund_store::find(app, &job.refund_id).await? else {
        return Ok(None);
    };
    let Some(payment_id) = record.payment_id.as_deref() else {
        return Ok(None);
    };
    if record.state != "queued" {
        return Ok(None);
    }
    let Some(payment) = payments::find(app, payment_id).await? else {
        return Ok(None);
    };
    let provider = provider_for(app, &payment.provider)
        .ok_or_else(|| Error::internal(anyhow::anyhow!("no provider")))?;
    let now = app.now();
    match provider
        .refund(&payment.id, record.amount, &format!("rf_{}", record.id))
        .await
    {
        Ok(()) => {
            let currency = record.amount.currency;
            let mut tx = app.db.begin().await?;
            ledger::post_for(
                &mut tx,
                Some(&record.account_id),
                now,
                "refund",
                &format!("refund:{}:sent", record.id),
                "Refund to the payer",
                currency,
                &[
                    ledger::house(HouseAccount::RefundsDue, currency, record.amount.amount),
                    ledger::house(
                        HouseAccount::Clearing(payment.provider.clone()),
                        currency,
                        -record.amount.amount,
                    ),
                ],
            )
            .await?;
            refund_store::set_state(&mut tx, &record.id, "refunded", None, now).await?;
            tx.commit().await?;
            Ok(None)
        }
        Err(error) => {
            tracing::warn!(refund.id = %record.id, %error, "refund failed");
            if attempts < GIVE_UP_AFTER {
                return Ok(Some(now + Duration::minutes(5 * attempts.clamp(1, 12))));
            }
            give_up(app, &record, &payment, now).await?;
            Ok(None)
        }
    }
}

/// The provider refused the refund every time: the refund is `failed`, what it moved
/// in the books is moved back (the sale stands again, the money is no longer owed to
/// the payer, a top-up's credit is back in the wallet), an order it marked refunded
/// is fulfilled again, and the payment is flagged `refund_failed` for a person, who
/// may refund it again (to the wallet, say).
async fn give_up(
    app: &App,
    record: &refund_store::RefundRecord,
    payment: &payments::Payment,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = app.db.begin().await?;
    ledger::reverse(
        &mut tx,
        now,
        "refund_failed",
        &format!("refund:{}", record.id),
        &format!("refund:{}:failed", record.id),
        "Refund the provider refused, undone",
    )
    .await?;
    refund_store::set_state(&mut tx, &record.id, "failed", None, now).await?;
    let order = orders::lock(&mut tx, app.db.backend(), &payment.order_id).await?;
    if order.state == OrderState::Refunded
        && refund_store::taken_back(&mut tx, &payment.id).await? < payment.amount.amount
    {
        orders::set_state(&mut tx, order.id.as_str(), OrderState::Fulfilled, now).await?;
    }
    payments::flag(&mut tx, &payment.id, "refund_failed").await?;
    tx.commit().await?;
    tracing::warn!(refund.id = %record.id, payment.id = %payment.id, "refund given up; flagged for a person");
    Ok(())
}
