//! The audit log as the operator reads it: entries of the same millisecond listed
//! newest first in the order they were recorded, a gap-free sequence under parallel
//! writers, and a chain that `datacard audit verify` checks: an entry changed,
//! removed or forged with SQL is named, and the command exits non-zero.

use axum::http::Method;
use serde_json::{Value, json};

use datacard::api_keys::{self, OPERATOR};
use datacard::audit::{self, Key, Problem, Report};

use crate::support::*;

const PLAN: &str = "HK-3D-3G";

fn plan_entry(code: &str, price: i64) -> Value {
    json!({
        "code": code, "zone": "hk", "period": { "unit": "day", "count": 3 },
        "data": "3 GB", "prices": { "HKD": price },
        "names": { "en": "Hong Kong 3 Days 3 GB", "zh-HK": "香港 3 日 3GB" },
    })
}

async fn operator_key(app: &TestApp) -> String {
    api_keys::create(app, &OPERATOR, "auditor")
        .await
        .expect("an operator key")
}

async fn put_plan(app: &TestApp, key: &str, code: &str, price: i64) {
    let auth = bearer(key);
    let (status, _, body) = app
        .request(
            Method::PUT,
            &format!("/api/v1/admin/plans/{code}"),
            Some(plan_entry(code, price)),
            &[("authorization", auth.as_str())],
        )
        .await;
    assert!(status.is_success(), "PUT {code}: {status} {body}");
}

/// Every entry through the operator API, newest first, a page of `limit` at a time.
async fn listed(app: &TestApp, key: &str, limit: u32) -> Vec<Value> {
    let auth = bearer(key);
    let mut entries = Vec::new();
    let mut path = format!("/api/v1/admin/audit?limit={limit}");
    loop {
        let (status, _, page) = app
            .get_json(&path, &[("authorization", auth.as_str())])
            .await;
        assert!(status.is_success(), "GET {path}: {status} {page}");
        entries.extend(page["entries"].as_array().expect("entries").iter().cloned());
        match page["next_before"].as_str() {
            Some(before) => path = format!("/api/v1/admin/audit?limit={limit}&before={before}"),
            None => return entries,
        }
    }
}

fn details(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e["detail"].as_str().unwrap_or_default().to_owned())
        .collect()
}

story!(
    entries_of_one_millisecond_are_listed_in_reverse_order_of_recording,
    |app| {
        let key = operator_key(&app).await;
        // The test clock does not move: every entry has the same `at`. Between them, an
        // id is made at another time, as another node, or a story with another clock in
        // the same process, does: ids are ordered within a millisecond only by the
        // process's last id, so the entries' ids no longer follow the order of recording.
        for price in 1..=24 {
            put_plan(&app, &key, PLAN, 1_000 + price).await;
            datacard::ids::new_id("elsewhere", start_time() + chrono::Duration::hours(1));
        }
        let newest_first: Vec<String> = (1..=24).rev().map(|v| format!("version {v}")).collect();
        assert_eq!(details(&listed(&app, &key, 200).await), newest_first);
        assert_eq!(
            details(&listed(&app, &key, 5).await),
            newest_first,
            "paged by `before`"
        );
    }
);

story!(parallel_writers_number_the_log_without_gaps, |app| {
    let key = operator_key(&app).await;
    let auth = bearer(&key);
    let mut edits = tokio::task::JoinSet::new();
    for days in 1..=12 {
        let code = format!("HK-{days}D-1G");
        let request = json_request(
            Method::PUT,
            &format!("/api/v1/admin/plans/{code}"),
            Some(plan_entry(&code, 1_000 + days)),
            &[("authorization", auth.as_str())],
        );
        edits.spawn(call(app.router.clone(), request));
    }
    while let Some(answer) = edits.join_next().await {
        let (status, _, body) = answer.expect("the edit's task");
        assert!(status.is_success(), "{status} {}", json_of(&body));
    }
    let entries = listed(&app, &key, 5).await;
    let numbers: Vec<i64> = entries
        .iter()
        .map(|e| e["seq"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(numbers, (1..=12).rev().collect::<Vec<i64>>());
    assert_clean(&verify(&app).await, 12);
});

story!(verify_passes_on_a_clean_log, |app| {
    let key = operator_key(&app).await;
    edit_five_times(&app, &key).await;
    assert_clean(&verify(&app).await, 5);
    let output = run_audit_verify(&app).await;
    assert_eq!(output.status.code(), Some(0), "{}", described(&output));
    assert!(
        stdout(&output).contains("audit log is intact"),
        "{}",
        described(&output)
    );
});

story!(an_entry_changed_with_sql_is_named, |app| {
    let key = operator_key(&app).await;
    let entries = edit_five_times(&app, &key).await;
    execute(
        &app,
        "UPDATE audit_log SET detail = 'version 7' WHERE seq = 2",
    )
    .await;
    let id = id_of(&entries, 2);
    assert_eq!(
        verify(&app).await.problems,
        [Problem::Changed {
            seq: 2,
            id: id.clone()
        }]
    );
    let output = run_audit_verify(&app).await;
    assert_eq!(output.status.code(), Some(1), "{}", described(&output));
    assert!(
        stdout(&output).contains(&format!("entry 2 ({id}) does not match its hash")),
        "{}",
        described(&output)
    );
});

story!(an_entry_removed_from_the_middle_is_named, |app| {
    let key = operator_key(&app).await;
    edit_five_times(&app, &key).await;
    execute(&app, "DELETE FROM audit_log WHERE seq = 3").await;
    assert_eq!(
        verify(&app).await.problems,
        [Problem::Removed { from: 3, to: 3 }]
    );
    let output = run_audit_verify(&app).await;
    assert_eq!(output.status.code(), Some(1), "{}", described(&output));
    assert!(
        stdout(&output).contains("entry 3 is missing"),
        "{}",
        described(&output)
    );
});

story!(the_newest_entries_removed_are_found_by_the_head, |app| {
    let key = operator_key(&app).await;
    edit_five_times(&app, &key).await;
    execute(&app, "DELETE FROM audit_log WHERE seq >= 4").await;
    assert_eq!(
        verify(&app).await.problems,
        [Problem::Removed { from: 4, to: 5 }]
    );
});

story!(a_forged_entry_is_named, |app| {
    let key = operator_key(&app).await;
    edit_five_times(&app, &key).await;
    let head_hash = hash_of(&app, 5).await;
    // Added after the last entry, following it, with a hash made without the secret.
    forge(&app, 6, "aud_FORGED", &head_hash).await;
    assert_eq!(
        verify(&app).await.problems,
        [Problem::Inserted {
            seq: 6,
            id: "aud_FORGED".into(),
            head: 5
        }]
    );
    let output = run_audit_verify(&app).await;
    assert_eq!(output.status.code(), Some(1), "{}", described(&output));
    assert!(
        stdout(&output).contains("entry 6 (aud_FORGED) was inserted"),
        "{}",
        described(&output)
    );

    // Put in the place of entry 3, following entry 2.
    execute(&app, "DELETE FROM audit_log WHERE seq >= 3").await;
    forge(&app, 3, "aud_SWAPPED", &hash_of(&app, 2).await).await;
    execute(&app, "UPDATE audit_head SET seq = 3").await;
    assert_eq!(
        verify(&app).await.problems,
        [Problem::Changed {
            seq: 3,
            id: "aud_SWAPPED".into()
        }]
    );
});

story!(
    entries_recorded_before_the_chain_are_numbered_and_sealed,
    |app| {
        let key = operator_key(&app).await;
        unchain(&app).await;
        // Three entries of one millisecond, by id; one a millisecond earlier.
        let at = start_time().timestamp_millis();
        for (id, at, detail) in [
            ("aud_B", at, "version 2"),
            ("aud_A", at, "version 1"),
            ("aud_C", at, "version 3"),
            ("aud_0", at - 1, "created"),
        ] {
            let mut tx = app.db.begin().await.expect("begin");
            sqlx::query(
                "INSERT INTO audit_log (id, at, actor, action, subject, detail) \
             VALUES ($1, $2, 'cli', 'plan.version', 'HK-1D-1G', $3)",
            )
            .bind(id)
            .bind(at)
            .bind(detail)
            .execute(&mut *tx)
            .await
            .expect("an entry as recorded before the chain");
            tx.commit().await.expect("commit");
        }
        app.db.migrate().await.expect("the chain's migration");
        let audit_key = Key::from_secret(&app.secret);
        assert_eq!(audit::seal(&app.db, &audit_key).await.expect("seal"), 4);
        assert_eq!(
            audit::seal(&app.db, &audit_key).await.expect("seal"),
            0,
            "once"
        );
        assert_clean(&verify(&app).await, 4);
        put_plan(&app, &key, PLAN, 1_800).await;
        let entries = listed(&app, &key, 2).await;
        let order: Vec<(i64, String)> = entries
            .iter()
            .map(|e| {
                (
                    e["seq"].as_i64().unwrap_or(0),
                    e["detail"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        assert_eq!(
            order,
            [
                (5, "version 1".to_owned()),
                (4, "version 3".to_owned()),
                (3, "version 2".to_owned()),
                (2, "version 1".to_owned()),
                (1, "created".to_owned())
            ]
        );
        assert_clean(&verify(&app).await, 5);
    }
);

// ----- helpers ------------------------------------------------------------------

/// A new plan, three new versions of it and its retirement: entries 1 to 5, as the
/// operator API lists them (newest first).
async fn edit_five_times(app: &TestApp, key: &str) -> Vec<Value> {
    for price in [1_000, 1_100, 1_200, 1_300] {
        put_plan(app, key, PLAN, price).await;
    }
    let auth = bearer(key);
    let (status, _, body) = app
        .request(
            Method::POST,
            &format!("/api/v1/admin/plans/{PLAN}/retire"),
            None,
            &[("authorization", auth.as_str())],
        )
        .await;
    assert!(status.is_success(), "retire: {status} {body}");
    let entries = listed(app, key, 200).await;
    assert_eq!(entries.len(), 5, "{entries:?}");
    entries
}

fn id_of(entries: &[Value], seq: i64) -> String {
    entries
        .iter()
        .find(|e| e["seq"] == seq)
        .and_then(|e| e["id"].as_str())
        .unwrap_or_else(|| panic!("no entry {seq} in {entries:?}"))
        .to_owned()
}

async fn verify(app: &TestApp) -> Report {
    audit::verify(&app.db, &Key::from_secret(&app.secret))
        .await
        .expect("audit verify runs")
}

#[track_caller]
fn assert_clean(report: &Report, entries: u64) {
    assert!(report.is_clean(), "{:?}", report.problems);
    assert_eq!(report.entries, entries);
    assert_eq!(report.head, i64::try_from(entries).unwrap_or(0));
}

/// A statement as someone with write access to the database runs it.
async fn execute(app: &TestApp, sql: &str) {
    let mut tx = app.db.begin().await.expect("begin");
    sqlx::query(sql)
        .execute(&mut *tx)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
    tx.commit().await.expect("commit");
}

async fn hash_of(app: &TestApp, seq: i64) -> String {
    sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(seq)
        .fetch_one(app.db.reader())
        .await
        .expect("the entry's hash")
}

/// An entry written with SQL: its hash is a SHA-256 of its content, what someone
/// without the server secret can compute.
async fn forge(app: &TestApp, seq: i64, id: &str, prev_hash: &str) {
    use sha2::{Digest, Sha256};
    let detail = "version 1";
    let hash = hex::encode(Sha256::digest(format!("{seq}{id}{detail}{prev_hash}")));
    let mut tx = app.db.begin().await.expect("begin");
    sqlx::query(
        "INSERT INTO audit_log (seq, id, at, actor, action, subject, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, 'auditor', 'plan.version', $4, $5, $6, $7)",
    )
    .bind(seq)
    .bind(id)
    .bind(start_time().timestamp_millis())
    .bind(PLAN)
    .bind(detail)
    .bind(prev_hash)
    .bind(hash)
    .execute(&mut *tx)
    .await
    .expect("a forged entry");
    tx.commit().await.expect("commit");
}

/// The audit log as it was before it was chained (migrations 0001 and 0007), with
/// the chain's migration to run again.
async fn unchain(app: &TestApp) {
    for sql in [
        "DROP TABLE audit_log",
        "DROP TABLE audit_head",
        "CREATE TABLE audit_log (id TEXT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, \
         action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL)",
        "CREATE INDEX audit_log_at ON audit_log (at, id)",
        "CREATE INDEX audit_log_subject ON audit_log (subject, at, id)",
        "DELETE FROM _sqlx_migrations WHERE version = 10",
    ] {
        execute(app, sql).await;
    }
}

/// `datacard audit verify` run beside the app, on its database and with its secret.
async fn run_audit_verify(app: &TestApp) -> std::process::Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_datacard"));
    command
        .arg("--data-dir")
        .arg(app.dir.path())
        .args(["audit", "verify"]);
    for (name, _) in std::env::vars() {
        if name.starts_with("DATACARD_") {
            command.env_remove(name);
        }
    }
    command
        .env("DATACARD_DATABASE_URL", app.database_url())
        .env("DATACARD_LOG_LEVEL", "warn");
    command.output().await.expect("run the datacard binary")
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn described(output: &std::process::Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    )
}
