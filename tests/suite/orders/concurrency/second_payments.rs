//! Payers who paid twice: the second payments are refunded while others arrive.

use super::helpers::*;

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
