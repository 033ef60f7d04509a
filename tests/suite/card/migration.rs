//! Migration 0006 on a database that has auto-renew rows, on both back ends.

use super::*;

/// Runs `migrations/<dir>/NNNN_*.sql` for NNNN in `versions`, in order.
async fn run_migrations(db: &datacard::db::Db, dir: &str, versions: std::ops::RangeInclusive<u32>) {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .expect("the migrations")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            name.get(..4)
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|n| versions.contains(&n))
        })
        .collect();
    files.sort();
    for file in files {
        let sql = std::fs::read_to_string(&file).expect("read a migration");
        let mut tx = db.begin().await.expect("begin");
        sqlx::raw_sql(&sql)
            .execute(&mut *tx)
            .await
            .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        tx.commit().await.expect("commit");
    }
}

async fn insert_auto_renew(
    db: &datacard::db::Db,
    iccid: &str,
    method: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO auto_renew (iccid, enabled, method, \"trigger\", hours_before, plan_code, periods, sms, updated_at) \
         VALUES ($1, 1, $2, 'on_exhaustion', 12, 'HK-7D-5G', 3, 0, 42)",
    )
    .bind(iccid)
    .bind(method)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// 0006 on a database at 0005 with auto-renew rows: the rows stay as they were, `card`
/// is taken from then on, and the constraint still refuses anything else.
async fn card_joins_the_methods(db: &datacard::db::Db, dir: &str) {
    run_migrations(db, dir, 1..=5).await;
    insert_auto_renew(db, "89852000000000000011", "alipay")
        .await
        .expect("an Alipay row");
    assert!(
        insert_auto_renew(db, "89852000000000000029", "card")
            .await
            .is_err(),
        "no card before 0006"
    );
    run_migrations(db, dir, 6..=6).await;
    let row = sqlx::query("SELECT enabled, method, \"trigger\", hours_before, plan_code, periods, sms, updated_at FROM auto_renew")
        .fetch_one(db.reader())
        .await
        .expect("the row kept");
    assert_eq!(
        (
            row.get::<i64, _>("enabled"),
            row.get::<String, _>("method"),
            row.get::<String, _>("trigger"),
            row.get::<i64, _>("hours_before"),
            row.get::<Option<String>, _>("plan_code"),
            row.get::<i64, _>("periods"),
            row.get::<i64, _>("sms"),
            row.get::<i64, _>("updated_at"),
        ),
        (
            1,
            "alipay".into(),
            "on_exhaustion".into(),
            12,
            Some("HK-7D-5G".into()),
            3,
            0,
            42
        )
    );
    insert_auto_renew(db, "89852000000000000029", "card")
        .await
        .expect("card after 0006");
    assert!(
        insert_auto_renew(db, "89852000000000000037", "bitcoin")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn migration_0006_keeps_auto_renew_rows_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = datacard::db::Db::connect(&datacard::db::DbOptions {
        url: datacard::db::sqlite_url(&dir.path().join("upgrade.sqlite3")),
        max_connections: 2,
        schema: None,
    })
    .await
    .expect("connect");
    card_joins_the_methods(&db, "sqlite").await;
    db.close().await;
}

#[tokio::test]
async fn migration_0006_keeps_auto_renew_rows_on_postgres() {
    let Ok(url) = std::env::var("DATACARD_TEST_DATABASE_URL") else {
        eprintln!("SKIPPED (postgres): DATACARD_TEST_DATABASE_URL is not set");
        return;
    };
    let options = |schema: Option<String>| datacard::db::DbOptions {
        url: url.clone(),
        max_connections: 2,
        schema,
    };
    let guard = DropSchema {
        url: url.clone(),
        name: format!("t_upgrade_{:016x}", rand::random::<u64>()),
    };
    let admin = datacard::db::Db::connect(&options(None))
        .await
        .expect("connect");
    sqlx::query(&format!("CREATE SCHEMA \"{}\"", guard.name))
        .execute(admin.reader())
        .await
        .expect("create the schema");
    admin.close().await;
    let db = datacard::db::Db::connect(&options(Some(guard.name.clone())))
        .await
        .expect("connect");
    card_joins_the_methods(&db, "postgres").await;
    db.close().await;
}

/// A schema of the test's own, dropped (on a runtime of its own) however the test ends.
struct DropSchema {
    url: String,
    name: String,
}

impl Drop for DropSchema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let options = datacard::db::DbOptions {
                    url,
                    max_connections: 1,
                    schema: None,
                };
                if let Ok(admin) = datacard::db::Db::connect(&options).await {
                    let drop = format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE");
                    if let Err(error) = sqlx::query(&drop).execute(admin.reader()).await {
                        eprintln!("could not drop {name}: {error}");
                    }
                    admin.close().await;
                }
            });
        })
        .join();
    }
}
