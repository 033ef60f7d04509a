//! The app under test: a fresh installation on either database with a clock the
//! test moves, and the end every story shares (the books balance).

use std::ops::Deref;
use std::sync::Arc;

use axum::Router;
use tempfile::TempDir;

use datacard::app::App;
use datacard::clock::ManualClock;
use datacard::config::Config;
use datacard::db::{Db, DbOptions};

use super::schema::SchemaGuard;
use super::{Backend, start_time};

const SKIP_POSTGRES: &str = "SKIPPED (postgres): DATACARD_TEST_DATABASE_URL is not set";

pub struct TestApp {
    pub app: App,
    pub router: Router,
    pub clock: ManualClock,
    pub backend: Backend,
    pub dir: TempDir,
    // Last, so that the schema goes after everything that uses it.
    schema: Option<SchemaGuard>,
}

impl Deref for TestApp {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl TestApp {
    /// A fresh installation on `backend`; `None` when PostgreSQL is not configured.
    pub async fn start(backend: Backend) -> Option<TestApp> {
        Self::start_with(backend, |_| {}).await
    }

    /// As [`TestApp::start`], with a chance to change the configuration first.
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (options, schema) = match backend {
            Backend::Sqlite => (
                DbOptions {
                    url: datacard::db::sqlite_url(&dir.path().join("test.sqlite3")),
                    max_connections: 4,
                    schema: None,
                },
                None,
            ),
            Backend::Postgres => {
                let Ok(url) = std::env::var("DATACARD_TEST_DATABASE_URL") else {
                    eprintln!("{SKIP_POSTGRES}");
                    return None;
                };
                let guard = SchemaGuard::create(&url).await;
                let options = DbOptions {
                    url: guard.tagged_url(),
                    max_connections: 4,
                    schema: Some(guard.name.clone()),
                };
                (options, Some(guard))
            }
        };
        let db = Db::connect(&options)
            .await
            .expect("connect to the database");
        db.migrate().await.expect("migrations");

        let mut config = Config {
            data_dir: dir.path().to_path_buf(),
            demo: true,
            ..Config::default()
        };
        config.server.trust_proxy_headers = true;
        config.server.public_url = "https://datacard.test".into();
        // The stories pay through the demo's sandbox unless they say otherwise.
        for method in [
            &mut config.payments.card,
            &mut config.payments.alipay,
            &mut config.payments.wechat_pay,
        ] {
            method.provider = datacard::payments::ProviderName::Sandbox;
        }
        adjust(&mut config);

        let clock = ManualClock::new(start_time());
        let app = datacard::server::build_with_db(config, db, Arc::new(clock.clone()))
            .expect("build the app");
        let router = datacard::web::router(app.clone());
        Some(TestApp {
            app,
            router,
            clock,
            backend,
            dir,
            schema,
        })
    }

    /// What every story ends with: the books balance.
    pub async fn finish(self) {
        let report = datacard::orders::store::check_books(&self.app.db)
            .await
            .expect("ledger check runs");
        assert!(report.is_clean(), "the ledger is not clean: {report:?}");
        self.app.db.close().await;
    }

    /// The URL of the app's database, for the `datacard` binary run beside it
    /// (`DATACARD_DATABASE_URL`, with `--data-dir` the app's dir for its secret).
    pub fn database_url(&self) -> String {
        match &self.schema {
            None => datacard::db::sqlite_url(&self.dir.path().join("test.sqlite3")),
            Some(schema) => format!(
                "{}&options=-c%20search_path%3D{}",
                schema.tagged_url(),
                schema.name
            ),
        }
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    pub fn advance_secs(&self, seconds: i64) {
        self.clock.advance(chrono::Duration::seconds(seconds));
    }

    /// Rows in a table: for checking that refused requests left nothing behind.
    pub async fn count_rows(&self, table: &str) -> i64 {
        use sqlx::Row;
        sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.app.db.reader())
            .await
            .and_then(|row| row.try_get::<i64, _>(0))
            .expect("count rows")
    }
}
