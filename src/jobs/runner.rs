//! Runs due jobs of every kind, each with the handler the composition root gave the app
//! ([`crate::background::JobKinds`]): the queue itself knows no domain module.

use chrono::{DateTime, Duration, Utc};

use crate::app::App;
use crate::error::Result;

use super::{Job, claim, complete, retry_at};

/// Runs every due job; returns how many ran. Several workers may call this at once.
pub async fn run_due(app: &App, worker: &str) -> Result<usize> {
    run_due_of(app, worker, None).await
}

/// Runs the due jobs of one kind only (tests deliver queued messages this way
/// without running anything else that happens to be due).
pub async fn run_due_of_kind(app: &App, worker: &str, kind: &str) -> Result<usize> {
    run_due_of(app, worker, Some(kind)).await
}

async fn run_due_of(app: &App, worker: &str, kind: Option<&str>) -> Result<usize> {
    let mut ran = 0;
    loop {
        let batch = claim(app, worker, 16, kind).await?;
        if batch.is_empty() {
            return Ok(ran);
        }
        for job in batch {
            ran += 1;
            match run(app, &job).await {
                Ok(None) => complete(app, &job, worker).await?,
                Ok(Some(again)) => retry_at(app, &job, worker, again, None).await?,
                Err(error) => {
                    tracing::warn!(job.id = %job.id, job.kind = %job.kind, %error, "job failed; will retry");
                    let wait = Duration::seconds(
                        30 * 2i64.pow(u32::try_from(job.attempts.clamp(1, 8)).unwrap_or(8)),
                    );
                    retry_at(
                        app,
                        &job,
                        worker,
                        app.now() + wait,
                        Some(&error.to_string()),
                    )
                    .await?;
                }
            }
        }
    }
}

async fn run(app: &App, job: &Job) -> Result<Option<DateTime<Utc>>> {
    app.job_handlers.run(app, job).await
}
