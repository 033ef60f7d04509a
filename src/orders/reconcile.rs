//! Reconciliation: durable jobs that ask providers about payments still open, and the
//! dispatch of the order-and-payment jobs (expiry in [`super::expire`], refunds in
//! [`super::refund`]).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::jobs::{self, Job};
use crate::payments::PaymentState;
use crate::payments::{provider_for, store};

use super::expire::{EXPIRE_JOB, expire};
use super::refund::{REFUND_JOB, refund_at_provider};
use super::settle::apply;
use super::store as orders;

pub const RECONCILE_JOB: &str = "payment.reconcile";

/// When to ask again about a payment still open: about 1 min, 5 min, 15 min, 1 h,
/// 6 h and 24 h after it was created; then it is flagged for the operator.
pub const SCHEDULE: [i64; 6] = [60, 5 * 60, 15 * 60, 3600, 6 * 3600, 24 * 3600];

#[derive(Debug, Serialize, Deserialize)]
pub struct ReconcileJob {
    pub payment_id: String,
    pub created_at: DateTime<Utc>,
}

/// Queues the first status query and the expiry, in the order's transaction.
pub async fn schedule(
    tx: &mut crate::db::Tx,
    payment_id: &str,
    order_id: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    let reconcile = ReconcileJob {
        payment_id: payment_id.to_owned(),
        created_at: now,
    };
    jobs::enqueue(
        tx,
        RECONCILE_JOB,
        Some(&format!("reconcile:{payment_id}")),
        &reconcile,
        now + Duration::seconds(SCHEDULE[0]),
        now,
    )
    .await?;
    let expire = super::expire::ExpireJob {
        order_id: order_id.to_owned(),
    };
    jobs::enqueue(
        tx,
        EXPIRE_JOB,
        Some(&format!("expire:{order_id}")),
        &expire,
        expires_at,
        now,
    )
    .await?;
    Ok(())
}

/// Asks the provider now and applies the answer (the order page's "refresh").
pub async fn query_now(app: &App, payment_id: &str) -> Result<()> {
    let payment = store::find(app, payment_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::PaymentNotFound))?;
    if !payment.state.is_open() {
        return Ok(());
    }
    let provider = provider_for(app, &payment.provider)
        .ok_or_else(|| Error::internal(anyhow::anyhow!("no provider {}", payment.provider)))?;
    match provider.query(&payment.id).await {
        Ok(observation) => {
            let event_id = format!(
                "query:{}:{}",
                payment.id,
                crate::ids::new_id("q", app.now())
            );
            apply(app, &payment.id, "query", &event_id, &observation).await?;
            Ok(())
        }
        Err(error) => {
            tracing::warn!(payment.id = %payment.id, %error, "status query failed");
            Ok(())
        }
    }
}

/// How often a subscriber's "refresh" may make us ask the provider about one
/// payment; asked sooner, the order shows what we know.
pub const SUBSCRIBER_QUERY_SPACING_MS: i64 = 5_000;

/// [`query_now`] on a subscriber's request: at most one provider query per payment
/// every [`SUBSCRIBER_QUERY_SPACING_MS`], however many refreshes arrive (each
/// atomically takes the slot, so parallel ones cannot all pass).
pub async fn query_for_subscriber(app: &App, payment_id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let taken =
        store::take_subscriber_query(&mut tx, payment_id, app.now(), SUBSCRIBER_QUERY_SPACING_MS)
            .await?;
    tx.commit().await?;
    if !taken {
        tracing::debug!(payment.id = %payment_id, "refresh too soon: provider not asked");
        return Ok(());
    }
    query_now(app, payment_id).await
}

/// Runs every due job (of every kind); kept here because payment tests call it.
pub async fn run_due(app: &App, worker: &str) -> Result<usize> {
    jobs::run_due(app, worker).await
}

/// The payment jobs; `Ok(None)`: done, `Ok(Some(at))`: run again at `at`.
pub async fn handle(app: &App, job: &Job) -> Result<Option<DateTime<Utc>>> {
    match job.kind.as_str() {
        RECONCILE_JOB => reconcile(app, job.payload()?).await,
        EXPIRE_JOB => expire(app, job.payload()?).await,
        REFUND_JOB => refund_at_provider(app, job.payload()?, job.attempts).await,
        other => Err(Error::internal(anyhow::anyhow!("unknown job kind {other}"))),
    }
}

async fn reconcile(app: &App, job: ReconcileJob) -> Result<Option<DateTime<Utc>>> {
    query_now(app, &job.payment_id).await?;
    let Some(payment) = store::find(app, &job.payment_id).await? else {
        return Ok(None);
    };
    if !payment.state.is_open() {
        return Ok(None);
    }
    let now = app.now();
    let next = SCHEDULE
        .iter()
        .map(|secs| job.created_at + Duration::seconds(*secs))
        .find(|at| *at > now);
    match next {
        Some(at) => Ok(Some(at)),
        None => {
            let mut tx = app.db.begin().await?;
            store::flag(&mut tx, &payment.id, "unknown_after_retries").await?;
            orders::flag(&mut tx, &payment.order_id, "payment_unknown").await?;
            tx.commit().await?;
            tracing::warn!(payment.id = %payment.id, "payment still unknown after every query; flagged");
            Ok(None)
        }
    }
}

/// Asks the provider now, whatever the schedule says.
pub async fn query(app: &App, payment_id: &str) -> Result<PaymentState> {
    query_now(app, payment_id).await?;
    let payment = store::find(app, payment_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::PaymentNotFound))?;
    Ok(payment.state)
}
