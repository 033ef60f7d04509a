//! A PostgreSQL schema per test run, dropped afterwards.

use datacard::db::{Db, DbOptions};

/// A PostgreSQL schema of the test's own, dropped (with everything in it) on drop.
///
/// The test's connections carry the schema name as `application_name`, so that the
/// drop can end those a failed test left behind: a transaction still open on the
/// test's own (by then blocked) runtime would otherwise hold its locks for ever.
pub(super) struct SchemaGuard {
    url: String,
    pub(super) name: String,
}

impl SchemaGuard {
    pub(super) async fn create(url: &str) -> SchemaGuard {
        let name = format!("t_{:016x}", rand::random::<u64>());
        let admin = admin_db(url).await;
        sqlx::query(&format!("CREATE SCHEMA \"{name}\""))
            .execute(admin.reader())
            .await
            .expect("create the test schema");
        admin.close().await;
        SchemaGuard {
            url: url.to_owned(),
            name,
        }
    }

    /// The database URL, naming the test's connections after the schema.
    pub(super) fn tagged_url(&self) -> String {
        let separator = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{separator}application_name={}", self.url, self.name)
    }

    async fn drop_schema(url: &str, name: &str) -> Result<(), sqlx::Error> {
        let admin = admin_db(url).await;
        let result = async {
            sqlx::query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE application_name = $1 AND pid <> pg_backend_pid()",
            )
            .bind(name)
            .execute(admin.reader())
            .await?;
            let mut tx = admin.begin().await?;
            sqlx::query("SET LOCAL lock_timeout = '30s'")
                .execute(&mut *tx)
                .await?;
            sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await;
        admin.close().await;
        result
    }
}

async fn admin_db(url: &str) -> Db {
    Db::connect(&DbOptions {
        url: url.to_owned(),
        max_connections: 1,
        schema: None,
    })
    .await
    .expect("connect to DATACARD_TEST_DATABASE_URL")
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        let url = self.url.clone();
        let name = self.name.clone();
        // The test's runtime may be gone or unwinding: drop on a runtime of our own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the schema");
            runtime.block_on(SchemaGuard::drop_schema(&url, &name))
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("could not drop test schema {}: {error}", self.name),
            Err(_) => eprintln!("could not drop test schema {}", self.name),
        }
    }
}
