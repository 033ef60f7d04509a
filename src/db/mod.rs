//! One storage interface over two back ends: the embedded SQLite file and PostgreSQL.
//!
//! Queries are written once against `sqlx::Any` with `$n` placeholders, which both
//! drivers accept; where the SQL must differ, code asks [`Db::backend`]. SQLite gets a
//! single writer connection (so transactions never fight over the write lock) and a
//! small pool of readers; PostgreSQL uses one pool for both.

mod errors;

use std::path::Path;
use std::str::FromStr;
use std::sync::Once;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Transaction};

pub use errors::{ConstraintExt, constraint_name};

pub type Tx = Transaction<'static, Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    /// `sqlite://…` or `postgres://…`.
    pub url: String,
    pub max_connections: u32,
    /// PostgreSQL schema to work in (tests use one each).
    pub schema: Option<String>,
}

impl DbOptions {
    /// The configured URL, or the embedded file under the data dir.
    pub fn from_config(config: &crate::config::Config) -> Self {
        let url = config.database.url.expose();
        let url = if url.is_empty() {
            sqlite_url(&config.data_dir.join("datacard.sqlite3"))
        } else {
            url.to_owned()
        };
        Self {
            url,
            max_connections: config.database.max_connections,
            schema: None,
        }
    }
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

#[derive(Clone)]
pub struct Db {
    backend: Backend,
    writer: AnyPool,
    reader: AnyPool,
}

// Each folder links to migrations/common/ for the SQL both share (sqlx follows the links;
// the checksums are of the text, so they are unchanged); tests/suite/schema.rs.
static MIGRATE_SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static MIGRATE_POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Db {
    pub async fn connect(options: &DbOptions) -> anyhow::Result<Db> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);

        let backend = if options.url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let connect = AnyConnectOptions::from_str(&options.url)
            .context("database URL is not valid")?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
        match backend {
            Backend::Sqlite => {
                keep_sqlite_private(&options.url)?;
                let writer = sqlite_pool(1).connect_with(connect.clone()).await?;
                let reader = sqlite_pool(options.max_connections.max(2))
                    .connect_with(connect)
                    .await?;
                tokio::spawn(checkpoint_in_background(reader.clone()));
                Ok(Db {
                    backend,
                    writer,
                    reader,
                })
            }
            Backend::Postgres => {
                let schema = options.schema.clone();
                let pool = AnyPoolOptions::new()
                    .max_connections(options.max_connections.max(2))
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(move |conn, _meta| {
                        let schema = schema.clone();
                        Box::pin(async move {
                            if let Some(schema) = schema {
                                conn.execute(format!("SET search_path TO \"{schema}\"").as_str())
                                    .await?;
                            }
                            Ok(())
                        })
                    })
                    .connect_with(connect)
                    .await
                    .context("cannot connect to PostgreSQL")?;
                Ok(Db {
                    backend,
                    writer: pool.clone(),
                    reader: pool,
                })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &MIGRATE_SQLITE,
            Backend::Postgres => &MIGRATE_POSTGRES,
        };
        migrator
            .run(&self.writer)
            .await
            .context("database migration failed")?;
        Ok(())
    }

    /// A write transaction: one business action, committed or rolled back whole.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        self.writer.begin().await
    }

    /// For reads outside a transaction.
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// Does the database answer?
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.reader).await.is_ok()
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

/// Statements with hundreds of `$n` placeholders go to SQLite as `?`: SQLite finds a
/// numbered parameter by a linear scan, so binding thousands of them is quadratic
/// (more than half the usage engine's time before this). Only for statements whose
/// placeholders appear once each, in binding order.
pub fn positional(backend: Backend, sql: &str) -> String {
    if backend == Backend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// How often the WAL is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Copies the WAL into the database file off the commit path. Left to SQLite, the
/// commit that crosses the WAL's threshold does the checkpoint (and its fsync) itself,
/// and that writer, with everyone queued behind it, waits: measured by `datacard bench
/// checkout`, notification→fulfilled p99 went from 28 ms to 8 ms without it. A passive
/// checkpoint never blocks writers; should this task fall behind, the writer still
/// checkpoints at 10 000 pages (`wal_autocheckpoint`). Stops when the pool is closed.
async fn checkpoint_in_background(pool: AnyPool) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(%error, "background WAL checkpoint failed");
        }
    }
}

/// The database file private to the server's user: created 0600 before SQLite would
/// create it 0644 (its `-wal` and `-shm` files take the database's own mode), and
/// tightened, with them, if an older version left them open. In-memory databases
/// have no file.
fn keep_sqlite_private(url: &str) -> anyhow::Result<()> {
    let options =
        sqlx::sqlite::SqliteConnectOptions::from_str(url).context("database URL is not valid")?;
    let path = options.get_filename();
    let name = path.to_string_lossy();
    if name.is_empty() || name.starts_with("file:") || url.contains("mode=memory") {
        return Ok(());
    }
    let context = || format!("cannot make the database {} private", path.display());
    if url.contains("mode=rwc") {
        crate::private_files::ensure(path).with_context(context)?;
    } else {
        crate::private_files::tighten(path).with_context(context)?;
    }
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        crate::private_files::tighten(Path::new(&side)).with_context(context)?;
    }
    Ok(())
}

fn sqlite_pool(connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                     PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; \
                     PRAGMA wal_autocheckpoint = 10000;",
                )
                .await?;
                Ok(())
            })
        })
}

/// `$first, …, $(first + count − 1)`: an `IN` list of `count` values. Callers keep
/// a list to a few hundred values (SQLite's and PostgreSQL's limits are far above).
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_placeholders_become_positional_on_sqlite_only() {
        let sql = "INSERT INTO t VALUES ($1, CAST($2 AS BIGINT)), ($3, $4)";
        assert_eq!(
            positional(Backend::Sqlite, sql),
            "INSERT INTO t VALUES (?, CAST(? AS BIGINT)), (?, ?)"
        );
        assert_eq!(positional(Backend::Postgres, sql), sql);
    }
}
