//! Throwaway installations for benchmarks: a SQLite file in a temporary directory,
//! or a fresh schema in a PostgreSQL database, dropped afterwards.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::app::App;
use crate::clock::SystemClock;
use crate::config::Config;
use crate::db::{Db, DbOptions, sqlite_url};

pub struct Installation {
    pub app: App,
    pub label: &'static str,
    dir: PathBuf,
    schema: Option<(String, String)>,
}

impl Installation {
    pub async fn sqlite() -> anyhow::Result<Self> {
        let dir =
            std::env::temp_dir().join(crate::ids::new_id("datacard-bench", chrono::Utc::now()));
        std::fs::create_dir_all(&dir)?;
        let options = DbOptions {
            url: sqlite_url(&dir.join("bench.sqlite3")),
            max_connections: 4,
            schema: None,
        };
        Self::build(options, dir, None, "sqlite").await
    }

    pub async fn postgres(url: &str) -> anyhow::Result<Self> {
        let dir =
            std::env::temp_dir().join(crate::ids::new_id("datacard-bench", chrono::Utc::now()));
        std::fs::create_dir_all(&dir)?;
        let schema = crate::ids::new_id("bench", chrono::Utc::now()).to_ascii_lowercase();
        let admin = Db::connect(&DbOptions {
            url: url.to_owned(),
            max_connections: 2,
            schema: None,
        })
        .await
        .context("cannot reach PostgreSQL for the benchmark")?;
        sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
            .execute(admin.reader())
            .await?;
        admin.close().await;
        let options = DbOptions {
            url: url.to_owned(),
            max_connections: 8,
            schema: Some(schema.clone()),
        };
        Self::build(options, dir, Some((url.to_owned(), schema)), "postgresql").await
    }

    async fn build(
        options: DbOptions,
        dir: PathBuf,
        schema: Option<(String, String)>,
        label: &'static str,
    ) -> anyhow::Result<Self> {
        let db = Db::connect(&options).await?;
        db.migrate().await?;
        let mut config = Config {
            data_dir: dir.clone(),
            demo: true,
            ..Config::default()
        };
        config.payments.sandbox.notify_delay_ms = 0;
        config.server.public_url = "http://127.0.0.1:9".into();
        let app = crate::server::build_with_db(config, db, Arc::new(SystemClock))?;
        Ok(Self {
            app,
            label,
            dir,
            schema,
        })
    }

    pub fn schema(&self) -> Option<&str> {
        self.schema.as_ref().map(|(_, schema)| schema.as_str())
    }

    pub async fn remove(self) -> anyhow::Result<()> {
        self.app.db.close().await;
        if let Some((url, schema)) = &self.schema {
            let admin = Db::connect(&DbOptions {
                url: url.clone(),
                max_connections: 2,
                schema: None,
            })
            .await?;
            sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                .execute(admin.reader())
                .await?;
            admin.close().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(())
    }
}
