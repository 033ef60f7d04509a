//! Usage as the network, a subscriber and the operator meet it: records posted with a
//! network key and applied once, late records in the right period, throttling at
//! zero, alerts that lead to a renewal, validity running out, CDR imports, the usage
//! page, and many writers at once. Every story runs on SQLite and on PostgreSQL and
//! ends with the ledger check.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use sqlx::Row;

use datacard::i18n::Locale;
use datacard::lines::Iccid;
use datacard::usage::{RecordResult, UsageRecord, keys};

use crate::support::*;

const MIB: i64 = 1 << 20;
const GIB: i64 = 1 << 30;

// ----- subscribers and their lines ---------------------------------------------------

/// This story's subscribers: +852 612…, user…@example.com, ICCIDs 89852099….
const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852612",
    email: "user",
    iccid: "89852099",
};

/// A subscriber reading English, with one line whose first period on `plan` starts at
/// `starts_at` with nothing used. `n` keeps phone, email and ICCID apart.
async fn subscriber(app: &TestApp, n: u32, plan: &str, starts_at: DateTime<Utc>) -> Subscriber {
    app.subscriber_with_line(&SUBSCRIBERS, n, plan, starts_at, Used::Nothing)
        .await
}

fn demo_iccid() -> String {
    Iccid::with_check_digit("898520000000000001")
        .expect("the demo ICCID")
        .to_string()
}

/// A valid ICCID that no line has.
fn stranger_iccid() -> String {
    Iccid::with_check_digit("898520990009999999")
        .expect("an ICCID")
        .to_string()
}

/// The subscriber's line as `GET /api/v1/me` shows it.
async fn line_of(app: &TestApp, token: &str, iccid: &str) -> Value {
    let (status, _, me) = app.me(token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    me["lines"]
        .as_array()
        .and_then(|lines| lines.iter().find(|line| line["iccid"] == iccid))
        .cloned()
        .unwrap_or_else(|| panic!("no line {iccid} in {me}"))
}

fn used(line: &Value) -> i64 {
    line["current_period"]["data_used"]
        .as_i64()
        .unwrap_or_else(|| panic!("no data_used in {line}"))
}

// ----- the network's side ------------------------------------------------------------

fn record(id: &str, iccid: &str, bytes: i64, at: DateTime<Utc>) -> Value {
    json!({ "id": id, "iccid": iccid, "bytes": bytes,
            "started_at": at, "ended_at": at + Duration::minutes(1) })
}

fn usage_record(id: &str, iccid: &str, bytes: i64, at: DateTime<Utc>) -> UsageRecord {
    UsageRecord {
        id: id.to_owned(),
        iccid: iccid.to_owned(),
        bytes,
        started_at: at,
        ended_at: at + Duration::seconds(30),
    }
}

async fn post_usage(app: &TestApp, key: &str, records: Vec<Value>) -> Reply {
    app.post_json(
        "/api/v1/usage",
        json!({ "records": records }),
        &[("authorization", &bearer(key))],
    )
    .await
}

/// Posts records expecting 200; returns the answer.
async fn post_ok(app: &TestApp, key: &str, records: Vec<Value>) -> Value {
    let (status, _, body) = post_usage(app, key, records).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn answer(accepted: u64, duplicates: u64, rejected: &[(&str, &str)]) -> Value {
    let rejected: Vec<Value> = rejected
        .iter()
        .map(|(id, code)| json!({ "id": id, "code": code }))
        .collect();
    json!({ "accepted": accepted, "duplicates": duplicates, "rejected": rejected })
}

// ----- what the operator sees ----------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
struct PeriodRow {
    id: String,
    starts_at: i64,
    allowance: Option<i64>,
    data_used: i64,
    overage: i64,
}

async fn periods(app: &TestApp, iccid: &str) -> Vec<PeriodRow> {
    sqlx::query(
        "SELECT id, starts_at, data_allowance, data_used, overage FROM line_periods \
         WHERE iccid = $1 ORDER BY starts_at",
    )
    .bind(iccid.to_owned())
    .fetch_all(app.db.reader())
    .await
    .expect("periods")
    .iter()
    .map(|row| PeriodRow {
        id: row.try_get("id").expect("id"),
        starts_at: row.try_get("starts_at").expect("starts_at"),
        allowance: row.try_get("data_allowance").expect("data_allowance"),
        data_used: row.try_get("data_used").expect("data_used"),
        overage: row.try_get("overage").expect("overage"),
    })
    .collect()
}

/// `(status, status_reason)` as stored.
async fn line_state(app: &TestApp, iccid: &str) -> (String, Option<String>) {
    let row = sqlx::query("SELECT status, status_reason FROM lines WHERE iccid = $1")
        .bind(iccid.to_owned())
        .fetch_one(app.db.reader())
        .await
        .expect("the line");
    (
        row.try_get("status").expect("status"),
        row.try_get("status_reason").expect("status_reason"),
    )
}

/// The balance of `quota:<period>` in the ledger (debit positive).
async fn quota_balance(app: &TestApp, period_id: &str) -> i64 {
    sqlx::query("SELECT balance FROM ledger_accounts WHERE code = $1")
        .bind(format!("quota:{period_id}"))
        .fetch_one(app.db.reader())
        .await
        .and_then(|row| row.try_get::<i64, _>("balance"))
        .expect("the period's quota account")
}

/// `(count, sum of bytes, sum of charged, sum of overage)` of the records of a period.
async fn records_of(app: &TestApp, period_id: &str) -> (i64, i64, i64, i64) {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(bytes), 0) AS BIGINT) AS b, \
         CAST(COALESCE(SUM(charged), 0) AS BIGINT) AS c, CAST(COALESCE(SUM(overage), 0) AS BIGINT) AS o \
         FROM usage_records WHERE period_id = $1",
    )
    .bind(period_id.to_owned())
    .fetch_one(app.db.reader())
    .await
    .expect("records of the period");
    (
        row.try_get("n").expect("n"),
        row.try_get("b").expect("b"),
        row.try_get("c").expect("c"),
        row.try_get("o").expect("o"),
    )
}

/// `(period_id, charged, outcome)` of one stored record.
async fn stored_record(app: &TestApp, id: &str) -> Option<(Option<String>, i64, String)> {
    sqlx::query("SELECT period_id, charged, outcome FROM usage_records WHERE record_id = $1")
        .bind(id.to_owned())
        .fetch_optional(app.db.reader())
        .await
        .expect("a usage record")
        .map(|row| {
            (
                row.try_get("period_id").expect("period_id"),
                row.try_get("charged").expect("charged"),
                row.try_get("outcome").expect("outcome"),
            )
        })
}

async fn hourly_total(app: &TestApp, iccid: &str) -> i64 {
    sqlx::query("SELECT CAST(COALESCE(SUM(bytes), 0) AS BIGINT) FROM usage_hourly WHERE iccid = $1")
        .bind(iccid.to_owned())
        .fetch_one(app.db.reader())
        .await
        .and_then(|row| row.try_get::<i64, _>(0))
        .expect("hourly totals")
}

/// `(action, reason)` of every transition recorded for the line, oldest first.
async fn line_events(app: &TestApp, iccid: &str) -> Vec<(String, String)> {
    sqlx::query("SELECT action, reason FROM line_events WHERE iccid = $1 ORDER BY created_at, id")
        .bind(iccid.to_owned())
        .fetch_all(app.db.reader())
        .await
        .expect("line events")
        .iter()
        .map(|row| {
            (
                row.try_get("action").expect("action"),
                row.try_get("reason").expect("reason"),
            )
        })
        .collect()
}

async fn told(app: &TestApp, iccid: &str) -> Vec<String> {
    datacard::network::told(app, iccid)
        .await
        .expect("what the sandbox network was told")
}

async fn run_jobs(app: &TestApp) -> usize {
    datacard::jobs::run_due(app, "usage-story")
        .await
        .expect("jobs run")
}

/// The kinds of the alerts sent to `destination`, oldest first.
async fn alerts_to(app: &TestApp, destination: &str) -> Vec<String> {
    app.messages_to(destination)
        .await
        .into_iter()
        .map(|entry| entry.message.kind)
        .filter(|kind| kind.starts_with("alert_"))
        .collect()
}

fn kinds(list: &[&str]) -> Vec<String> {
    list.iter().map(|kind| format!("alert_{kind}")).collect()
}

// ----- the portal --------------------------------------------------------------------

async fn page(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, HeaderMap, String) {
    let request = Request::get(path)
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .expect("a request");
    let (status, headers, body) = app.send(request).await;
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

// ----- paying at the sandbox provider ----------------------------------------------------

/// Orders a renewal by card and pays it at the sandbox; returns the order once the
/// provider's notification has arrived.
async fn renew_by_card(app: &TestApp, sub: &Subscriber, plan: &str) -> Value {
    let (status, _, order) = app
        .post_json(
            "/api/v1/orders",
            json!({ "kind": "renewal", "iccid": sub.iccid, "plan_code": plan,
                    "periods": 1, "payment_method": "card" }),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    app.pay_at_sandbox(&order).await;
    let id = order["id"].as_str().expect("an order id");
    let (status, _, order) = app
        .get_json(
            &format!("/api/v1/orders/{id}"),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{order}");
    order
}

async fn renew_by_wallet(app: &TestApp, token: &str, iccid: &str, plan: &str) -> Value {
    let (status, _, order) = app
        .post_json(
            "/api/v1/orders",
            json!({ "kind": "renewal", "iccid": iccid, "plan_code": plan,
                    "periods": 1, "payment_method": "wallet" }),
            &[("authorization", &bearer(token))],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    order
}

// ===== 1. posting usage ===================================================================

story!(
    posted_usage_is_applied_once_and_answered_per_record,
    |app| {
        let sub = subscriber(&app, 1, "HK-30D-20G", app.now() - Duration::days(3)).await;
        let key = keys::create(&app, "tower-1").await.expect("a key");
        assert!(key.starts_with("dck_"), "{key}");
        let before = line_of(&app, &sub.token, &sub.iccid).await;
        let allowance = before["current_period"]["data_allowance"]
            .as_i64()
            .expect("an allowance");
        assert_eq!(allowance, 20 * GIB);
        assert_eq!(used(&before), 0);
        assert_eq!(before["current_period"]["data_remaining"], allowance);

        let at = app.now() - Duration::hours(2);
        let first = vec![
            record("tw1-0001", &sub.iccid, 123_456_789, at),
            record("tw1-0002", &sub.iccid, 1_000, at + Duration::minutes(5)),
            record(
                "tw1-0003",
                &sub.iccid,
                987_654_321,
                at + Duration::minutes(9),
            ),
        ];
        let sum = 123_456_789 + 1_000 + 987_654_321;
        assert_eq!(post_ok(&app, &key, first.clone()).await, answer(3, 0, &[]));
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(used(&line), sum, "{line}");
        assert_eq!(line["current_period"]["data_remaining"], allowance - sum);
        assert_eq!(line["status"], "active");

        // The network retries the same batch: nothing changes.
        assert_eq!(post_ok(&app, &key, first).await, answer(0, 3, &[]));
        let again = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(again["current_period"], line["current_period"]);

        // New, repeated and bad records in one batch: each answered, only the good applied.
        let now = app.now();
        let mixed = vec![
            record("tw1-0004", &sub.iccid, 4_000, at),
            record("tw1-0002", &sub.iccid, 1_000, at),
            record("tw1-0005", &sub.iccid, 5_000, at),
            record("tw1-0006", &sub.iccid, 6_000, at),
            record("tw1-0006", &sub.iccid, 6_000, at),
            record("tw1-0007", &stranger_iccid(), 7_000, at),
            record("tw1-0008", &sub.iccid, -8, at),
            record("tw1-0009", &sub.iccid, 0, at),
            record("tw1-0010", &sub.iccid, 1 << 41, at),
            json!({ "id": "tw1-0011", "iccid": sub.iccid, "bytes": 11,
                "started_at": at, "ended_at": at - Duration::minutes(1) }),
            record("tw1-0012", &sub.iccid, 12, now + Duration::days(1)),
            record("tw1 0013", &sub.iccid, 13, at),
            record("", &sub.iccid, 14, at),
            record(&"x".repeat(129), &sub.iccid, 15, at),
            record("tw1-0016", "8985200000", 16, at),
        ];
        let long_id = "x".repeat(129);
        assert_eq!(
            post_ok(&app, &key, mixed).await,
            answer(
                3,
                2,
                &[
                    ("tw1-0007", "unknown_iccid"),
                    ("tw1-0008", "invalid_bytes"),
                    ("tw1-0009", "invalid_bytes"),
                    ("tw1-0010", "invalid_bytes"),
                    ("tw1-0011", "end_before_start"),
                    ("tw1-0012", "in_the_future"),
                    ("tw1 0013", "invalid_record_id"),
                    ("", "invalid_record_id"),
                    (&long_id, "invalid_record_id"),
                    ("tw1-0016", "invalid_iccid"),
                ]
            )
        );
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        let sum = sum + 4_000 + 5_000 + 6_000;
        assert_eq!(used(&line), sum, "{line}");
        assert_eq!(line["current_period"]["data_remaining"], allowance - sum);
        assert_eq!(app.count_rows("usage_records").await, 6);
        assert_eq!(hourly_total(&app, &sub.iccid).await, sum);
        let period = &periods(&app, &sub.iccid).await[0];
        assert_eq!(quota_balance(&app, &period.id).await, -(allowance - sum));

        // A refused record can be sent again once it is right.
        assert_eq!(
            post_ok(&app, &key, vec![record("tw1-0009", &sub.iccid, 9, at)]).await,
            answer(1, 0, &[])
        );
    }
);

// ===== 2. keys and limits ==================================================================

story!(usage_needs_a_live_key_and_a_sensible_batch, |app| {
    let sub = subscriber(&app, 2, "HK-30D-20G", app.now() - Duration::days(1)).await;
    let at = app.now() - Duration::hours(1);
    let one = json!({ "records": [record("k-1", &sub.iccid, 100, at)] });

    let no_key = app.post_json("/api/v1/usage", one.clone(), &[]).await;
    assert_error(&no_key, StatusCode::UNAUTHORIZED, "invalid_network_key");
    for wrong in [
        "Bearer dck_not-a-key",
        "Bearer ",
        "Basic dG93ZXI6a2V5",
        "dck_without_bearer",
    ] {
        let reply = app
            .post_json("/api/v1/usage", one.clone(), &[("authorization", wrong)])
            .await;
        assert_error(&reply, StatusCode::UNAUTHORIZED, "invalid_network_key");
    }
    // A subscriber's own API token is no network key.
    let reply = app
        .post_json(
            "/api/v1/usage",
            one.clone(),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "invalid_network_key");

    let key = keys::create(&app, "tower-2").await.expect("a key");
    assert_eq!(
        post_ok(&app, &key, vec![record("k-1", &sub.iccid, 100, at)]).await,
        answer(1, 0, &[])
    );
    assert!(keys::revoke(&app, "tower-2").await.expect("revoke"));
    assert!(
        !keys::revoke(&app, "tower-2").await.expect("revoke"),
        "already revoked"
    );
    let revoked = post_usage(&app, &key, vec![record("k-2", &sub.iccid, 100, at)]).await;
    assert_error(&revoked, StatusCode::UNAUTHORIZED, "invalid_network_key");
    let other = keys::create(&app, "tower-3").await.expect("another key");
    assert_ne!(other, key);
    assert!(
        keys::create(&app, "tower-3").await.is_err(),
        "names are unique"
    );

    let too_many: Vec<Value> = (0..10_001)
        .map(|n| record(&format!("big-{n}"), &sub.iccid, 1, at))
        .collect();
    let reply = post_usage(&app, &other, too_many).await;
    assert_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large");

    let empty = post_usage(&app, &other, vec![]).await;
    assert_error(&empty, StatusCode::BAD_REQUEST, "no_records");

    let mut extra = record("k-3", &sub.iccid, 100, at);
    extra["volume"] = json!(100);
    let reply = post_usage(&app, &other, vec![extra]).await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_body");
    let reply = app
        .post_json(
            "/api/v1/usage",
            json!({ "records": [record("k-4", &sub.iccid, 100, at)], "source": "x" }),
            &[("authorization", &bearer(&other))],
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_body");

    // Only the one good record from the live key was ever applied.
    assert_eq!(app.count_rows("usage_records").await, 1);
    assert_eq!(used(&line_of(&app, &sub.token, &sub.iccid).await), 100);
});

story!(a_full_batch_with_the_longest_allowed_ids_is_taken, |app| {
    // The API takes up to 10 000 records a batch and ids of up to 128 characters:
    // a network element using both limits at once must not be refused.
    let sub = subscriber(&app, 3, "HK-30D-20G", app.now() - Duration::days(1)).await;
    let key = keys::create(&app, "tower-1").await.expect("a key");
    let at = app.now() - Duration::hours(1);
    let full: Vec<Value> = (0..10_000)
        .map(|n| record(&format!("{n:0>128}"), &sub.iccid, 1_000, at))
        .collect();
    let (status, _, body) = post_usage(&app, &key, full).await;
    assert_eq!(
        (status, &body["accepted"]),
        (StatusCode::OK, &json!(10_000)),
        "{body}"
    );
    assert_eq!(
        used(&line_of(&app, &sub.token, &sub.iccid).await),
        10_000_000
    );
});

// ===== 3. late records ====================================================================

story!(late_records_land_in_the_period_they_happened_in, |app| {
    let t0 = app.now();
    // A 7-day period that started 5 days ago, and the next one queued behind it.
    let sub = subscriber(&app, 4, "HK-7D-5G", t0 - Duration::days(5)).await;
    let queued_id = app
        .add_period(&sub.iccid, "HK-7D-5G", t0 + Duration::days(2))
        .await;
    let first_id = periods(&app, &sub.iccid).await[0].id.clone();
    let key = keys::create(&app, "tower-1").await.expect("a key");
    let line = line_of(&app, &sub.token, &sub.iccid).await;
    assert_eq!(line["queued_periods"].as_array().map(Vec::len), Some(1));

    // Posted late but while its period still runs: charged to it.
    let answer_now = post_ok(
        &app,
        &key,
        vec![
            record("late-1", &sub.iccid, 3 * MIB, t0 - Duration::days(4)),
            record("late-2", &sub.iccid, 2 * MIB, t0 - Duration::hours(1)),
        ],
    )
    .await;
    assert_eq!(answer_now, answer(2, 0, &[]));
    let line = line_of(&app, &sub.token, &sub.iccid).await;
    assert_eq!(used(&line), 5 * MIB);
    assert_eq!(line["queued_periods"][0]["data_used"], 0);

    // Three days on the first period has ended and the queued one runs.
    app.advance(Duration::days(3));
    let line = line_of(&app, &sub.token, &sub.iccid).await;
    assert_eq!(line["status"], "active", "{line}");
    assert_eq!(used(&line), 0, "the new period starts fresh: {line}");

    let closed = record("late-3", &sub.iccid, 7 * MIB, t0 + Duration::days(1));
    let before_any = record("late-4", &sub.iccid, 11 * MIB, t0 - Duration::days(9));
    let current = record(
        "late-5",
        &sub.iccid,
        13 * MIB,
        t0 + Duration::days(2) + Duration::hours(1),
    );
    assert_eq!(
        post_ok(
            &app,
            &key,
            vec![closed.clone(), before_any.clone(), current]
        )
        .await,
        answer(3, 0, &[])
    );
    // Kept, and a second post of it is a duplicate.
    assert_eq!(
        post_ok(&app, &key, vec![closed, before_any]).await,
        answer(0, 2, &[])
    );

    let line = line_of(&app, &sub.token, &sub.iccid).await;
    assert_eq!(
        used(&line),
        13 * MIB,
        "only the record dated in the running period is charged to it: {line}"
    );
    let rows = periods(&app, &sub.iccid).await;
    assert_eq!(rows[0].id, first_id);
    assert_eq!((rows[0].data_used, rows[0].overage), (5 * MIB, 0));
    assert_eq!(rows[1].id, queued_id);
    assert_eq!((rows[1].data_used, rows[1].overage), (13 * MIB, 0));

    assert_eq!(
        stored_record(&app, "late-3").await,
        Some((Some(first_id.clone()), 0, "period_closed".to_owned()))
    );
    assert_eq!(
        stored_record(&app, "late-4").await,
        Some((None, 0, "no_period".to_owned()))
    );
    assert_eq!(
        stored_record(&app, "late-5").await,
        Some((Some(queued_id.clone()), 13 * MIB, "charged".to_owned()))
    );
    assert_eq!(
        quota_balance(&app, &first_id).await,
        -(rows[0].allowance.expect("capped") - 5 * MIB)
    );
    assert_eq!(
        quota_balance(&app, &queued_id).await,
        -(rows[1].allowance.expect("capped") - 13 * MIB)
    );
});

// ===== 4. exhaustion, alerts and renewal ==================================================

/// Posts usage through 75 %, 90 % and past the end of a 5 GB line; checks every step.
async fn run_out(app: &TestApp, sub: &Subscriber, key: &str) -> i64 {
    let line = line_of(app, &sub.token, &sub.iccid).await;
    let allowance = line["current_period"]["data_allowance"]
        .as_i64()
        .expect("an allowance");
    assert_eq!(allowance, 5 * GIB);
    let at = app.now() - Duration::hours(3);
    let steps: [(&str, i64, &[&str]); 3] = [
        ("run-1", allowance * 76 / 100, &["used_75"]),
        ("run-2", allowance * 16 / 100, &["used_75", "used_90"]),
        (
            "run-3",
            allowance * 10 / 100,
            &["used_75", "used_90", "exhausted"],
        ),
    ];
    for (n, (id, bytes, sent)) in steps.into_iter().enumerate() {
        let at = at + Duration::minutes(n as i64 * 10);
        assert_eq!(
            post_ok(app, key, vec![record(id, &sub.iccid, bytes, at)]).await,
            answer(1, 0, &[])
        );
        run_jobs(app).await;
        assert_eq!(
            alerts_to(app, &sub.phone).await,
            kinds(sent),
            "SMS after {id}"
        );
        assert_eq!(
            alerts_to(app, &sub.email).await,
            kinds(sent),
            "email after {id}"
        );
    }
    let line = line_of(app, &sub.token, &sub.iccid).await;
    assert_eq!(line["current_period"]["data_remaining"], 0, "{line}");
    assert_eq!(used(&line), allowance, "{line}");
    assert_eq!(line["status"], "throttled", "{line}");
    allowance
}

story!(
    a_line_that_runs_out_is_throttled_alerted_and_renewed,
    |app| {
        let sub = subscriber(&app, 5, "HK-7D-5G", app.now() - Duration::days(2)).await;
        let key = keys::create(&app, "tower-1").await.expect("a key");
        let allowance = run_out(&app, &sub, &key).await;
        let period = periods(&app, &sub.iccid).await[0].clone();
        let posted = allowance * 102 / 100;
        assert_eq!(
            (period.data_used, period.overage),
            (allowance, posted - allowance),
            "remaining stops at zero; the rest is overage"
        );
        assert_eq!(quota_balance(&app, &period.id).await, 0);
        assert_eq!(
            line_state(&app, &sub.iccid).await,
            ("throttled".to_owned(), Some("quota_exhausted".to_owned()))
        );
        assert_eq!(told(&app, &sub.iccid).await, ["throttle"]);
        let events = sqlx::query("SELECT throttle_kbps FROM line_events WHERE iccid = $1")
            .bind(sub.iccid.clone())
            .fetch_one(app.db.reader())
            .await
            .and_then(|row| row.try_get::<Option<i64>, _>(0))
            .expect("the throttle event");
        assert_eq!(
            events,
            Some(i64::from(app.config.network.exhausted_throttle_kbps))
        );

        // The SMS and the email lead straight to a pre-filled renewal.
        let link = format!(
            "https://datacard.test/checkout?plan=HK-7D-5G&iccid={}",
            sub.iccid
        );
        for destination in [&sub.phone, &sub.email] {
            for entry in app.messages_to(destination).await {
                if entry.message.kind.starts_with("alert_") {
                    assert!(entry.message.body.contains(&link), "{:?}", entry.message);
                    assert_eq!(entry.message.locale, Locale::En);
                }
            }
        }
        let sms = app.last_message(&sub.phone).await;
        assert_eq!(sms.message.kind, "alert_exhausted");
        assert!(
            sms.message.body.contains("used all its data"),
            "{}",
            sms.message.body
        );

        // More usage: counted as overage, no second alert, nothing new for the network.
        assert_eq!(
            post_ok(
                &app,
                &key,
                vec![record(
                    "run-4",
                    &sub.iccid,
                    300 * MIB,
                    app.now() - Duration::minutes(30)
                )]
            )
            .await,
            answer(1, 0, &[])
        );
        run_jobs(&app).await;
        let sent = kinds(&["used_75", "used_90", "exhausted"]);
        assert_eq!(alerts_to(&app, &sub.phone).await, sent);
        assert_eq!(alerts_to(&app, &sub.email).await, sent);
        assert_eq!(told(&app, &sub.iccid).await, ["throttle"]);
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(line["current_period"]["data_remaining"], 0);
        assert_eq!(used(&line), allowance);
        assert_eq!(
            periods(&app, &sub.iccid).await[0].overage,
            posted - allowance + 300 * MIB
        );

        // The account page says why; the SMS link opens the checkout for this line.
        let cookie = app.portal_log_in(&sub.phone, PASSWORD).await.1;
        let (status, _, account) = page(&app, "/account?lang=en", &cookie).await;
        assert_eq!(status, StatusCode::OK);
        assert!(account.contains("Slowed down"), "{account}");
        assert!(
            account.contains("Data used up: renew to get full speed back."),
            "{account}"
        );
        let (status, _, checkout) = page(
            &app,
            link.trim_start_matches("https://datacard.test"),
            &cookie,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{checkout}");
        assert!(checkout.contains(&sub.iccid), "{checkout}");

        // Renewed by card through the sandbox: back to full speed by itself.
        let order = renew_by_card(&app, &sub, "HK-7D-5G").await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(line["status"], "active", "{line}");
        assert_eq!(
            line_state(&app, &sub.iccid).await,
            ("active".to_owned(), None)
        );
        run_jobs(&app).await;
        assert_eq!(told(&app, &sub.iccid).await, ["throttle", "resume"]);
        assert_eq!(
            line_events(&app, &sub.iccid).await,
            [
                ("throttle".to_owned(), "quota_exhausted".to_owned()),
                ("resume".to_owned(), "renewed".to_owned())
            ]
        );
        let (_, _, account) = page(&app, "/account?lang=en", &cookie).await;
        assert!(!account.contains("Data used up"), "{account}");
        // Telling the network twice changes nothing.
        run_jobs(&app).await;
        assert_eq!(told(&app, &sub.iccid).await, ["throttle", "resume"]);
    }
);

story!(
    after_a_renewal_brings_a_line_back_its_usage_is_paid_for,
    |app| {
        // Renewing an exhausted line resumes it at once: full-speed use from then on must
        // count against the data just bought (or the line must stay slowed), never be free.
        let sub = subscriber(&app, 6, "HK-7D-5G", app.now() - Duration::days(2)).await;
        let key = keys::create(&app, "tower-1").await.expect("a key");
        run_out(&app, &sub, &key).await;
        let order = renew_by_wallet_after_top_up(&app, &sub).await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(line["status"], "active", "{line}");

        // An hour after the renewal, 2 GB used in the half hour after it arrive.
        let renewed_at = app.now();
        app.advance(Duration::hours(1));
        let before = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(
            post_ok(
                &app,
                &key,
                vec![record(
                    "after-1",
                    &sub.iccid,
                    2 * GIB,
                    renewed_at + Duration::minutes(30)
                )]
            )
            .await,
            answer(1, 0, &[])
        );
        datacard::lines::expire_lapsed(&app).await.expect("expiry");
        run_jobs(&app).await;
        let after = line_of(&app, &sub.token, &sub.iccid).await;
        let (_, charged, outcome) = stored_record(&app, "after-1").await.expect("kept");
        assert!(
            charged > 0 || after["status"] == "throttled",
            "2 GB used at full speed after the renewal were charged {charged} bytes ({outcome}) \
         and the line is still {}: before {before}, after {after}",
            after["status"]
        );
    }
);

/// A card top-up then a renewal from the wallet.
async fn renew_by_wallet_after_top_up(app: &TestApp, sub: &Subscriber) -> Value {
    app.top_up_by_card(sub, 10_000).await;
    renew_by_wallet(app, &sub.token, &sub.iccid, "HK-7D-5G").await
}

story!(a_queued_period_that_starts_brings_full_speed_back, |app| {
    // Bought ahead, then the running period ran dry: when the queued period starts the
    // line must be back at full speed, without the subscriber doing anything.
    let t0 = app.now();
    let sub = subscriber(&app, 7, "HK-7D-5G", t0 - Duration::days(6)).await;
    app.add_period(&sub.iccid, "HK-7D-5G", t0 + Duration::days(1))
        .await;
    let key = keys::create(&app, "tower-1").await.expect("a key");
    run_out(&app, &sub, &key).await;
    assert_eq!(told(&app, &sub.iccid).await, ["throttle"]);

    app.advance(Duration::days(1) + Duration::minutes(1));
    // Everything the background loops do.
    datacard::lines::expire_lapsed(&app).await.expect("expiry");
    datacard::usage::alerts::scan_expiring(&app)
        .await
        .expect("expiry alerts");
    run_jobs(&app).await;

    let line = line_of(&app, &sub.token, &sub.iccid).await;
    assert_eq!(used(&line), 0, "{line}");
    assert_eq!(
        line["status"], "active",
        "a fresh 5 GB period runs but the line is still slowed: {line}"
    );
    assert_eq!(told(&app, &sub.iccid).await, ["throttle", "resume"]);
});

story!(a_new_esim_that_uses_data_is_enforced_like_any_line, |app| {
    // A new eSIM starts `pending_install`; once the network reports usage on it, it is
    // evidently installed, and running out must slow it like any other line.
    datacard::demo::seed(&app).await.expect("demo seed");
    let token = app
        .log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    let (status, _, order) = app
        .post_json(
            "/api/v1/orders",
            json!({ "kind": "new_esim", "plan_code": "HK-7D-5G", "periods": 1,
                    "payment_method": "wallet" }),
            &[("authorization", &bearer(&token))],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    assert_eq!(order["state"], "fulfilled", "{order}");
    let (_, _, me) = app.me(&token).await;
    let iccid = me["lines"]
        .as_array()
        .and_then(|lines| lines.iter().find(|line| line["iccid"] != demo_iccid()))
        .and_then(|line| line["iccid"].as_str())
        .unwrap_or_else(|| panic!("no new line in {me}"))
        .to_owned();
    assert_eq!(
        line_of(&app, &token, &iccid).await["status"],
        "pending_install"
    );
    let key = keys::create(&app, "tower-1").await.expect("a key");
    app.advance(Duration::hours(2));
    let at = app.now() - Duration::hours(1);
    assert_eq!(
        post_ok(
            &app,
            &key,
            vec![
                record("new-1", &iccid, 3 * GIB, at),
                record("new-2", &iccid, 3 * GIB, at + Duration::minutes(30)),
            ]
        )
        .await,
        answer(2, 0, &[])
    );
    run_jobs(&app).await;
    let line = line_of(&app, &token, &iccid).await;
    assert_eq!(line["current_period"]["data_remaining"], 0, "{line}");
    let mut sent = alerts_to(&app, datacard::demo::DEMO_PHONE).await;
    sent.sort();
    assert_eq!(sent, kinds(&["exhausted", "used_75", "used_90"]));
    assert_eq!(
        line["status"], "throttled",
        "6 GB used on a 5 GB plan: {line}"
    );
    assert_eq!(told(&app, &iccid).await, ["throttle"]);
});

story!(
    thresholds_crossed_by_one_batch_are_alerted_in_order,
    |app| {
        // One big record takes a line from nothing to empty: the subscriber's phone must
        // not say "used all its data" before "used 75 %".
        let key = keys::create(&app, "tower-1").await.expect("a key");
        for n in 0..4 {
            let sub = subscriber(&app, 50 + n, "HK-7D-5G", app.now() - Duration::days(1)).await;
            let at = app.now() - Duration::hours(1);
            post_ok(
                &app,
                &key,
                vec![record(&format!("burst-{n}"), &sub.iccid, 6 * GIB, at)],
            )
            .await;
            run_jobs(&app).await;
            assert_eq!(
                alerts_to(&app, &sub.phone).await,
                kinds(&["used_75", "used_90", "exhausted"]),
                "line {n}"
            );
        }
    }
);

/// The host network as the HTTP adapter meets it: the first request fails (a blip),
/// the rest are applied in the order they arrive.
#[derive(Clone, Default)]
struct HostNetwork {
    applied: std::sync::Arc<std::sync::Mutex<(usize, Vec<String>)>>,
}

impl HostNetwork {
    async fn start(&self) -> String {
        async fn take(
            axum::extract::State(host): axum::extract::State<HostNetwork>,
            axum::Json(body): axum::Json<Value>,
        ) -> StatusCode {
            let mut applied = host.applied.lock().expect("the host's memory");
            applied.0 += 1;
            if applied.0 == 1 {
                return StatusCode::SERVICE_UNAVAILABLE;
            }
            let action = body["action"]["action"].as_str().unwrap_or("?").to_owned();
            applied.1.push(action);
            StatusCode::OK
        }
        let router = axum::Router::new()
            .route("/lines/{iccid}/actions", axum::routing::post(take))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("an address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{address}")
    }

    fn applied(&self) -> Vec<String> {
        self.applied.lock().expect("the host's memory").1.clone()
    }
}

async fn network_blip(backend: Backend) {
    let host = HostNetwork::default();
    let url = host.start().await;
    let Some(app) = TestApp::start_with(backend, |config| {
        config.network.adapter = "http".into();
        config.network.base_url = url;
    })
    .await
    else {
        return;
    };
    let sub = subscriber(&app, 60, "HK-7D-5G", app.now() - Duration::days(2)).await;
    let key = keys::create(&app, "tower-1").await.expect("a key");
    let at = app.now() - Duration::hours(1);
    post_ok(&app, &key, vec![record("blip-1", &sub.iccid, 6 * GIB, at)]).await;
    // The throttle does not get through the first time; it is retried later.
    run_jobs(&app).await;
    assert_eq!(host.applied(), Vec::<String>::new());
    assert_eq!(line_state(&app, &sub.iccid).await.0, "throttled");

    app.advance_secs(1);
    let order = renew_by_wallet_after_top_up(&app, &sub).await;
    assert_eq!(order["state"], "fulfilled", "{order}");
    assert_eq!(line_state(&app, &sub.iccid).await.0, "active");
    for _ in 0..4 {
        run_jobs(&app).await;
        app.advance(Duration::minutes(5));
    }
    run_jobs(&app).await;
    let applied = host.applied();
    assert_eq!(
        applied.last().map(String::as_str),
        Some("resume"),
        "the line is active here, so the network's last word must be resume: {applied:?}"
    );
    app.finish().await;
}

mod a_network_blip_never_leaves_a_renewed_line_slowed {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        network_blip(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        network_blip(Backend::Postgres).await;
    }
}

// ===== 5. unlimited plans =================================================================

story!(
    unlimited_plans_keep_counting_past_fair_use_and_slow_down,
    |app| {
        let sub = subscriber(&app, 8, "HK-1D-UNL", app.now() - Duration::hours(6)).await;
        let key = keys::create(&app, "tower-1").await.expect("a key");
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(line["current_period"]["data_allowance"], Value::Null);
        assert_eq!(line["current_period"]["data_remaining"], Value::Null);
        let cap = 3 * GIB;
        let at = app.now() - Duration::hours(5);

        post_ok(&app, &key, vec![record("unl-1", &sub.iccid, 2 * GIB, at)]).await;
        run_jobs(&app).await;
        assert_eq!(
            line_of(&app, &sub.token, &sub.iccid).await["status"],
            "active"
        );
        assert_eq!(alerts_to(&app, &sub.phone).await, Vec::<String>::new());

        post_ok(
            &app,
            &key,
            vec![record(
                "unl-2",
                &sub.iccid,
                GIB + GIB / 2,
                at + Duration::hours(1),
            )],
        )
        .await;
        run_jobs(&app).await;
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(used(&line), 2 * GIB + GIB + GIB / 2, "{line}");
        assert!(used(&line) > cap);
        assert_eq!(line["current_period"]["data_remaining"], Value::Null);
        assert_eq!(line["status"], "throttled", "{line}");
        assert_eq!(
            line_state(&app, &sub.iccid).await,
            ("throttled".to_owned(), Some("fair_use".to_owned()))
        );
        assert_eq!(told(&app, &sub.iccid).await, ["throttle"]);
        let detail: String = sqlx::query("SELECT detail FROM sandbox_network WHERE iccid = $1")
            .bind(sub.iccid.clone())
            .fetch_one(app.db.reader())
            .await
            .and_then(|row| row.try_get("detail"))
            .expect("what the network was told");
        let detail: Value = serde_json::from_str(&detail).expect("JSON detail");
        assert_eq!(
            detail["action"]["kbps"], 384,
            "the plan's throttle speed: {detail}"
        );

        post_ok(
            &app,
            &key,
            vec![record("unl-3", &sub.iccid, GIB, at + Duration::hours(2))],
        )
        .await;
        run_jobs(&app).await;
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(
            used(&line),
            4 * GIB + GIB / 2,
            "usage keeps counting: {line}"
        );
        assert_eq!(alerts_to(&app, &sub.phone).await, kinds(&["fair_use"]));
        assert_eq!(alerts_to(&app, &sub.email).await, kinds(&["fair_use"]));
        assert_eq!(told(&app, &sub.iccid).await, ["throttle"]);
        let period = &periods(&app, &sub.iccid).await[0];
        assert_eq!(period.overage, 0, "unlimited plans have no overage");

        let cookie = app.portal_log_in(&sub.phone, PASSWORD).await.1;
        let (_, _, account) = page(&app, "/account?lang=en", &cookie).await;
        assert!(
            account.contains("Fair-use limit reached: slowed until the next period."),
            "{account}"
        );
    }
);

// ===== 6. validity ========================================================================

story!(
    validity_running_out_alerts_then_suspends_and_renewal_reconnects,
    |app| {
        datacard::demo::seed(&app).await.expect("demo seed");
        let token = app
            .log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        let iccid = demo_iccid();
        let phone = datacard::demo::DEMO_PHONE;
        let email = datacard::demo::DEMO_EMAIL;
        let ends_at = DateTime::parse_from_rfc3339(
            line_of(&app, &token, &iccid).await["current_period"]["ends_at"]
                .as_str()
                .expect("an end"),
        )
        .expect("a timestamp")
        .with_timezone(&Utc);

        // Four days out: nothing yet.
        app.clock.set(ends_at - Duration::days(4));
        datacard::usage::alerts::scan_expiring(&app)
            .await
            .expect("scan");
        run_jobs(&app).await;
        assert_eq!(alerts_to(&app, phone).await, Vec::<String>::new());

        app.clock.set(ends_at - Duration::days(2));
        for _ in 0..2 {
            datacard::usage::alerts::scan_expiring(&app)
                .await
                .expect("scan");
            run_jobs(&app).await;
        }
        assert_eq!(alerts_to(&app, phone).await, kinds(&["expires_3d"]));
        assert_eq!(alerts_to(&app, email).await, kinds(&["expires_3d"]));
        let sms = app.last_message(phone).await;
        assert_eq!(
            sms.message.locale,
            Locale::ZhHk,
            "in the subscriber's language"
        );
        assert!(
            sms.message.body.contains(&format!(
                "https://datacard.test/checkout?plan=HK-30D-20G&iccid={iccid}"
            )),
            "{}",
            sms.message.body
        );

        app.clock.set(ends_at - Duration::hours(12));
        for _ in 0..2 {
            datacard::usage::alerts::scan_expiring(&app)
                .await
                .expect("scan");
            run_jobs(&app).await;
        }
        assert_eq!(
            alerts_to(&app, phone).await,
            kinds(&["expires_3d", "expires_1d"])
        );
        assert_eq!(
            alerts_to(&app, email).await,
            kinds(&["expires_3d", "expires_1d"])
        );
        assert_eq!(line_of(&app, &token, &iccid).await["status"], "active");
        assert_eq!(
            datacard::lines::expire_lapsed(&app).await.expect("expiry"),
            0
        );

        // Past the end with nothing queued: expired, and the network stops the line.
        app.clock.set(ends_at + Duration::minutes(1));
        assert_eq!(
            datacard::lines::expire_lapsed(&app).await.expect("expiry"),
            1
        );
        assert_eq!(
            datacard::lines::expire_lapsed(&app).await.expect("expiry"),
            0
        );
        let line = line_of(&app, &token, &iccid).await;
        assert_eq!(line["status"], "expired", "{line}");
        assert_eq!(line["current_period"], Value::Null);
        assert_eq!(
            line_state(&app, &iccid).await,
            ("expired".to_owned(), Some("no_period_left".to_owned()))
        );
        run_jobs(&app).await;
        assert_eq!(told(&app, &iccid).await, ["suspend"]);
        let cookie = app
            .portal_log_in(phone, datacard::demo::DEMO_PASSWORD)
            .await
            .1;
        let (_, _, account) = page(&app, "/account?lang=en", &cookie).await;
        assert!(
            account.contains("No plan left: renew to reconnect."),
            "{account}"
        );

        // Renewed from the wallet: a new period from now, and the line is back.
        app.advance_secs(1);
        let order = renew_by_wallet(&app, &token, &iccid, "HK-7D-5G").await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        let line = line_of(&app, &token, &iccid).await;
        assert_eq!(line["status"], "active", "{line}");
        assert_eq!(line["current_period"]["plan_code"], "HK-7D-5G");
        assert_eq!(line_state(&app, &iccid).await, ("active".to_owned(), None));
        run_jobs(&app).await;
        assert_eq!(told(&app, &iccid).await, ["suspend", "resume"]);
        // No alert about the new period yet, and none repeated about the old one.
        datacard::usage::alerts::scan_expiring(&app)
            .await
            .expect("scan");
        run_jobs(&app).await;
        assert_eq!(
            alerts_to(&app, phone).await,
            kinds(&["expires_3d", "expires_1d"])
        );
    }
);

story!(no_expiry_alert_when_a_period_is_queued, |app| {
    let t0 = app.now();
    let sub = subscriber(&app, 9, "HK-7D-5G", t0 - Duration::days(5)).await;
    app.add_period(&sub.iccid, "HK-7D-5G", t0 + Duration::days(2))
        .await;
    app.advance(Duration::hours(36));
    datacard::usage::alerts::scan_expiring(&app)
        .await
        .expect("scan");
    run_jobs(&app).await;
    assert_eq!(alerts_to(&app, &sub.phone).await, Vec::<String>::new());
    app.advance(Duration::hours(13));
    assert_eq!(
        datacard::lines::expire_lapsed(&app).await.expect("expiry"),
        0
    );
    assert_eq!(
        line_of(&app, &sub.token, &sub.iccid).await["status"],
        "active"
    );
});

// ===== 7. CDR imports =====================================================================

story!(
    a_cdr_import_applies_good_rows_and_reports_bad_ones_by_line,
    |app| {
        let sub = subscriber(&app, 10, "HK-30D-20G", app.now() - Duration::days(3)).await;
        let iccid = sub.iccid.as_str();
        let stranger = stranger_iccid();
        let mut file = Vec::new();
        file.extend_from_slice(
        b"record_id,timestamp,iccid,imsi,msisdn,volume_total,volume_uplink,volume_downlink,rating_zone\n",
    );
        let rows: Vec<String> = vec![
            format!(
                "cdr-1,2026-11-25T01:00:00Z,{iccid},454001234567890,85261200010,1000,400,600,HK"
            ),
            format!("cdr-2,2026-11-25 01:10:00,{iccid},,,2000,,,HK"),
            format!(
                "cdr-3,2026-11-25T01:20:00Z,{iccid},454001234567890,85261200010,3000,1000,1000,HK"
            ),
            format!("cdr-4,25/11/2026 01:30,{iccid},454001234567890,85261200010,500,200,300,HK"),
            format!("cdr-5,2026-11-25T01:40:00Z,{iccid},454001234567890,85261200010,500,200,300"),
        ];
        for row in &rows {
            file.extend_from_slice(row.as_bytes());
            file.push(b'\n');
        }
        // Line 7: Latin-1 bytes in the MSISDN field.
        file.extend_from_slice(
            format!("cdr-6,2026-11-25T01:50:00Z,{iccid},454001234567890,").as_bytes(),
        );
        file.extend_from_slice(b"\xe9\xe8\xff,600,300,300,HK\n");
        file.extend_from_slice(
            format!(
                "cdr-7,2026-11-25T01:55:00Z,{stranger},454001234567890,85261200010,700,300,400,HK\n"
            )
            .as_bytes(),
        );
        file.extend_from_slice(
            format!(
                "cdr-8,2026-11-25T01:56:00Z,{iccid},454001234567890,85261200010,4000,1000,3000,HK\n"
            )
            .as_bytes(),
        );
        // Line 10: cut off mid-row, no final newline.
        file.extend_from_slice(format!("cdr-9,2026-11-25T01:57:00Z,{iccid},45400").as_bytes());

        let expected_rejections: Vec<(u64, String)> = [
            (4, "volume_mismatch"),
            (5, "invalid_timestamp"),
            (6, "wrong_field_count"),
            (7, "not_utf8"),
            (8, "unknown_iccid"),
            (10, "wrong_field_count"),
        ]
        .into_iter()
        .map(|(line, code)| (line, code.to_owned()))
        .collect();

        let mut heard = Vec::new();
        let report = datacard::usage::csv::import(&app, file.as_slice(), |rows| heard.push(rows))
            .await
            .expect("the import runs");
        assert_eq!(report.rows, 9);
        assert_eq!((report.accepted, report.duplicates), (3, 0), "{report:?}");
        assert_eq!(report.rejected, expected_rejections);
        assert_eq!(heard.last(), Some(&9), "progress is reported");
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(used(&line), 1000 + 2000 + 4000, "{line}");

        let again = datacard::usage::csv::import(&app, file.as_slice(), |_| {})
            .await
            .expect("the import runs");
        assert_eq!((again.accepted, again.duplicates), (0, 3), "{again:?}");
        assert_eq!(again.rejected, expected_rejections);
        assert_eq!(line_of(&app, &sub.token, &sub.iccid).await, line);
        assert_eq!(app.count_rows("usage_records").await, 3);

        let wrong = format!("id,time,iccid,bytes\ncdr-10,2026-11-25T01:00:00Z,{iccid},100\n");
        let error = datacard::usage::csv::import(&app, wrong.as_bytes(), |_| {})
            .await
            .expect_err("wrong columns are refused");
        assert_eq!(error.code, "wrong_columns");
        assert_eq!(app.count_rows("usage_records").await, 3);
    }
);

/// Runs the binary with no `DATACARD_*` settings leaking in from the environment.
fn datacard_cli(
    dir: &std::path::Path,
    data: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_datacard"));
    command
        .current_dir(dir)
        .arg("--data-dir")
        .arg(data)
        .args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("DATACARD_") {
            command.env_remove(name);
        }
    }
    command.env("DATACARD_LOG_LEVEL", "warn");
    command.output().expect("run the datacard binary")
}

#[tokio::test]
async fn the_cli_creates_network_keys_and_imports_cdr_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    // The demo subscriber's line, on the wall clock the binary uses.
    {
        let config = datacard::config::Config {
            data_dir: data.clone(),
            demo: true,
            ..datacard::config::Config::default()
        };
        let app =
            datacard::server::build(config, std::sync::Arc::new(datacard::clock::SystemClock))
                .await
                .expect("build the app");
        datacard::demo::seed(&app).await.expect("demo seed");
        app.db.close().await;
    }
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();

    let created = datacard_cli(dir.path(), &data, &["network-keys", "create", "tower-1"]);
    assert_eq!(created.status.code(), Some(0), "{}", text(&created.stderr));
    let key = text(&created.stdout).trim().to_owned();
    assert!(key.starts_with("dck_") && key.len() > 20, "{key}");
    let twice = datacard_cli(dir.path(), &data, &["network-keys", "create", "tower-1"]);
    assert_ne!(twice.status.code(), Some(0), "a name is used once");

    let iccid = demo_iccid();
    let at = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let csv = format!(
        "record_id,timestamp,iccid,imsi,msisdn,volume_total,volume_uplink,volume_downlink,rating_zone\n\
         cli-1,{at},{iccid},454001234567890,85291234567,1000,400,600,HK\n\
         cli-2,yesterday,{iccid},454001234567890,85291234567,1000,400,600,HK\n\
         cli-3,{at},{iccid},454001234567890,85291234567,2000,1000,1000,HK\n"
    );
    std::fs::write(dir.path().join("file.csv"), csv).expect("write the CSV");
    let imported = datacard_cli(dir.path(), &data, &["usage", "import", "file.csv"]);
    assert_eq!(
        imported.status.code(),
        Some(2),
        "{}",
        text(&imported.stderr)
    );
    assert!(
        text(&imported.stderr).contains("file.csv:3: invalid_timestamp"),
        "{}",
        text(&imported.stderr)
    );
    assert!(
        text(&imported.stdout).contains("3 rows: 2 applied, 0 already applied, 1 rejected"),
        "{}",
        text(&imported.stdout)
    );
    let again = datacard_cli(dir.path(), &data, &["usage", "import", "file.csv"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stdout).contains("3 rows: 0 applied, 2 already applied, 1 rejected"),
        "{}",
        text(&again.stdout)
    );

    std::fs::write(dir.path().join("wrong.csv"), "a,b,c\n1,2,3\n").expect("write");
    let wrong = datacard_cli(dir.path(), &data, &["usage", "import", "wrong.csv"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        text(&wrong.stderr).contains("wrong.csv: The CSV columns must be"),
        "{}",
        text(&wrong.stderr)
    );

    let revoked = datacard_cli(dir.path(), &data, &["network-keys", "revoke", "tower-1"]);
    assert_eq!(revoked.status.code(), Some(0), "{}", text(&revoked.stderr));
    let unknown = datacard_cli(dir.path(), &data, &["network-keys", "revoke", "tower-1"]);
    assert_eq!(unknown.status.code(), Some(2));
    let check = datacard_cli(dir.path(), &data, &["ledger", "check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
}

// ===== 8. the usage page ==================================================================

story!(the_usage_page_draws_30_days_and_forecasts, |app| {
    datacard::demo::seed(&app).await.expect("demo seed");
    let key = keys::create(&app, "tower-1").await.expect("a key");
    let iccid = demo_iccid();
    // 1 GB a day for the last 7 days.
    let records: Vec<Value> = (0..7)
        .map(|day| {
            record(
                &format!("page-{day}"),
                &iccid,
                GIB,
                app.now() - Duration::days(day) - Duration::hours(1),
            )
        })
        .collect();
    assert_eq!(post_ok(&app, &key, records).await, answer(7, 0, &[]));

    let cookie = app
        .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await
        .1;
    let path = format!("/lines/{iccid}/usage?lang=en");
    let (status, _, html) = page(&app, &path, &cookie).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(html.matches("<svg").count(), 1, "{html}");
    assert_eq!(html.matches("<rect").count(), 30, "{html}");
    assert!(
        html.contains("At your recent pace your data lasts until"),
        "{html}"
    );
    assert!(!html.contains("until the end of the period"), "{html}");
    assert!(html.contains("Recent pace: 1"), "{html}");
    assert!(html.contains("A plan that would fit you"), "{html}");

    // Someone else's line, or no line at all: not found.
    let other = subscriber(&app, 11, "HK-7D-5G", app.now() - Duration::days(1)).await;
    let stranger = app.portal_log_in(&other.phone, PASSWORD).await.1;
    let (status, _, html) = page(&app, &path, &stranger).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        html.contains("We could not find that eSIM on your account."),
        "{html}"
    );
    assert!(!html.contains("<rect"), "{html}");
    let (status, _, _) = page(
        &app,
        &format!("/lines/{}/usage?lang=en", stranger_iccid()),
        &cookie,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Not signed in: to the login page.
    let (status, headers, _) = page(&app, &path, "").await;
    assert!(status.is_redirection(), "{status}");
    assert!(
        headers[header::LOCATION]
            .to_str()
            .is_ok_and(|to| to.starts_with("/login")),
        "{headers:?}"
    );
    // The line's owner with no usage yet sees so.
    let (status, _, html) = page(
        &app,
        &format!("/lines/{}/usage?lang=en", other.iccid),
        &stranger,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No usage recorded yet."), "{html}");
});

// ===== 9. many writers at once ============================================================

/// 2 000 records over two lines: a roomy 5 GB line that never runs out (about 1 GB of
/// records) and a 1 GB line that does (about 1.5 GB).
fn crowd(roomy: &str, tight: &str, now: DateTime<Utc>, rng: &mut StdRng) -> Vec<UsageRecord> {
    (0..2000)
        .map(|n| {
            let (iccid, bytes) = if n % 2 == 0 {
                (roomy, rng.random_range(100_000..1_900_000))
            } else {
                (tight, rng.random_range(1_000_000..2_000_000))
            };
            let at = now - Duration::seconds(rng.random_range(120..20 * 3600));
            usage_record(&format!("crowd-{n:05}"), iccid, bytes, at)
        })
        .collect()
}

/// Each writer's share: every record, shuffled, with 5 % repeated.
fn shuffled_with_repeats(records: &[UsageRecord], rng: &mut StdRng) -> Vec<UsageRecord> {
    let mut mine = records.to_vec();
    for _ in 0..records.len() / 20 {
        mine.push(records[rng.random_range(0..records.len())].clone());
    }
    mine.shuffle(rng);
    mine
}

/// Every record once, on both lines: the books agree with the records.
async fn assert_applied_once(app: &TestApp, records: &[UsageRecord], iccids: [&str; 2]) {
    assert_eq!(app.count_rows("usage_records").await, records.len() as i64);
    for iccid in iccids {
        let unique: i64 = records
            .iter()
            .filter(|r| r.iccid == iccid)
            .map(|r| r.bytes)
            .sum();
        let count = records.iter().filter(|r| r.iccid == iccid).count() as i64;
        let period = periods(app, iccid).await[0].clone();
        let allowance = period.allowance.expect("capped");
        let expected_used = unique.min(allowance);
        assert_eq!(
            (period.data_used, period.overage),
            (expected_used, unique - expected_used),
            "line {iccid}: {unique} bytes posted against {allowance}"
        );
        assert_eq!(
            records_of(app, &period.id).await,
            (count, unique, period.data_used, period.overage),
            "line {iccid}: the records' charges add up to the period's"
        );
        assert_eq!(
            quota_balance(app, &period.id).await,
            -(allowance - period.data_used),
            "line {iccid}: the quota ledger"
        );
        assert_eq!(hourly_total(app, iccid).await, unique);
        let alerts: i64 = sqlx::query("SELECT COUNT(*) FROM alerts WHERE period_id = $1")
            .bind(period.id.clone())
            .fetch_one(app.db.reader())
            .await
            .and_then(|row| row.try_get(0))
            .expect("alerts");
        let expected_alerts = match expected_used * 100 / allowance {
            100.. => 3,
            90.. => 2,
            75.. => 1,
            _ => 0,
        };
        assert_eq!(alerts, expected_alerts, "line {iccid}: each alert once");
    }
}

story!(
    concurrent_overlapping_batches_apply_each_record_once,
    |app| {
        let t0 = app.now();
        let roomy = subscriber(&app, 20, "HK-7D-5G", t0 - Duration::hours(22)).await;
        let tight = subscriber(&app, 21, "HK-1D-1G", t0 - Duration::hours(22)).await;
        let key = keys::create(&app, "tower-1").await.expect("a key");
        let mut rng = StdRng::seed_from_u64(2026);
        let records = crowd(&roomy.iccid, &tight.iccid, t0, &mut rng);

        let mut writers = Vec::new();
        for writer in 0..8 {
            let mine = shuffled_with_repeats(&records, &mut rng);
            let (app, router, key) = (app.app.clone(), app.router.clone(), key.clone());
            writers.push(tokio::spawn(async move {
                let (mut accepted, mut duplicates) = (0u64, 0u64);
                for batch in mine.chunks(150) {
                    if writer % 2 == 0 {
                        let results = datacard::usage::submit(&app, batch.to_vec())
                            .await
                            .map_err(|error| format!("submit: {error}"))?;
                        for result in results {
                            match result {
                                RecordResult::Accepted => accepted += 1,
                                RecordResult::Duplicate => duplicates += 1,
                                RecordResult::Rejected(code) => {
                                    return Err(format!("rejected: {code}"));
                                }
                            }
                        }
                    } else {
                        let request = json_request(
                            Method::POST,
                            "/api/v1/usage",
                            Some(json!({ "records": batch })),
                            &[("authorization", &bearer(&key))],
                        );
                        let (status, _, bytes) = call(router.clone(), request).await;
                        let body = json_of(&bytes);
                        if status != StatusCode::OK || body["rejected"] != json!([]) {
                            return Err(format!("{status}: {body}"));
                        }
                        accepted += body["accepted"].as_u64().unwrap_or(0);
                        duplicates += body["duplicates"].as_u64().unwrap_or(0);
                    }
                }
                Ok::<_, String>((accepted, duplicates))
            }));
        }
        let (mut accepted, mut duplicates) = (0, 0);
        for writer in writers {
            let (a, d) = writer
                .await
                .expect("the writer ran")
                .expect("the writer's batches");
            accepted += a;
            duplicates += d;
        }
        assert_eq!(accepted, 2000, "each record accepted exactly once");
        assert_eq!(duplicates, 8 * 2100 - 2000);
        assert_applied_once(&app, &records, [&roomy.iccid, &tight.iccid]).await;
        let line = line_of(&app, &tight.token, &tight.iccid).await;
        assert_eq!(line["current_period"]["data_remaining"], 0, "{line}");
        assert_eq!(line["status"], "throttled", "{line}");
    }
);

story!(
    writers_that_bypass_the_batcher_still_apply_each_record_once,
    |app| {
        // Two app nodes (each with its own batcher), or a CDR import beside the API, call
        // the engine at the same time.
        let t0 = app.now();
        let roomy = subscriber(&app, 30, "HK-7D-5G", t0 - Duration::hours(22)).await;
        let tight = subscriber(&app, 31, "HK-1D-1G", t0 - Duration::hours(22)).await;
        let mut rng = StdRng::seed_from_u64(7);
        let records = crowd(&roomy.iccid, &tight.iccid, t0, &mut rng);

        let mut writers = Vec::new();
        for _ in 0..8 {
            let mine = shuffled_with_repeats(&records, &mut rng);
            let app = app.app.clone();
            writers.push(tokio::spawn(async move {
                let mut accepted = 0u64;
                for batch in mine.chunks(150) {
                    let results = datacard::usage::ingest(&app, batch)
                        .await
                        .map_err(|error| format!("ingest: {error:?}"))?;
                    accepted += results
                        .iter()
                        .filter(|r| **r == RecordResult::Accepted)
                        .count() as u64;
                }
                Ok::<_, String>(accepted)
            }));
        }
        let mut accepted = 0;
        let mut failures = Vec::new();
        for writer in writers {
            match writer.await.expect("the writer ran") {
                Ok(a) => accepted += a,
                Err(error) => failures.push(error),
            }
        }
        assert_eq!(failures, Vec::<String>::new(), "every batch went through");
        assert_eq!(accepted, 2000, "each record accepted exactly once");
        assert_applied_once(&app, &records, [&roomy.iccid, &tight.iccid]).await;
    }
);

story!(
    a_hot_line_fed_by_many_writers_at_once_never_goes_below_zero,
    |app| {
        // Many producers, no record in common, one 1 GB line that runs out: the engine
        // alone (no shared batcher, as with two app nodes) must not hand out more than the
        // allowance.
        let t0 = app.now();
        let hot = subscriber(&app, 40, "HK-1D-1G", t0 - Duration::hours(22)).await;
        let mut rng = StdRng::seed_from_u64(40);
        let records: Vec<UsageRecord> = (0..1600)
            .map(|n| {
                let at = t0 - Duration::seconds(rng.random_range(120..20 * 3600));
                usage_record(
                    &format!("hot-{n:05}"),
                    &hot.iccid,
                    rng.random_range(1_000_000..2_000_000),
                    at,
                )
            })
            .collect();
        let mut writers = Vec::new();
        for share in records.chunks(200) {
            let (share, app) = (share.to_vec(), app.app.clone());
            writers.push(tokio::spawn(async move {
                for batch in share.chunks(20) {
                    datacard::usage::ingest(&app, batch)
                        .await
                        .map_err(|error| format!("ingest: {error:?}"))?;
                }
                Ok::<_, String>(())
            }));
        }
        for writer in writers {
            writer
                .await
                .expect("the writer ran")
                .expect("the writer's batches");
        }
        let unique: i64 = records.iter().map(|r| r.bytes).sum();
        let period = periods(&app, &hot.iccid).await[0].clone();
        let allowance = period.allowance.expect("capped");
        assert!(unique > allowance);
        assert_eq!(
            (period.data_used, period.overage),
            (allowance, unique - allowance),
            "used never passes the allowance; the rest is overage"
        );
        assert_eq!(quota_balance(&app, &period.id).await, 0);
        assert_eq!(
            records_of(&app, &period.id).await,
            (1600, unique, allowance, unique - allowance)
        );
    }
);
