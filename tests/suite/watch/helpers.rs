//! What the watch's stories share: their subscribers, paying twice, usage posted as the
//! network would, the scan run (twice), the alerts sent, and the findings read back.

pub(super) use axum::http::{Method, StatusCode};
pub(super) use chrono::{DateTime, Duration, Utc};
pub(super) use serde_json::{Value, json};

pub(super) use datacard::demo::sandbox::bank;
pub(super) use datacard::money::{Currency, Money};
pub(super) use datacard::payments::{Observation, ProviderStatus};
pub(super) use datacard::usage::UsageRecord;
pub(super) use datacard::watch::{Finding, Kind};

pub(super) use crate::support::*;

/// This story's subscribers: +852 614…, watched…@example.com, ICCIDs 89852055….
pub(super) const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852614",
    email: "watched",
    iccid: "89852055",
};

pub(super) const MB: i64 = 1_000_000;

/// A subscriber with a line on the 30-day 20 GB plan that started `days_ago`.
pub(super) async fn subscriber(app: &TestApp, n: u32, days_ago: i64) -> Subscriber {
    app.subscriber_with_line(
        &SUBSCRIBERS,
        n,
        "HK-30D-20G",
        app.now() - Duration::days(days_ago),
        Used::Nothing,
    )
    .await
}

/// The scan, run twice as two nodes would: the second finds nothing new.
pub(super) async fn scan_twice(app: &TestApp) -> usize {
    let first = datacard::watch::scan(app).await.expect("the scan");
    let second = datacard::watch::scan(app).await.expect("the scan again");
    assert_eq!(second, 0, "the second scan keeps nothing new");
    first
}

/// Sends the queued alerts (and nothing else that is due), twice over.
pub(super) async fn send_alerts(app: &TestApp) {
    for _ in 0..2 {
        datacard::jobs::run_due_of_kind(app, "watch-story", datacard::watch::ALERT_JOB)
            .await
            .expect("alerts sent");
    }
}

/// Every job that is due, as the background worker would run them.
pub(super) async fn run_jobs(app: &TestApp) {
    datacard::jobs::run_due(app, "watch-story")
        .await
        .expect("jobs run");
}

/// The watch's messages to the subscriber: `(SMS, emails)`.
pub(super) async fn alerts_to(app: &TestApp, sub: &Subscriber) -> (Vec<String>, Vec<String>) {
    let outbox = app.outbox().await;
    let watch = |to: &str| -> Vec<String> {
        outbox
            .iter()
            .filter(|e| e.message.to == to && e.message.kind.starts_with("watch_"))
            .map(|e| format!("{}\n{}", e.message.subject, e.message.body))
            .collect()
    };
    (watch(&sub.phone), watch(&sub.email))
}

/// Every finding kept, newest first.
pub(super) async fn findings(app: &TestApp) -> Vec<Finding> {
    let mut out = Vec::new();
    for id in sqlx::query_scalar::<_, String>("SELECT id FROM watch_findings ORDER BY id DESC")
        .fetch_all(app.db.reader())
        .await
        .expect("finding ids")
    {
        out.push(datacard::watch::find(app, &id).await.unwrap().unwrap());
    }
    out
}

pub(super) async fn findings_of(app: &TestApp, kind: Kind) -> Vec<Finding> {
    findings(app)
        .await
        .into_iter()
        .filter(|f| f.kind == kind)
        .collect()
}

/// The operator's "needs a person" list's findings, by a support key.
pub(super) async fn flags(app: &TestApp) -> Vec<Value> {
    let name = format!("watch-desk-{}", &datacard::ids::new_token()[..8]);
    let key = datacard::api_keys::create_operator(app, &name, datacard::staff::Role::Support)
        .await
        .expect("a key");
    let (status, _, list) = app
        .get_json(
            "/api/v1/admin/payments/attention",
            &[("authorization", &bearer(&key))],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .expect("a list")
        .iter()
        .filter(|item| item["subject"] == "finding")
        .cloned()
        .collect()
}

/// Usage as the network reports it: `bytes` in one record starting at `at`.
pub(super) async fn use_data(app: &TestApp, id: &str, iccid: &str, bytes: i64, at: DateTime<Utc>) {
    let results = datacard::usage::ingest(
        app,
        &[UsageRecord {
            id: id.to_owned(),
            iccid: iccid.to_owned(),
            bytes,
            started_at: at,
            ended_at: at + Duration::minutes(5),
        }],
    )
    .await
    .expect("usage applied");
    assert_eq!(
        results,
        vec![datacard::usage::RecordResult::Accepted],
        "{id}"
    );
}

/// A card top-up of `amount` paid at the sandbox: the order as created.
pub(super) async fn paid_top_up(app: &TestApp, sub: &Subscriber, amount: i64) -> Value {
    let order = app.order_top_up(&sub.auth(), amount, "card").await;
    app.pay_at_sandbox(&order).await;
    order
}

/// The payer pays the order a second time (another tab, another attempt) and the
/// provider tells us: a second payment of the same order, opened and paid at the
/// sandbox like the first.
pub(super) async fn pay_again(app: &TestApp, order: &Value) -> String {
    use datacard::demo::sandbox::SandboxProvider;
    use datacard::payments::provider::{CreateRequest, Provider};
    use datacard::payments::store::{self, Payment};
    let now = app.now();
    let order_id = order["id"].as_str().expect("an order id").to_owned();
    let payment = Payment {
        id: datacard::ids::new_id("pay", now),
        order_id: order_id.clone(),
        provider: "sandbox".into(),
        method: datacard::payments::Method::Card,
        amount: Money::new(
            order["breakdown"]["total"]["amount"]
                .as_i64()
                .expect("a total"),
            Currency::HKD,
        ),
        state: datacard::payments::PaymentState::Pending,
        queries: 0,
    };
    let mut tx = app.db.begin().await.expect("begin");
    store::insert(&mut tx, &payment, now).await.expect("insert");
    tx.commit().await.expect("commit");
    let created = SandboxProvider::new(app)
        .create(&CreateRequest {
            payment_id: payment.id.clone(),
            amount: payment.amount,
            method: payment.method,
            description: "the same order again".into(),
            return_url: format!("https://datacard.test/orders/{order_id}"),
            expires_at: now + Duration::minutes(30),
            payer: Default::default(),
        })
        .await
        .expect("the provider opens it");
    let mut tx = app.db.begin().await.expect("begin");
    store::set_created(
        &mut tx,
        &payment.id,
        &created.provider_ref,
        &created.next_action,
    )
    .await
    .expect("set created");
    tx.commit().await.expect("commit");
    assert!(bank::pay(app, &payment.id, true).await.expect("pay"));
    app.advance_secs(1);
    deliver_notifications(app).await;
    payment.id
}

/// Delivers the sandbox's due notifications to our webhook.
pub(super) async fn deliver_notifications(app: &TestApp) {
    use axum::body::Body;
    use axum::http::{Request, header};
    for outgoing in bank::due_notifications(app).await.expect("notifications") {
        let request = Request::post("/api/v1/webhooks/sandbox")
            .header(header::CONTENT_TYPE, "application/json")
            .header(bank::SIGNATURE_HEADER, outgoing.signature.as_str())
            .body(Body::from(outgoing.body.clone()))
            .expect("a request");
        app.send(request).await;
        bank::mark_delivered(app, &outgoing.id, true)
            .await
            .expect("mark delivered");
    }
}

/// A word from the provider about one of our payments, as its notification would
/// bring it.
pub(super) async fn provider_says(
    app: &TestApp,
    payment_id: &str,
    event: &str,
    status: ProviderStatus,
    amount: Option<i64>,
) {
    datacard::orders::apply(
        app,
        payment_id,
        "notification",
        event,
        &Observation {
            status,
            amount: amount.map(|a| Money::new(a, Currency::HKD)),
            raw: format!("{{\"event\":\"{event}\"}}"),
        },
    )
    .await
    .expect("applied");
}
