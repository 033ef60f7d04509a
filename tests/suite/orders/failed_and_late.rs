//! Declined and expired payments, money that arrives late, and a second payment for
//! an order that is already paid (refunded).

use super::helpers::*;

// ----- 5. declined, expired, and late money ------------------------------------------------

story!(a_declined_payment_fails_the_order, |app| {
    let demo = Shopper::demo(&app).await;
    let order = demo.order(renewal(PLAN, 1, "card")).await;
    let order_id = id_of(&order);
    let (status, _, _) = press(&app, &payment_of(&order), "fail").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    deliver_notifications(&app).await;

    let failed = demo.show(&order_id).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(failed["payment"]["state"], "failed");
    assert_eq!(failed["fulfilled_at"], Value::Null);
    let (status, _, _) = press(&app, &payment_of(&order), "succeed").await;
    assert_eq!(status, StatusCode::CONFLICT, "a declined payment is over");

    app.advance(Duration::minutes(31));
    run_jobs(&app, "worker-a").await;
    assert_eq!(
        demo.state_of(&order_id).await,
        "failed",
        "expiry leaves it failed"
    );
    assert_eq!(periods_of(&app, &order_id).await, 0);
    assert_eq!(receipts_of(&app, &order_id).await, 0);
    assert_eq!(demo.line(&demo_iccid()).await["queued_periods"], json!([]));
});

story!(an_unpaid_order_expires_and_closes_the_payment, |app| {
    let demo = Shopper::demo(&app).await;
    let order = demo.order(renewal(PLAN, 1, "card")).await;
    let order_id = id_of(&order);
    let payment_id = payment_of(&order);
    assert_eq!(at(&order["expires_at"]), app.now() + Duration::minutes(30));

    app.advance(Duration::minutes(29));
    run_jobs(&app, "worker-a").await;
    assert_eq!(demo.state_of(&order_id).await, "pending_payment");

    app.advance(Duration::minutes(2));
    run_jobs(&app, "worker-a").await;
    let expired = demo.show(&order_id).await;
    assert_eq!(expired["state"], "expired", "{expired}");
    assert_eq!(expired["payment"]["state"], "cancelled");
    let at_bank = bank::find(&app, &payment_id)
        .await
        .expect("bank")
        .expect("payment");
    assert_eq!(at_bank.status, bank::BankStatus::Closed);
    let (status, _, _) = press(&app, &payment_id, "succeed").await;
    assert_eq!(status, StatusCode::CONFLICT, "too late to pay");

    // The provider's "closed" notification changes nothing more.
    let answers = deliver_notifications(&app).await;
    assert_eq!(answers.len(), 1);
    assert_eq!(demo.state_of(&order_id).await, "expired");
    assert_eq!(demo.refresh(&order_id).await["state"], "expired");
    assert_eq!(periods_of(&app, &order_id).await, 0);
    assert_eq!(receipts_of(&app, &order_id).await, 0);
});

story!(a_qr_payment_expires_after_fifteen_minutes, |app| {
    let demo = Shopper::demo(&app).await;
    let order = demo.order(renewal(PLAN, 1, "alipay")).await;
    let order_id = id_of(&order);
    assert_eq!(order["payment"]["next_action"]["type"], "qr", "{order}");
    assert_eq!(at(&order["expires_at"]), app.now() + Duration::minutes(15));

    app.advance(Duration::minutes(14));
    run_jobs(&app, "worker-a").await;
    assert_eq!(demo.state_of(&order_id).await, "pending_payment");
    app.advance(Duration::minutes(2));
    run_jobs(&app, "worker-a").await;
    let expired = demo.show(&order_id).await;
    assert_eq!(expired["state"], "expired", "{expired}");
    assert_eq!(expired["payment"]["state"], "cancelled");
    assert_eq!(periods_of(&app, &order_id).await, 0);
});

story!(expiry_finds_a_payment_made_just_before, |app| {
    let demo = Shopper::demo(&app).await;
    let order = demo.order(renewal(PLAN, 1, "card")).await;
    let order_id = id_of(&order);
    // The early status queries find nothing; the next one is an hour after creation.
    app.advance(Duration::minutes(16));
    run_jobs(&app, "worker-a").await;
    assert_eq!(demo.state_of(&order_id).await, "pending_payment");

    pay(&app, &order).await; // …and the notification never comes.
    app.advance(Duration::minutes(15));
    run_jobs(&app, "worker-a").await;
    let order = demo.show(&order_id).await;
    assert_eq!(
        order["state"], "fulfilled",
        "closing first, then asking, finds the money: {order}"
    );
    assert_eq!(order["payment"]["state"], "succeeded");
    assert_eq!(periods_of(&app, &order_id).await, 1);
    assert_eq!(receipts_of(&app, &order_id).await, 1);
});

story!(
    money_that_arrives_after_expiry_still_fulfils_and_is_flagged,
    |app| {
        let demo = Shopper::demo(&app).await;
        let order = demo.order(renewal(PLAN, 1, "card")).await;
        let order_id = id_of(&order);
        let payment_id = payment_of(&order);
        app.advance(Duration::minutes(31));
        run_jobs(&app, "worker-a").await;
        assert_eq!(demo.state_of(&order_id).await, "expired");

        // The payer's payment crossed our close at the provider, which took the money.
        let (status, _, answer) = money_after_the_close(&app, &payment_id, "evt_late_money").await;
        assert_eq!(status, StatusCode::OK, "{answer}");

        let order = demo.show(&order_id).await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        assert_eq!(order["payment"]["state"], "succeeded");
        assert!(attention(&app, &order_id).await.contains("late_success"));
        assert_eq!(periods_of(&app, &order_id).await, 1);
        assert_eq!(receipts_of(&app, &order_id).await, 1);
        assert_end_to_end(&demo.line(&demo_iccid()).await);
    }
);

// ----- 6. a second payment for the same order --------------------------------------------

/// Another payment attempt for an order, opened at the provider like the first.
async fn second_attempt(app: &TestApp, order: &Value) -> String {
    use datacard::payments::store::{self, Payment};
    let now = app.now();
    let payment = Payment {
        id: datacard::ids::new_id("pay", now),
        order_id: id_of(order),
        provider: "sandbox".into(),
        method: datacard::payments::Method::Card,
        amount: Money::new(
            order["breakdown"]["total"]["amount"]
                .as_i64()
                .expect("a total"),
            Currency::HKD,
        ),
        state: PaymentState::Pending,
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
            description: PLAN.into(),
            return_url: format!("https://datacard.test/orders/{}", payment.order_id),
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
    payment.id
}

story!(a_second_payment_for_a_fulfilled_order_is_refunded, |app| {
    let demo = Shopper::demo(&app).await;
    let order = demo.order(renewal(PLAN, 1, "card")).await;
    let order_id = id_of(&order);
    let total = PLAN_PRICE + card_fee(PLAN_PRICE);
    pay(&app, &order).await;
    deliver_notifications(&app).await;
    assert_eq!(demo.state_of(&order_id).await, "fulfilled");

    app.advance_secs(10);
    let second = second_attempt(&app, &order).await;
    assert!(bank::pay(&app, &second, true).await.expect("pay"));
    let answers = deliver_notifications(&app).await;
    assert_eq!(
        answers,
        vec![json!({ "received": true, "duplicate": false })]
    );

    let shown = demo.show(&order_id).await;
    assert_eq!(shown["state"], "fulfilled", "{shown}");
    assert_eq!(
        shown["payment"]["id"],
        second.as_str(),
        "the newest attempt is shown"
    );
    assert_eq!(shown["payment"]["state"], "refund_pending");
    assert!(
        attention(&app, &order_id)
            .await
            .contains("duplicate_payment")
    );
    assert_eq!(
        house_balance(&app, "liability:refunds_due:HKD").await,
        -total
    );

    assert!(
        run_jobs(&app, "worker-a").await >= 1,
        "the refund runs at once"
    );
    assert_eq!(payment_state(&app, &second).await, PaymentState::Refunded);
    let at_bank = bank::find(&app, &second)
        .await
        .expect("bank")
        .expect("payment");
    assert_eq!(at_bank.status, bank::BankStatus::Refunded);
    // The provider's "refunded" notification changes nothing more.
    deliver_notifications(&app).await;
    assert_eq!(payment_state(&app, &second).await, PaymentState::Refunded);

    let shown = demo.show(&order_id).await;
    assert_eq!(
        shown["state"], "fulfilled",
        "the first payment's sale stands"
    );
    assert_eq!(shown["payment"]["state"], "refunded");
    assert_eq!(periods_of(&app, &order_id).await, 1);
    assert_eq!(receipts_of(&app, &order_id).await, 1);
    assert_eq!(sales_of(&app, &order_id).await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM ledger_transactions WHERE reference = $1",
            &format!("payment:{second}:refund")
        )
        .await,
        1
    );
    assert_eq!(house_balance(&app, "liability:refunds_due:HKD").await, 0);
    // What the provider holds for us: the first payment, less its fee.
    assert_eq!(
        house_balance(&app, "asset:clearing:sandbox:HKD").await,
        PLAN_PRICE
    );
});
