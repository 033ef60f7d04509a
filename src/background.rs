//! The loops that run beside the server: due jobs and lines whose time ran out
//! (the demo adds its sandbox's notifications). Each stops when told to.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::error::Result;
use crate::jobs::Job;

/// Every kind of background job and the module that runs it.
pub struct JobKinds;

#[async_trait::async_trait]
impl crate::jobs::Handlers for JobKinds {
    async fn run(&self, app: &App, job: &Job) -> Result<Option<DateTime<Utc>>> {
        use crate::orders::expire::EXPIRE_JOB;
        use crate::orders::reconcile::{self, RECONCILE_JOB};
        use crate::orders::refund::REFUND_JOB;
        match job.kind.as_str() {
            RECONCILE_JOB | EXPIRE_JOB | REFUND_JOB => reconcile::handle(app, job).await,
            crate::orders::staff_refund::SEND_JOB => {
                crate::orders::staff_refund::send(app, job.payload()?, job.attempts).await
            }
            crate::usage::alerts::ALERT_JOB => {
                crate::usage::alerts::send(app, job).await.map(|()| None)
            }
            crate::auto_renew::ATTEMPT_JOB => {
                let next = crate::auto_renew::attempt(app, job).await?;
                // A renewal refused for the spend cap is told at once, not at the next scan.
                crate::watch::scan_spend_caps(app).await?;
                Ok(next)
            }
            crate::watch::ALERT_JOB => crate::watch::send_alert(app, job).await.map(|()| None),
            crate::auto_renew::NOTIFY_JOB => crate::auto_renew::send_notification(app, job)
                .await
                .map(|()| None),
            crate::lines::DELIVER_JOB => crate::lines::deliver(app, job).await,
            crate::orders::receipts::DOCUMENT_JOB => {
                crate::records::send_document(app, job).await.map(|()| None)
            }
            crate::records::STATEMENT_JOB => crate::records::send_statement(app, job)
                .await
                .map(|()| None),
            crate::announcements::SEND_JOB => crate::announcements::send::send_page(app, job).await,
            crate::announcements::DELIVER_JOB => {
                crate::announcements::send::deliver(app, job).await
            }
            crate::tickets::NOTIFY_JOB => crate::tickets::send_notification(app, job)
                .await
                .map(|()| None),
            crate::accounts::MESSAGE_JOB => {
                crate::accounts::send_message(app, job).await.map(|()| None)
            }
            crate::inventory::low_stock::LOW_STOCK_JOB => {
                crate::inventory::low_stock::send(app, job)
                    .await
                    .map(|()| None)
            }
            other => Err(crate::error::Error::internal(anyhow::anyhow!(
                "unknown job kind {other}"
            ))),
        }
    }
}

pub fn spawn(app: App, stop: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let worker = format!(
        "{}-{}",
        std::process::id(),
        crate::ids::new_token().get(..8).unwrap_or("w")
    );
    let jobs_app = app.clone();
    let jobs = every(Duration::from_millis(500), stop.clone(), move || {
        let app = jobs_app.clone();
        let worker = worker.clone();
        async move {
            if let Err(error) = crate::orders::reconcile::run_due(&app, &worker).await {
                tracing::warn!(%error, "job runner");
            }
        }
    });
    let (app_for_watch, stop_for_watch) = (app.clone(), stop.clone());
    let lines = every(Duration::from_secs(30), stop, move || {
        let app = app.clone();
        async move {
            // Lines sold to start at install whose latest start has come stop waiting.
            if let Err(error) = crate::lines::open_due(&app).await {
                tracing::warn!(%error, "latest starts");
            }
            if let Err(error) = crate::lines::expire_lapsed(&app).await {
                tracing::warn!(%error, "line expiry");
            }
            if let Err(error) = crate::usage::alerts::scan_expiring(&app).await {
                tracing::warn!(%error, "expiry alerts");
            }
            if let Err(error) = crate::auto_renew::scan(&app).await {
                tracing::warn!(%error, "auto-renew");
            }
            if let Err(error) = crate::records::statements_due(&app).await {
                tracing::warn!(%error, "monthly statements");
            }
            // New eSIMs sold since the last look may have run the stock low.
            if let Err(error) = crate::inventory::low_stock::check(&app).await {
                tracing::warn!(%error, "low-stock alert");
            }
            // Support cases resolved `[support] auto_close_days` ago close.
            if let Err(error) = crate::tickets::auto_close(&app).await {
                tracing::warn!(%error, "support cases' auto-close");
            }
        }
    });
    let scan_every = Duration::from_secs(app_for_watch.config.watch.scan_secs);
    let watch = every(scan_every, stop_for_watch, move || {
        let app = app_for_watch.clone();
        async move {
            if let Err(error) = crate::watch::scan(&app).await {
                tracing::warn!(%error, "watch for abnormal charges and usage");
            }
        }
    });
    vec![jobs, lines, watch]
}

pub(crate) fn every<F, Fut>(
    interval: Duration,
    mut stop: watch::Receiver<bool>,
    mut tick: F,
) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep(interval) => tick().await,
            }
            if *stop.borrow() {
                return;
            }
        }
    })
}
