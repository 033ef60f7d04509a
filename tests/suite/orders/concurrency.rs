//! A busy evening: a hundred-odd orders by several subscribers, every one paid at the
//! provider, then every notification delivered twice, shuffled, from four places at
//! once while two workers run the reconciliation jobs. Each order must be fulfilled
//! exactly once, and the books must balance. Runs on SQLite and on PostgreSQL.

use std::time::Instant;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{DateTime, Duration, Utc};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde_json::{Value, json};
use sqlx::Row;

use datacard::app::App;
use datacard::demo::sandbox::bank::{self, Outgoing};
use datacard::lines::Iccid;
use datacard::orders::reconcile;

use crate::support::*;

/// Runs `$story(app)` on both databases, on a runtime with several threads.
macro_rules! busy_story {
    ($name:ident, $story:path) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                run(Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                run(Backend::Postgres).await;
            }

            async fn run(backend: Backend) {
                let Some(app) = TestApp::start(backend).await else {
                    return;
                };
                $story(&app).await;
                app.finish().await;
            }
        }
    };
}

const PASSWORD: &str = "harbour lights 88";
const RENEWALS: usize = 45;
const NEW_ESIMS_EACH: usize = 20;
const TOP_UPS_EACH: usize = 10;
const METHODS: [&str; 3] = ["card", "alipay", "wechat_pay"];

fn demo_iccid() -> String {
    Iccid::with_check_digit("898520000000000001")
        .expect("the demo ICCID")
        .to_string()
}

struct Wanted {
    auth: String,
    body: Value,
}

/// What everyone buys tonight.
fn shopping_list(demo: &str, others: &[String]) -> Vec<Wanted> {
    let mut wanted = Vec::new();
    for n in 0..RENEWALS {
        let plan = if n % 2 == 0 { "HK-30D-20G" } else { "HK-7D-5G" };
        wanted.push(Wanted {
            auth: bearer(demo),
            body: json!({ "kind": "renewal", "iccid": demo_iccid(), "plan_code": plan,
                          "periods": 1 + n % 3, "payment_method": METHODS[n % 3] }),
        });
    }
    for token in others {
        for n in 0..NEW_ESIMS_EACH {
            wanted.push(Wanted {
                auth: bearer(token),
                body: json!({ "kind": "new_esim", "plan_code": "HK-7D-5G", "periods": 1 + n % 2,
                              "payment_method": METHODS[n % 3] }),
            });
        }
        for n in 0..TOP_UPS_EACH {
            wanted.push(Wanted {
                auth: bearer(token),
                body: json!({ "kind": "wallet_topup", "payment_method": "card",
                              "amount": { "amount": top_up_amount(n), "currency": "HKD" } }),
            });
        }
    }
    wanted
}

fn top_up_amount(n: usize) -> i64 {
    1_000 + 100 * i64::try_from(n).expect("small")
}

async fn send_json(router: &axum::Router, path: &str, auth: &str, body: Value) -> Reply {
    let request = json_request(Method::POST, path, Some(body), &[("authorization", auth)]);
    let (status, headers, bytes) = call(router.clone(), request).await;
    (status, headers, json_of(&bytes))
}

async fn get_json(router: &axum::Router, path: &str, auth: &str) -> Value {
    let request = json_request(Method::GET, path, None, &[("authorization", auth)]);
    let (status, _, bytes) = call(router.clone(), request).await;
    assert_eq!(status, StatusCode::OK, "GET {path}");
    json_of(&bytes)
}

/// Splits `items` round-robin into `tasks` parts.
fn deal<T>(items: Vec<T>, tasks: usize) -> Vec<Vec<T>> {
    let mut hands: Vec<Vec<T>> = (0..tasks).map(|_| Vec::new()).collect();
    for (index, item) in items.into_iter().enumerate() {
        hands[index % tasks].push(item);
    }
    hands
}

/// Creates every order from four places at once; returns them as created.
async fn create_all(router: &axum::Router, wanted: Vec<Wanted>) -> Vec<Value> {
    let mut tasks = Vec::new();
    for hand in deal(wanted, 4) {
        let router = router.clone();
        tasks.push(tokio::spawn(async move {
            let mut created = Vec::new();
            for item in hand {
                let (status, _, order) =
                    send_json(&router, "/api/v1/orders", &item.auth, item.body).await;
                assert_eq!(status, StatusCode::CREATED, "{order}");
                assert_eq!(order["state"], "pending_payment", "{order}");
                created.push(order);
            }
            created
        }));
    }
    let mut orders = Vec::new();
    for task in tasks {
        orders.extend(task.await.expect("a creating task"));
    }
    orders
}

/// Every payer presses "Pay", four at a time.
async fn pay_all(router: &axum::Router, orders: &[Value]) {
    let payments: Vec<String> = orders
        .iter()
        .map(|order| {
            order["payment"]["id"]
                .as_str()
                .expect("a payment")
                .to_owned()
        })
        .collect();
    let mut tasks = Vec::new();
    for hand in deal(payments, 4) {
        let router = router.clone();
        tasks.push(tokio::spawn(async move {
            for payment in hand {
                let request = Request::post(format!("/sandbox/pay/{payment}"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from("outcome=succeed"))
                    .expect("a request");
                let (status, _, _) = call(router.clone(), request).await;
                assert_eq!(status, StatusCode::SEE_OTHER, "pay {payment}");
            }
        }));
    }
    for task in tasks {
        task.await.expect("a paying task");
    }
}

/// What one delivering task saw.
#[derive(Default)]
struct Delivered {
    /// Answers that were news, not duplicates.
    news: usize,
    /// Answers other than 200, as "status body".
    refused: Vec<String>,
}

/// Posts each notification as the provider would; marks it delivered when we said 200.
async fn deliver_hand(app: App, router: axum::Router, hand: Vec<Outgoing>) -> Delivered {
    let mut delivered = Delivered::default();
    for outgoing in hand {
        let request = Request::post("/api/v1/webhooks/sandbox")
            .header(header::CONTENT_TYPE, "application/json")
            .header(bank::SIGNATURE_HEADER, outgoing.signature.as_str())
            .body(Body::from(outgoing.body.clone()))
            .expect("a request");
        let (status, _, bytes) = call(router.clone(), request).await;
        let answer = json_of(&bytes);
        if status != StatusCode::OK {
            delivered.refused.push(format!("{status} {answer}"));
        } else if answer["duplicate"] == false {
            delivered.news += 1;
        }
        bank::mark_delivered(&app, &outgoing.id, status.is_success())
            .await
            .expect("mark delivered");
    }
    delivered
}

/// Waits for the delivering tasks; returns the news and every refusal.
async fn join_deliveries(tasks: Vec<tokio::task::JoinHandle<Delivered>>) -> Delivered {
    let mut all = Delivered::default();
    for task in tasks {
        let delivered = task.await.expect("a delivering task");
        all.news += delivered.news;
        all.refused.extend(delivered.refused);
    }
    all
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(app.db.reader())
        .await
        .and_then(|row| row.try_get::<i64, _>(0))
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

fn at(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("not a timestamp: {value}"))
}

async fn a_busy_evening(app: &TestApp) {
    let started = Instant::now();
    datacard::demo::seed(app).await.expect("demo seed");
    let demo = app
        .log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    let others = vec![
        app.register("+85261238001", "lee@example.com", PASSWORD)
            .await,
        app.register("+85261238002", "wong@example.com", PASSWORD)
            .await,
    ];
    let wanted = shopping_list(&demo, &others);
    let total = wanted.len();
    assert!(total >= 100);

    let orders = create_all(&app.router, wanted).await;
    pay_all(&app.router, &orders).await;
    let set_up = started.elapsed();

    // The notifications are due, and so is the first status query of every payment.
    app.advance_secs(61);
    let outgoing = bank::due_notifications(app).await.expect("notifications");
    assert_eq!(outgoing.len(), total, "one notification per payment");
    let mut deliveries: Vec<Outgoing> = outgoing.iter().chain(outgoing.iter()).cloned().collect();
    deliveries.shuffle(&mut rand::rngs::StdRng::seed_from_u64(20_261_125));

    let busy = Instant::now();
    let mut webhooks = Vec::new();
    for hand in deal(deliveries, 4) {
        webhooks.push(tokio::spawn(deliver_hand(
            app.app.clone(),
            app.router.clone(),
            hand,
        )));
    }
    let mut workers = Vec::new();
    for worker in ["worker-a", "worker-b"] {
        let app = app.app.clone();
        workers.push(tokio::spawn(async move {
            reconcile::run_due(&app, worker).await.expect("jobs run")
        }));
    }
    let delivered = join_deliveries(webhooks).await;
    let mut jobs_run = 0;
    for task in workers {
        jobs_run += task.await.expect("a worker");
    }
    let busy = busy.elapsed();
    assert_eq!(
        delivered.refused,
        Vec::<String>::new(),
        "every notification is taken"
    );
    assert_eq!(
        delivered.news, total,
        "each notification is news once, a duplicate once"
    );
    assert!(
        jobs_run >= total,
        "one status query per payment was due, {jobs_run} jobs ran"
    );

    // Every order fulfilled, exactly once.
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM orders WHERE state = 'fulfilled'").await,
        i64::try_from(total).expect("small")
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM receipts").await,
        i64::try_from(total).expect("small")
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'order_payment'"
        )
        .await,
        i64::try_from(total).expect("small")
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM payment_events WHERE outcome = 'fulfilled'"
        )
        .await,
        i64::try_from(total).expect("small")
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM payments WHERE state <> 'succeeded'"
        )
        .await,
        0
    );
    let rows = sqlx::query(
        "SELECT o.id, o.kind, o.periods, (SELECT COUNT(*) FROM line_periods p WHERE p.order_id = o.id) AS got \
         FROM orders o",
    )
    .fetch_all(app.db.reader())
    .await
    .expect("orders");
    for row in &rows {
        let id: String = row.try_get("id").expect("id");
        let kind: String = row.try_get("kind").expect("kind");
        let periods: i64 = row.try_get("periods").expect("periods");
        let got: i64 = row.try_get("got").expect("got");
        let expected = if kind == "wallet_topup" { 0 } else { periods };
        assert_eq!(
            got, expected,
            "order {id} ({kind}) has {got} periods, wants {expected}"
        );
    }
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(DISTINCT order_id) FROM esim_inventory WHERE order_id IS NOT NULL"
        )
        .await,
        i64::try_from(2 * NEW_ESIMS_EACH).expect("small")
    );

    // What the subscribers see: the demo line's periods end to end, no overlap.
    let me = get_json(&app.router, "/api/v1/me", &bearer(&demo)).await;
    let line = me["lines"]
        .as_array()
        .and_then(|lines| {
            lines
                .iter()
                .find(|line| line["iccid"] == demo_iccid().as_str())
        })
        .expect("the demo line");
    let bought: usize = (0..RENEWALS).map(|n| 1 + n % 3).sum();
    let queued = line["queued_periods"].as_array().expect("queued periods");
    assert_eq!(queued.len(), bought, "every renewal period is on the line");
    let mut end = at(&line["current_period"]["ends_at"]);
    for period in queued {
        assert_eq!(
            at(&period["starts_at"]),
            end,
            "periods overlap or leave a gap"
        );
        end = at(&period["ends_at"]);
    }
    let top_ups: i64 = (0..TOP_UPS_EACH).map(top_up_amount).sum();
    for token in &others {
        let me = get_json(&app.router, "/api/v1/me", &bearer(token)).await;
        assert_eq!(me["wallet"]["balance"]["amount"], top_ups, "{me}");
        let lines = me["lines"].as_array().expect("lines");
        assert_eq!(lines.len(), NEW_ESIMS_EACH);
        assert!(lines.iter().all(|line| line["status"] == "pending_install"));
        let listed = get_json(&app.router, "/api/v1/orders", &bearer(token)).await;
        let listed = listed.as_array().expect("orders");
        assert_eq!(listed.len(), NEW_ESIMS_EACH + TOP_UPS_EACH);
        assert!(listed.iter().all(|order| order["state"] == "fulfilled"));
    }

    // Nothing that should have run is left over, and nothing failed.
    assert_eq!(reconcile::run_due(app, "worker-c").await.expect("jobs"), 0);
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'payment.reconcile' AND done_at IS NULL"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM jobs WHERE last_error IS NOT NULL AND kind IN ('payment.reconcile', 'order.expire', 'payment.refund')"
        )
        .await,
        0
    );
    app.advance(Duration::minutes(31));
    reconcile::run_due(app, "worker-a").await.expect("jobs");
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND kind IN ('payment.reconcile', 'order.expire', 'payment.refund')"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM orders WHERE state = 'fulfilled'").await,
        i64::try_from(total).expect("small"),
        "expiry leaves fulfilled orders alone"
    );
    eprintln!(
        "{:?}: {total} orders; set-up {set_up:?}, notifications and jobs {busy:?}, in all {:?}",
        app.backend,
        started.elapsed()
    );
}

busy_story!(a_hundred_orders_settle_exactly_once, a_busy_evening);

/// Another payment attempt for an order, opened at the provider like the first.
async fn second_attempt(app: &App, order: &Value) -> String {
    use datacard::demo::sandbox::SandboxProvider;
    use datacard::money::{Currency, Money};
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
    store::insert(&mut tx, &payment, now)
        .await
        .expect("insert payment");
    tx.commit().await.expect("commit");
    let created = SandboxProvider::new(app)
        .create(&CreateRequest {
            payment_id: payment.id.clone(),
            amount: payment.amount,
            method: payment.method,
            description: "second attempt".into(),
            return_url: format!("https://datacard.test/orders/{order_id}"),
            expires_at: now + chrono::Duration::minutes(30),
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
    payment.id
}

/// Payers who paid twice: the second payments arrive while the refunds of others
/// are being made. Every second payment goes back, no order is touched twice.
async fn second_payments_and_refunds_at_once(app: &TestApp) {
    const ORDERS: usize = 40;
    let started = Instant::now();
    datacard::demo::seed(app).await.expect("demo seed");
    let demo = app
        .log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    let wanted = (0..ORDERS)
        .map(|n| Wanted {
            auth: bearer(&demo),
            body: json!({ "kind": "renewal", "iccid": demo_iccid(), "plan_code": "HK-7D-5G",
                          "periods": 1, "payment_method": METHODS[n % 3] }),
        })
        .collect();
    let orders = create_all(&app.router, wanted).await;
    pay_all(&app.router, &orders).await;
    app.advance_secs(1);
    let first = bank::due_notifications(app).await.expect("notifications");
    assert_eq!(first.len(), ORDERS);
    let delivered = deliver_hand(app.app.clone(), app.router.clone(), first).await;
    assert_eq!((delivered.news, delivered.refused), (ORDERS, Vec::new()));

    let mut seconds = Vec::new();
    for order in &orders {
        seconds.push(second_attempt(app, order).await);
    }
    app.advance_secs(1);
    let outgoing = bank::due_notifications(app).await.expect("notifications");
    assert_eq!(outgoing.len(), ORDERS);

    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut webhooks = Vec::new();
    for hand in deal(outgoing, 4) {
        webhooks.push(tokio::spawn(deliver_hand(
            app.app.clone(),
            app.router.clone(),
            hand,
        )));
    }
    let mut workers = Vec::new();
    for worker in ["worker-a", "worker-b"] {
        let app = app.app.clone();
        let done = done.clone();
        workers.push(tokio::spawn(async move {
            let mut ran = 0;
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                ran += reconcile::run_due(&app, worker).await.expect("jobs run");
                if finished {
                    return ran;
                }
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
        }));
    }
    let delivered = join_deliveries(webhooks).await;
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut refunds = 0;
    for task in workers {
        refunds += task.await.expect("a worker");
    }
    assert_eq!(
        delivered.refused,
        Vec::<String>::new(),
        "every notification is taken"
    );
    assert_eq!(delivered.news, ORDERS);
    let failed = sqlx::query("SELECT last_error FROM jobs WHERE last_error IS NOT NULL AND kind IN ('payment.reconcile', 'order.expire', 'payment.refund')")
        .fetch_all(app.db.reader())
        .await
        .expect("jobs")
        .iter()
        .map(|row| row.try_get::<String, _>(0).expect("an error"))
        .collect::<Vec<_>>();
    assert_eq!(failed, Vec::<String>::new(), "no job failed");
    assert!(
        refunds >= ORDERS,
        "one refund job per second payment, {refunds} jobs ran"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'payment.refund' AND done_at IS NOT NULL"
        )
        .await,
        i64::try_from(ORDERS).expect("small")
    );

    for payment in &seconds {
        let state = datacard::payments::store::find(app, payment)
            .await
            .expect("payment")
            .expect("exists")
            .state;
        assert_eq!(
            state,
            datacard::payments::PaymentState::Refunded,
            "{payment}"
        );
    }
    let orders_total = i64::try_from(ORDERS).expect("small");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM orders WHERE state = 'fulfilled'").await,
        orders_total
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM receipts").await,
        orders_total
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM line_periods WHERE order_id IS NOT NULL"
        )
        .await,
        orders_total
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'refund'"
        )
        .await,
        orders_total
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM jobs WHERE last_error IS NOT NULL AND kind IN ('payment.reconcile', 'order.expire', 'payment.refund')"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(app, "SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM ledger_accounts WHERE code = 'liability:refunds_due:HKD'").await,
        0,
        "every refund owed was made"
    );
    eprintln!(
        "{:?}: {ORDERS} second payments refunded in {:?}",
        app.backend,
        started.elapsed()
    );
}

busy_story!(
    second_payments_are_refunded_while_others_arrive,
    second_payments_and_refunds_at_once
);
