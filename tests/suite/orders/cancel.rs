//! Cancelling an order that waits for its payment (`POST /api/v1/orders/{id}/cancel`):
//! the payment is closed at the provider, money that arrives after all is refunded,
//! never fulfilled; someone else's order, a paid one and a second cancel are refused.

use super::helpers::*;

async fn cancel(demo: &Shopper<'_>, order_id: &str) -> Reply {
    demo.post(&format!("/api/v1/orders/{order_id}/cancel"), json!({}))
        .await
}

story!(
    a_pending_order_is_cancelled_and_cannot_be_paid_after,
    |app| {
        let demo = Shopper::demo(&app).await;
        let order = demo.order(renewal(PLAN, 1, "card")).await;
        let order_id = id_of(&order);
        let payment_id = payment_of(&order);

        let (status, _, cancelled) = cancel(&demo, &order_id).await;
        assert_eq!(status, StatusCode::OK, "{cancelled}");
        assert_eq!(cancelled["state"], "cancelled", "{cancelled}");
        assert_eq!(cancelled["payment"]["state"], "cancelled");
        let at_bank = bank::find(&app, &payment_id)
            .await
            .expect("bank")
            .expect("payment");
        assert_eq!(
            at_bank.status,
            bank::BankStatus::Closed,
            "closed at the provider"
        );
        let (status, _, _) = press(&app, &payment_id, "succeed").await;
        assert_eq!(status, StatusCode::CONFLICT, "no paying a cancelled order");

        // Twice: refused, nothing changes.
        let again = cancel(&demo, &order_id).await;
        assert_error(&again, StatusCode::CONFLICT, "order_not_cancellable");
        assert_eq!(demo.state_of(&order_id).await, "cancelled");

        // Expiry later leaves it cancelled.
        app.advance(Duration::minutes(31));
        run_jobs(&app, "worker-a").await;
        assert_eq!(demo.state_of(&order_id).await, "cancelled");
        assert_eq!(periods_of(&app, &order_id).await, 0);
    }
);

story!(
    money_that_arrives_after_a_cancel_is_refunded_not_fulfilled,
    |app| {
        let demo = Shopper::demo(&app).await;
        let order = demo.order(renewal(PLAN, 1, "card")).await;
        let order_id = id_of(&order);
        let payment_id = payment_of(&order);
        let (status, _, cancelled) = cancel(&demo, &order_id).await;
        assert_eq!(status, StatusCode::OK, "{cancelled}");

        // The payer's payment crossed our close at the provider, which took the money.
        let (status, _, answer) =
            money_after_the_close(&app, &payment_id, "evt_after_cancel").await;
        assert_eq!(status, StatusCode::OK, "{answer}");

        let order = demo.show(&order_id).await;
        assert_eq!(order["state"], "cancelled", "not fulfilled: {order}");
        assert_eq!(order["fulfilled_at"], Value::Null);
        assert!(attention(&app, &order_id).await.contains("order_cancelled"));
        assert_eq!(periods_of(&app, &order_id).await, 0);
        assert_eq!(receipts_of(&app, &order_id).await, 0);
        assert_eq!(
            payment_state(&app, &payment_id).await,
            PaymentState::RefundPending
        );
        run_jobs(&app, "worker-a").await;
        assert_eq!(
            payment_state(&app, &payment_id).await,
            PaymentState::Refunded,
            "the money went back"
        );
        assert_eq!(demo.line(&demo_iccid()).await["queued_periods"], json!([]));
    }
);

story!(only_ones_own_unpaid_order_is_cancelled, |app| {
    let demo = Shopper::demo(&app).await;
    let other = Shopper::registered(&app, "+85291110000", "other@example.hk").await;
    let order = demo.order(renewal(PLAN, 1, "card")).await;
    let order_id = id_of(&order);

    let foreign = cancel(&other, &order_id).await;
    assert_error(&foreign, StatusCode::NOT_FOUND, "order_not_found");
    assert_eq!(demo.state_of(&order_id).await, "pending_payment");

    let (status, _, _) = app
        .post_json(&format!("/api/v1/orders/{order_id}/cancel"), json!({}), &[])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    pay(&app, &order).await;
    deliver_notifications(&app).await;
    assert_eq!(demo.state_of(&order_id).await, "fulfilled");
    let paid = cancel(&demo, &order_id).await;
    assert_error(&paid, StatusCode::CONFLICT, "order_not_cancellable");
    assert_eq!(demo.state_of(&order_id).await, "fulfilled");
    assert_eq!(periods_of(&app, &order_id).await, 1);

    let wallet = demo.order(top_up(2000, "card")).await;
    let unknown = cancel(&demo, "ord_nope").await;
    assert_error(&unknown, StatusCode::NOT_FOUND, "order_not_found");
    assert_eq!(demo.state_of(&id_of(&wallet)).await, "pending_payment");
});
