//! The `refund.send` job: a staff refund queued for the payer goes back through the
//! payment's own provider; the books move the money out of refunds due when it does.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Error, Result};
use crate::ledger::{self, HouseAccount};
use crate::payments::provider_for;
use crate::payments::store as payments;

use super::refund_store;

pub const SEND_JOB: &str = "refund.send";

#[derive(Debug, Serialize, Deserialize)]
pub struct SendJob {
    pub refund_id: String,
}

/// The `refund.send` job: the money goes back through the payment's provider, retried
/// with backoff; after five failures the refund is marked failed and the payment flagged.
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
            if attempts >= 5 {
                let mut tx = app.db.begin().await?;
                payments::flag(&mut tx, &payment.id, "refund_failed").await?;
                tx.commit().await?;
            }
            Ok(Some(now + Duration::minutes(5 * attempts.clamp(1, 12))))
        }
    }
}
