//! Expiring an unpaid order: close its payment at the provider first (so the payer
//! cannot pay after we give up), ask once more, then mark it expired.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Error, Result};
use crate::payments::{Observation, ProviderStatus, provider_for};

use super::reconcile::query_now;
use super::settle::apply;
use super::{OrderState, store as orders};

pub const EXPIRE_JOB: &str = "order.expire";

#[derive(Debug, Serialize, Deserialize)]
pub struct ExpireJob {
    pub order_id: String,
}

pub(super) async fn expire(app: &App, job: ExpireJob) -> Result<Option<DateTime<Utc>>> {
    let mut tx = app.db.begin().await?;
    let order = orders::lock(&mut tx, app.db.backend(), &job.order_id).await?;
    tx.commit().await?;
    if order.state != OrderState::PendingPayment {
        return Ok(None);
    }
    let Some(payment) = order
        .payment
        .clone()
        .or(orders::latest_payment_of(app, order.id.as_str()).await?)
    else {
        let mut tx = app.db.begin().await?;
        orders::set_state(&mut tx, order.id.as_str(), OrderState::Expired, app.now()).await?;
        tx.commit().await?;
        return Ok(None);
    };
    if payment.state.is_open() {
        // Close first, so that the payer cannot pay after we give up; then ask once
        // more, in case they paid just before.
        let provider = provider_for(app, &payment.provider)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("no provider")))?;
        if let Err(error) = provider.close(&payment.id).await {
            tracing::warn!(payment.id = %payment.id, %error, "close failed; expiry retried");
            return Ok(Some(app.now() + Duration::minutes(1)));
        }
        query_now(app, &payment.id).await?;
        apply(
            app,
            &payment.id,
            "expiry",
            &format!("expiry:{}", payment.id),
            &Observation::local(ProviderStatus::Closed, "order expired"),
        )
        .await?;
    }
    let mut tx = app.db.begin().await?;
    orders::expire_if_pending(&mut tx, order.id.as_str(), app.now()).await?;
    tx.commit().await?;
    Ok(None)
}
