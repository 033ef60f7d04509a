//! The loops that run beside the server: due jobs and lines whose time ran out
//! (the demo adds its sandbox's notifications). Each stops when told to.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;

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
    let lines = every(Duration::from_secs(30), stop, move || {
        let app = app.clone();
        async move {
            if let Err(error) = crate::lines::expire_lapsed(&app).await {
                tracing::warn!(%error, "line expiry");
            }
            if let Err(error) = crate::usage::alerts::scan_expiring(&app).await {
                tracing::warn!(%error, "expiry alerts");
            }
            if let Err(error) = crate::auto_renew::scan(&app).await {
                tracing::warn!(%error, "auto-renew");
            }
        }
    });
    vec![jobs, lines]
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
