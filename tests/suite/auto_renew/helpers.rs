//! What the auto-renew stories share: their plan and subscribers, switching
//! auto-renew on, running the scan and the jobs, and reading back periods, renewal
//! orders and messages.

pub(super) use axum::body::Body;
pub(super) use axum::http::{HeaderMap, Request, StatusCode, header};
pub(super) use chrono::{DateTime, Duration, Utc};
pub(super) use serde_json::{Value, json};
pub(super) use sqlx::Row;

pub(super) use datacard::money::Currency;

pub(super) use crate::support::*;

pub(super) const PLAN: &str = "HK-7D-5G";
/// HK$48.00, the plan's price.
pub(super) const PRICE: i64 = 4_800;

/// This story's subscribers: +852 613…, renew…@example.com, ICCIDs 89852077….
pub(super) const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852613",
    email: "renew",
    iccid: "89852077",
};

/// A subscriber with one line on [`PLAN`] whose period started 5 days ago, so that
/// it ends 2 days after the story's start (10:00 Hong Kong time).
pub(super) async fn subscriber(app: &TestApp, n: u32) -> Subscriber {
    subscriber_using(app, n, Used::Nothing).await
}

/// As [`subscriber`], with `used` of the period's data used.
pub(super) async fn subscriber_using(app: &TestApp, n: u32, used: Used) -> Subscriber {
    let starts_at = app.now() - Duration::days(5);
    app.subscriber_with_line(&SUBSCRIBERS, n, PLAN, starts_at, used)
        .await
}

pub(super) async fn balance(app: &TestApp, sub: &Subscriber) -> i64 {
    datacard::ledger::wallet_balance(app, &sub.account_id, Currency::HKD)
        .await
        .expect("balance")
        .amount
}

pub(super) async fn set_auto_renew(app: &TestApp, sub: &Subscriber, body: Value) -> Reply {
    app.request(
        axum::http::Method::PUT,
        &format!("/api/v1/lines/{}/auto-renew", sub.iccid),
        Some(body),
        &[("authorization", &sub.auth())],
    )
    .await
}

pub(super) async fn enable(app: &TestApp, sub: &Subscriber, body: Value) -> Value {
    let reply = set_auto_renew(app, sub, body).await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.2);
    reply.2
}

pub(super) async fn scan(app: &TestApp) -> usize {
    datacard::auto_renew::scan(app).await.expect("scan")
}

pub(super) async fn run_jobs(app: &TestApp) -> usize {
    datacard::jobs::run_due(app, "auto-renew-story")
        .await
        .expect("jobs run")
}

/// `(starts_at, ends_at)` of the line's periods, oldest first.
pub(super) async fn periods(app: &TestApp, iccid: &str) -> Vec<(i64, i64)> {
    sqlx::query("SELECT starts_at, ends_at FROM line_periods WHERE iccid = $1 ORDER BY starts_at")
        .bind(iccid)
        .fetch_all(app.db.reader())
        .await
        .expect("periods")
        .iter()
        .map(|row| (row.get("starts_at"), row.get("ends_at")))
        .collect()
}

pub(super) async fn renewal_orders(app: &TestApp, account_id: &str) -> Vec<(String, String)> {
    sqlx::query(
        "SELECT state, payment_method FROM orders WHERE account_id = $1 AND kind = 'renewal' ORDER BY created_at",
    )
    .bind(account_id)
    .fetch_all(app.db.reader())
    .await
    .expect("orders")
    .iter()
    .map(|row| (row.get("state"), row.get("payment_method")))
    .collect()
}

/// The auto-renew messages sent to `destination`, oldest first.
pub(super) async fn renew_messages(app: &TestApp, destination: &str) -> Vec<String> {
    app.messages_to(destination)
        .await
        .into_iter()
        .map(|entry| entry.message.kind)
        .filter(|kind| kind.starts_with("auto_renew") || kind == "low_balance")
        .collect()
}

pub(super) fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}
