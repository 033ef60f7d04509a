//! A hundred-odd orders, every notification delivered twice, shuffled, from four
//! places at once while two workers reconcile: each order fulfilled exactly once.

use super::helpers::*;

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
