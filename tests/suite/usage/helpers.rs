//! What the usage stories share: their subscribers and lines, posting records with a
//! network key, and reading back periods, the ledger, alerts and line events.

pub(super) use axum::body::Body;
pub(super) use axum::http::{HeaderMap, Method, Request, StatusCode, header};
pub(super) use chrono::{DateTime, Duration, Utc};
pub(super) use rand::rngs::StdRng;
pub(super) use rand::seq::SliceRandom;
pub(super) use rand::{Rng, SeedableRng};
pub(super) use serde_json::{Value, json};
pub(super) use sqlx::Row;

pub(super) use datacard::i18n::Locale;
pub(super) use datacard::lines::Iccid;
pub(super) use datacard::usage::{RecordResult, UsageRecord, keys};

pub(super) use crate::support::*;

pub(super) const MIB: i64 = 1 << 20;
pub(super) const GIB: i64 = 1 << 30;

// ----- subscribers and their lines ---------------------------------------------------

/// This story's subscribers: +852 612…, user…@example.com, ICCIDs 89852099….
pub(super) const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852612",
    email: "user",
    iccid: "89852099",
};

/// A subscriber reading English, with one line whose first period on `plan` starts at
/// `starts_at` with nothing used. `n` keeps phone, email and ICCID apart.
pub(super) async fn subscriber(
    app: &TestApp,
    n: u32,
    plan: &str,
    starts_at: DateTime<Utc>,
) -> Subscriber {
    app.subscriber_with_line(&SUBSCRIBERS, n, plan, starts_at, Used::Nothing)
        .await
}

pub(super) fn demo_iccid() -> String {
    Iccid::with_check_digit("898520000000000001")
        .expect("the demo ICCID")
        .to_string()
}

/// A valid ICCID that no line has.
pub(super) fn stranger_iccid() -> String {
    Iccid::with_check_digit("898520990009999999")
        .expect("an ICCID")
        .to_string()
}

/// The subscriber's line as `GET /api/v1/me` shows it.
pub(super) async fn line_of(app: &TestApp, token: &str, iccid: &str) -> Value {
    let (status, _, me) = app.me(token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    me["lines"]
        .as_array()
        .and_then(|lines| lines.iter().find(|line| line["iccid"] == iccid))
        .cloned()
        .unwrap_or_else(|| panic!("no line {iccid} in {me}"))
}

pub(super) fn used(line: &Value) -> i64 {
    line["current_period"]["data_used"]
        .as_i64()
        .unwrap_or_else(|| panic!("no data_used in {line}"))
}

// ----- the network's side ------------------------------------------------------------

pub(super) fn record(id: &str, iccid: &str, bytes: i64, at: DateTime<Utc>) -> Value {
    json!({ "id": id, "iccid": iccid, "bytes": bytes,
            "started_at": at, "ended_at": at + Duration::minutes(1) })
}

pub(super) fn usage_record(id: &str, iccid: &str, bytes: i64, at: DateTime<Utc>) -> UsageRecord {
    UsageRecord {
        id: id.to_owned(),
        iccid: iccid.to_owned(),
        bytes,
        started_at: at,
        ended_at: at + Duration::seconds(30),
    }
}

pub(super) async fn post_usage(app: &TestApp, key: &str, records: Vec<Value>) -> Reply {
    app.post_json(
        "/api/v1/usage",
        json!({ "records": records }),
        &[("authorization", &bearer(key))],
    )
    .await
}

/// Posts records expecting 200; returns the answer.
pub(super) async fn post_ok(app: &TestApp, key: &str, records: Vec<Value>) -> Value {
    let (status, _, body) = post_usage(app, key, records).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

pub(super) fn answer(accepted: u64, duplicates: u64, rejected: &[(&str, &str)]) -> Value {
    let rejected: Vec<Value> = rejected
        .iter()
        .map(|(id, code)| json!({ "id": id, "code": code }))
        .collect();
    json!({ "accepted": accepted, "duplicates": duplicates, "rejected": rejected })
}

// ----- what the operator sees ----------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PeriodRow {
    pub(super) id: String,
    pub(super) starts_at: i64,
    pub(super) allowance: Option<i64>,
    pub(super) data_used: i64,
    pub(super) overage: i64,
}

pub(super) async fn periods(app: &TestApp, iccid: &str) -> Vec<PeriodRow> {
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
pub(super) async fn line_state(app: &TestApp, iccid: &str) -> (String, Option<String>) {
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
pub(super) async fn quota_balance(app: &TestApp, period_id: &str) -> i64 {
    sqlx::query("SELECT balance FROM ledger_accounts WHERE code = $1")
        .bind(format!("quota:{period_id}"))
        .fetch_one(app.db.reader())
        .await
        .and_then(|row| row.try_get::<i64, _>("balance"))
        .expect("the period's quota account")
}

/// `(count, sum of bytes, sum of charged, sum of overage)` of the records of a period.
pub(super) async fn records_of(app: &TestApp, period_id: &str) -> (i64, i64, i64, i64) {
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
pub(super) async fn stored_record(
    app: &TestApp,
    id: &str,
) -> Option<(Option<String>, i64, String)> {
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

pub(super) async fn hourly_total(app: &TestApp, iccid: &str) -> i64 {
    sqlx::query("SELECT CAST(COALESCE(SUM(bytes), 0) AS BIGINT) FROM usage_hourly WHERE iccid = $1")
        .bind(iccid.to_owned())
        .fetch_one(app.db.reader())
        .await
        .and_then(|row| row.try_get::<i64, _>(0))
        .expect("hourly totals")
}

/// `(action, reason)` of every transition recorded for the line, oldest first.
pub(super) async fn line_events(app: &TestApp, iccid: &str) -> Vec<(String, String)> {
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

pub(super) async fn told(app: &TestApp, iccid: &str) -> Vec<String> {
    datacard::network::told(app, iccid)
        .await
        .expect("what the sandbox network was told")
}

pub(super) async fn run_jobs(app: &TestApp) -> usize {
    datacard::jobs::run_due(app, "usage-story")
        .await
        .expect("jobs run")
}

/// The kinds of the alerts sent to `destination`, oldest first.
pub(super) async fn alerts_to(app: &TestApp, destination: &str) -> Vec<String> {
    app.messages_to(destination)
        .await
        .into_iter()
        .map(|entry| entry.message.kind)
        .filter(|kind| kind.starts_with("alert_"))
        .collect()
}

pub(super) fn kinds(list: &[&str]) -> Vec<String> {
    list.iter().map(|kind| format!("alert_{kind}")).collect()
}

// ----- the portal --------------------------------------------------------------------

pub(super) async fn page(
    app: &TestApp,
    path: &str,
    cookie: &str,
) -> (StatusCode, HeaderMap, String) {
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
pub(super) async fn renew_by_card(app: &TestApp, sub: &Subscriber, plan: &str) -> Value {
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

pub(super) async fn renew_by_wallet(app: &TestApp, token: &str, iccid: &str, plan: &str) -> Value {
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
