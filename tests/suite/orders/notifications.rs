//! A renewal paid by card, end to end, and its notifications lost, repeated,
//! reordered, forged or wrong: fulfilled once, or not at all.

use super::helpers::*;

// ----- 1. a renewal by card, end to end ----------------------------------------------

story!(a_renewal_paid_by_card_is_fulfilled_once, |app| {
    let demo = Shopper::demo(&app).await;
    let before = demo.line(&demo_iccid()).await;
    let current_end = at(&before["current_period"]["ends_at"]);
    assert_eq!(before["queued_periods"], json!([]));

    let quote = demo.quote(renewal(PLAN, 2, "card")).await;
    let list_price = 2 * PLAN_PRICE;
    let fee = card_fee(list_price);
    assert_eq!(fee, 440);
    let breakdown = json!({ "list_price": hkd(list_price), "discounts": [],
                            "fee": hkd(fee), "total": hkd(list_price + fee) });
    assert_eq!(quote["breakdown"], breakdown, "{quote}");
    assert_eq!(quote["periods"], 2);
    assert_eq!(
        app.count_rows("orders").await,
        0,
        "a quote has no side effects"
    );

    // The percentage fee rounds half up to the cent: 2.5 % of HK$10.20 is 25.5 cents.
    for (amount, expected_fee) in [(1_020, 26), (1_019, 25), (1_000, 25)] {
        let quote = demo.quote(top_up(amount, "card")).await;
        assert_eq!(card_fee(amount), expected_fee);
        assert_eq!(quote["breakdown"]["fee"], hkd(expected_fee), "{quote}");
        assert_eq!(quote["breakdown"]["total"], hkd(amount + expected_fee));
    }

    let order = demo.order(renewal(PLAN, 2, "card")).await;
    let order_id = id_of(&order);
    assert!(order_id.starts_with("ord_"), "{order}");
    assert_eq!(order["state"], "pending_payment");
    assert_eq!(order["kind"], "renewal");
    assert_eq!(order["iccid"], demo_iccid());
    assert_eq!(order["plan_code"], PLAN);
    assert_eq!(order["periods"], 2);
    assert_eq!(order["breakdown"], breakdown);
    assert_eq!(order["paid_at"], Value::Null);
    assert_eq!(order["fulfilled_at"], Value::Null);
    let payment_id = payment_of(&order);
    assert!(payment_id.starts_with("pay_"), "{order}");
    assert_eq!(order["payment"]["provider"], "sandbox");
    assert_eq!(order["payment"]["method"], "card");
    assert_eq!(order["payment"]["state"], "pending");
    assert_eq!(
        order["payment"]["next_action"],
        json!({ "type": "redirect", "url": format!("https://datacard.test/sandbox/pay/{payment_id}") })
    );

    // The provider's page shows what is to be paid.
    let (status, _, page) = app
        .get_json(&format!("/sandbox/pay/{payment_id}"), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.as_str().is_some_and(|html| html.contains("HK$180.40")),
        "{page}"
    );

    pay(&app, &order).await;
    assert_eq!(
        demo.state_of(&order_id).await,
        "pending_payment",
        "nothing is fulfilled before the provider's word arrives"
    );
    let answers = deliver_notifications(&app).await;
    assert_eq!(
        answers,
        vec![json!({ "received": true, "duplicate": false })]
    );

    let paid = demo.show(&order_id).await;
    assert_eq!(paid["state"], "fulfilled", "{paid}");
    assert_eq!(paid["payment"]["state"], "succeeded");
    assert_eq!(at(&paid["paid_at"]), app.now());
    assert_eq!(at(&paid["fulfilled_at"]), app.now());
    assert_eq!(receipts_of(&app, &order_id).await, 1);
    assert_eq!(sales_of(&app, &order_id).await, 1);
    assert_eq!(periods_of(&app, &order_id).await, 2);

    let line = demo.line(&demo_iccid()).await;
    assert_eq!(
        line["current_period"], before["current_period"],
        "the running period is untouched"
    );
    let queued = line["queued_periods"].as_array().expect("queued periods");
    assert_eq!(queued.len(), 2, "{line}");
    let mut start = current_end;
    for period in queued {
        assert_eq!(period["plan_code"], PLAN);
        assert_eq!(
            at(&period["starts_at"]),
            start,
            "queued after the current period"
        );
        assert_eq!(at(&period["ends_at"]), start + Duration::days(PLAN_DAYS));
        assert_eq!(period["data_allowance"], TWENTY_GB);
        assert_eq!(period["data_used"], 0);
        assert_eq!(period["data_remaining"], TWENTY_GB);
        start = at(&period["ends_at"]);
    }

    // A later order, by Alipay (a QR code), comes first in the list.
    app.advance_secs(60);
    let second = demo.order(renewal("HK-7D-5G", 1, "alipay")).await;
    assert_eq!(second["payment"]["next_action"]["type"], "qr", "{second}");
    assert_eq!(second["breakdown"]["fee"], hkd(72), "1.5 % of HK$48.00");
    let listed: Vec<Value> = demo
        .orders()
        .await
        .iter()
        .map(|o| o["id"].clone())
        .collect();
    assert_eq!(listed, vec![second["id"].clone(), json!(order_id)]);
});

// ----- 2. lost notifications -----------------------------------------------------------

story_with!(
    a_lost_notification_is_repaired_by_reconciliation,
    |backend| TestApp::start_with(backend, |config| {
        config.payments.sandbox.lose_notifications = true;
    }),
    |app| {
        let demo = Shopper::demo(&app).await;
        let order = demo.order(renewal(PLAN, 1, "card")).await;
        let order_id = id_of(&order);
        pay(&app, &order).await;
        app.advance_secs(5);
        assert!(due(&app).await.is_empty(), "the notification is lost");
        assert_eq!(
            run_jobs(&app, "worker-a").await,
            0,
            "the first status query is not due yet"
        );
        assert_eq!(demo.state_of(&order_id).await, "pending_payment");

        // A minute after the payment was created, reconciliation asks the provider.
        app.advance_secs(56);
        assert!(run_jobs(&app, "worker-a").await >= 1);
        let order = demo.show(&order_id).await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        assert_eq!(order["payment"]["state"], "succeeded");
        assert_eq!(periods_of(&app, &order_id).await, 1);
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM payment_events WHERE payment_id = $1 AND source = 'query' AND outcome = 'fulfilled'", &payment_of(&order)).await,
            1
        );

        // "Refresh" on the order page asks at once.
        let second = demo.order(renewal(PLAN, 1, "card")).await;
        let second_id = id_of(&second);
        pay(&app, &second).await;
        assert_eq!(demo.state_of(&second_id).await, "pending_payment");
        let refreshed = demo.refresh(&second_id).await;
        assert_eq!(refreshed["state"], "fulfilled", "{refreshed}");
        assert_eq!(refreshed["payment"]["state"], "succeeded");
        let again = demo.refresh(&second_id).await;
        assert_eq!(again["state"], "fulfilled");
        assert_eq!(
            periods_of(&app, &second_id).await,
            1,
            "refreshing twice fulfils once"
        );
        assert_eq!(receipts_of(&app, &second_id).await, 1);

        let line = demo.line(&demo_iccid()).await;
        assert_eq!(line["queued_periods"].as_array().map(Vec::len), Some(2));
        assert_end_to_end(&line);

        // The remaining status queries and the expiries find nothing left to do.
        app.advance(Duration::minutes(31));
        run_jobs(&app, "worker-a").await;
        assert_eq!(
            datacard::jobs::pending(&app, RECONCILE_JOB)
                .await
                .expect("jobs"),
            0
        );
        assert_eq!(
            datacard::jobs::pending(&app, EXPIRE_JOB)
                .await
                .expect("jobs"),
            0
        );
        for id in [&order_id, &second_id] {
            assert_eq!(demo.state_of(id).await, "fulfilled");
            assert_eq!(periods_of(&app, id).await, 1);
        }
    }
);

// ----- 3. repeated and reordered notifications -----------------------------------------

story_with!(
    repeated_and_reordered_notifications_fulfil_once,
    |backend| TestApp::start_with(backend, |config| {
        config.payments.sandbox.notify_copies = 3;
        config.payments.sandbox.reorder_notifications = true;
    }),
    |app| {
        let demo = Shopper::demo(&app).await;
        let first = demo.order(renewal(PLAN, 2, "card")).await;
        let second = demo.order(renewal("HK-7D-5G", 1, "wechat_pay")).await;
        pay(&app, &first).await;
        pay(&app, &second).await;

        // The provider's synchronous answer, replayed: already seen.
        let first_payment = payment_of(&first);
        let total = Money::new(PLAN_PRICE * 2 + card_fee(PLAN_PRICE * 2), Currency::HKD);
        let pending = Observation {
            status: ProviderStatus::Pending,
            amount: Some(total),
            raw: "{}".into(),
        };
        let replay = datacard::orders::apply(
            &app,
            &first_payment,
            "sync",
            &format!("sync:{first_payment}"),
            &pending,
        )
        .await
        .expect("apply");
        assert_eq!(replay, Applied::Duplicate);

        app.advance_secs(2);
        let mut outgoing = due(&app).await;
        assert_eq!(outgoing.len(), 6, "three copies of each notification");
        outgoing.reverse();
        let (mut fresh, mut repeats) = (0, 0);
        for notification in &outgoing {
            for _ in 0..3 {
                let (status, _, body) = deliver(&app, notification).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                assert_eq!(body["received"], true);
                match body["duplicate"].as_bool() {
                    Some(false) => fresh += 1,
                    Some(true) => repeats += 1,
                    None => panic!("no duplicate flag in {body}"),
                }
            }
        }
        assert_eq!((fresh, repeats), (2, 16), "one new event per payment");

        // A late "pending" answer, after the success: the payment does not go back.
        let late = datacard::orders::apply(&app, &first_payment, "sync", "sync:late", &pending)
            .await
            .expect("apply");
        assert_eq!(late, Applied::NoChange);

        for (order, periods) in [(&first, 2), (&second, 1)] {
            let id = id_of(order);
            let shown = demo.show(&id).await;
            assert_eq!(shown["state"], "fulfilled", "{shown}");
            assert_eq!(shown["payment"]["state"], "succeeded");
            assert_eq!(periods_of(&app, &id).await, periods);
            assert_eq!(receipts_of(&app, &id).await, 1);
            assert_eq!(sales_of(&app, &id).await, 1);
            assert_eq!(
                count(&app, "SELECT COUNT(*) FROM payment_events WHERE payment_id = $1 AND source = 'notification'", &payment_of(order)).await,
                1,
                "repeats are not stored twice"
            );
        }
        let line = demo.line(&demo_iccid()).await;
        assert_eq!(
            line["queued_periods"].as_array().map(Vec::len),
            Some(3),
            "{line}"
        );
        assert_end_to_end(&line);
    }
);

// ----- 4. forged and wrong notifications -------------------------------------------------

story!(bad_notifications_change_nothing, |app| {
    let demo = Shopper::demo(&app).await;
    let order = demo.order(renewal(PLAN, 1, "card")).await;
    let order_id = id_of(&order);
    let payment_id = payment_of(&order);
    let total = PLAN_PRICE + card_fee(PLAN_PRICE);
    pay(&app, &order).await;
    app.advance_secs(1);
    let genuine = due(&app).await.pop().expect("the success notification");
    let events_before = app.count_rows("payment_events").await;
    let now = app.now().timestamp();

    let refused = [
        ("no signature", None),
        ("garbage", Some(format!("t={now},v1=00ff"))),
        (
            "another key",
            Some(bank::sign(b"not-the-secret", now, &genuine.body)),
        ),
        (
            "ten minutes old",
            Some(bank::sign(&secret(&app), now - 600, &genuine.body)),
        ),
        (
            "ten minutes early",
            Some(bank::sign(&secret(&app), now + 600, &genuine.body)),
        ),
    ];
    for (what, signature) in refused {
        let reply = post_webhook(&app, &genuine.body, signature.as_deref()).await;
        assert_eq!(reply.0, StatusCode::BAD_REQUEST, "{what}: {}", reply.2);
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_signature");
    }
    // The genuine signature over a changed body.
    let tampered_body = genuine
        .body
        .replace(&format!("\"amount\":{total}"), "\"amount\":1");
    assert_ne!(tampered_body, genuine.body);
    let reply = post_webhook(&app, &tampered_body, Some(&genuine.signature)).await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_signature");
    assert_eq!(
        app.count_rows("payment_events").await,
        events_before,
        "nothing stored"
    );
    assert_eq!(demo.state_of(&order_id).await, "pending_payment");
    assert_eq!(attention(&app, &order_id).await, "");

    // Correctly signed, but for another amount: refused, kept, flagged.
    let (body, signature) = provider_event(&app, "evt_wrong_amount", &payment_id, "succeeded", 1);
    let reply = post_webhook(&app, &body, Some(&signature)).await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "amount_mismatch");
    let shown = demo.show(&order_id).await;
    assert_eq!(shown["state"], "pending_payment", "{shown}");
    assert_eq!(shown["payment"]["state"], "pending");
    assert_eq!(attention(&app, &order_id).await, "amount_mismatch");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM payment_events WHERE provider_event_id = $1 AND outcome = 'amount_mismatch'", "evt_wrong_amount").await,
        1
    );
    assert_eq!(periods_of(&app, &order_id).await, 0);

    // Correctly signed, about a payment we never made: refused, kept for the operator.
    let (body, signature) = provider_event(
        &app,
        "evt_stranger",
        "pay_NOSUCHPAYMENT",
        "succeeded",
        total,
    );
    let reply = post_webhook(&app, &body, Some(&signature)).await;
    assert_error(&reply, StatusCode::NOT_FOUND, "payment_not_found");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM payment_events WHERE provider_event_id = $1 AND payment_id IS NULL AND outcome = 'unknown_payment'", "evt_stranger").await,
        1
    );
    // Sent again: still refused, kept once.
    let reply = post_webhook(&app, &body, Some(&signature)).await;
    assert_error(&reply, StatusCode::NOT_FOUND, "payment_not_found");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM payment_events WHERE provider_event_id = $1",
            "evt_stranger"
        )
        .await,
        1
    );
    assert_eq!(demo.state_of(&order_id).await, "pending_payment");

    // The real notification still counts.
    let (status, _, body) = deliver(&app, &genuine).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(demo.state_of(&order_id).await, "fulfilled");
    assert_eq!(periods_of(&app, &order_id).await, 1);
    assert_eq!(demo.balance().await, DEMO_BALANCE);
});
