//! Durable background work. A job is a row; a worker claims due jobs with a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the single writer on SQLite), so several
//! app nodes can run workers at once, no job runs twice at once, and a job whose
//! node died is claimed again when its lease runs out.

mod runner;

pub use runner::{run_due, run_due_of_kind};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::{Backend, Tx};
use crate::error::{Error, Result};
use crate::ids::new_id;

/// What runs a job of each kind. The composition root supplies it
/// ([`crate::background::JobKinds`]), so the queue depends on no domain module.
#[async_trait::async_trait]
pub trait Handlers: Send + Sync {
    /// Runs `job`; `Ok(Some(at))` asks to run it again at `at`.
    async fn run(&self, app: &App, job: &Job) -> Result<Option<DateTime<Utc>>>;
}

/// How long a claimed job is ours before another worker may take it.
pub const LEASE: Duration = Duration::seconds(120);

#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub run_at: DateTime<Utc>,
}

impl Job {
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.payload).map_err(Error::internal)
    }
}

/// Queues a job in the caller's transaction. With a `unique_key`, a job already
/// queued under that key is left as it is.
pub async fn enqueue<T: Serialize>(
    tx: &mut Tx,
    kind: &str,
    unique_key: Option<&str>,
    payload: &T,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    let payload = serde_json::to_string(payload).map_err(Error::internal)?;
    sqlx::query(
        "INSERT INTO jobs (id, kind, unique_key, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (unique_key) DO NOTHING",
    )
    .bind(new_id("job", now))
    .bind(kind)
    .bind(unique_key)
    .bind(payload)
    .bind(to_millis(run_at))
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Claims up to `limit` due jobs for `worker`, of one kind only if `kind` says so.
pub async fn claim(app: &App, worker: &str, limit: i64, kind: Option<&str>) -> Result<Vec<Job>> {
    let now = app.now();
    let lock = match app.db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let of_kind = if kind.is_some() { "AND kind = $5" } else { "" };
    let sql = format!(
        "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 WHERE id IN ( \
           SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $3 AND (locked_until IS NULL OR locked_until < $3) {of_kind} \
           ORDER BY run_at, id LIMIT $4 {lock}) \
         RETURNING id, kind, payload, attempts, run_at"
    );
    let mut tx = app.db.begin().await?;
    let mut query = sqlx::query(&sql)
        .bind(worker)
        .bind(to_millis(now + LEASE))
        .bind(to_millis(now))
        .bind(limit);
    if let Some(kind) = kind {
        query = query.bind(kind);
    }
    let rows = query.fetch_all(&mut *tx).await?;
    tx.commit().await?;
    // RETURNING gives rows in no particular order (PostgreSQL): run them as queued.
    let mut jobs = rows
        .iter()
        .map(|row| {
            Ok(Job {
                id: row.try_get("id")?,
                kind: row.try_get("kind")?,
                payload: row.try_get("payload")?,
                attempts: row.try_get("attempts")?,
                run_at: from_millis(row.try_get("run_at")?),
            })
        })
        .collect::<Result<Vec<Job>>>()?;
    jobs.sort_by(|a, b| (a.run_at, &a.id).cmp(&(b.run_at, &b.id)));
    Ok(jobs)
}

/// The job is done; `then` may queue follow-up work in the same transaction.
pub async fn complete(app: &App, job: &Job, worker: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE jobs SET done_at = $1, locked_by = NULL, locked_until = NULL, unique_key = NULL WHERE id = $2 AND locked_by = $3")
        .bind(to_millis(app.now()))
        .bind(&job.id)
        .bind(worker)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Runs the job again at `run_at` (a backoff, or the next step of a schedule).
pub async fn retry_at(
    app: &App,
    job: &Job,
    worker: &str,
    run_at: DateTime<Utc>,
    error: Option<&str>,
) -> Result<()> {
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE jobs SET run_at = $1, locked_by = NULL, locked_until = NULL, last_error = $2 WHERE id = $3 AND locked_by = $4")
        .bind(to_millis(run_at))
        .bind(error)
        .bind(&job.id)
        .bind(worker)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// How many jobs are waiting (done or not), for tests and the operator.
pub async fn pending(app: &App, kind: &str) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND done_at IS NULL")
        .bind(kind)
        .fetch_one(app.db.reader())
        .await?;
    Ok(row.try_get(0)?)
}
