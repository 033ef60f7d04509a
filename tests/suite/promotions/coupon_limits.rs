//! A coupon with a limit of one cannot be used twice, not even by orders placed at
//! the same instant.

use super::helpers::*;

// ----- a coupon with a limit of one --------------------------------------------------------

story!(a_coupon_with_a_limit_of_one_cannot_be_used_twice, |app| {
    seed(&app).await;
    let wong = Shopper::new(&app, 3).await;
    let order = wong
        .order(with_coupon(new_esim(PLAIN, 1, "card"), "welcome10"))
        .await;
    let discount = 880;
    assert_eq!(
        order["breakdown"]["discounts"],
        json!([{ "promotion": "WELCOME10", "name": "Welcome: 10 % off",
                 "reason": "Coupon WELCOME10: 10 % off", "amount": hkd(discount), "free_periods": 0 }])
    );
    assert_eq!(redeemed(&app, "WELCOME10").await, 1);
    // Not shown any more to Wong, who has used it.
    let plans = wong.get("/api/v1/plans").await;
    assert!(offers(&plans, PLAIN).is_empty());

    let orders = app.count_rows("orders").await;
    let again = wong
        .post(
            "/api/v1/orders",
            with_coupon(new_esim(MONTHLY, 1, "card"), "WELCOME10"),
            "en",
        )
        .await;
    assert_error(&again, StatusCode::CONFLICT, "coupon_already_used");
    assert_eq!(app.count_rows("orders").await, orders, "nothing changed");
    assert_eq!(redeemed(&app, "WELCOME10").await, 1);

    // An order left unpaid gives its use back when it expires.
    app.advance(Duration::minutes(31));
    reconcile::run_due(&app, "worker").await.expect("jobs");
    assert_eq!(wong.show(&id_of(&order)).await["state"], "expired");
    let quote = wong
        .quote(with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10"))
        .await;
    assert_eq!(quote["breakdown"]["discounts"][0]["amount"], hkd(discount));
    let order = wong
        .order(with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10"))
        .await;
    assert_eq!(
        redeemed(&app, "WELCOME10").await,
        1,
        "released, then taken again"
    );
    app.pay_at_sandbox(&order).await;
    assert_eq!(wong.show(&id_of(&order)).await["state"], "fulfilled");
    let again = wong
        .post(
            "/api/v1/quotes",
            with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10"),
            "en",
        )
        .await;
    assert_error(&again, StatusCode::CONFLICT, "coupon_already_used");
});

concurrent_story!(
    a_coupon_with_a_limit_of_one_is_not_used_twice_even_at_once,
    |app| {
        seed_with_test_coupons(&app).await;
        // Six subscribers, one ONLYONE coupon between them, all at the same instant.
        let mut shoppers = Vec::new();
        for n in 0..6 {
            shoppers.push(Shopper::new(&app, 10 + n).await.auth);
        }
        let attempts = shoppers.iter().map(|auth| {
            let request = json_request(
                Method::POST,
                "/api/v1/orders",
                Some(with_coupon(new_esim(PLAIN, 1, "card"), "ONLYONE")),
                &[("authorization", auth)],
            );
            tokio::spawn(call(app.router.clone(), request))
        });
        let answers = futures_join(attempts.collect()).await;
        let won: Vec<_> = answers
            .iter()
            .filter(|(status, _)| *status == StatusCode::CREATED)
            .collect();
        assert_eq!(
            won.len(),
            1,
            "exactly one order gets the coupon: {answers:?}"
        );
        for (status, body) in &answers {
            if *status != StatusCode::CREATED {
                assert_eq!(
                    (*status, error_code(body)),
                    (StatusCode::CONFLICT, "coupon_exhausted")
                );
            }
        }
        assert_eq!(redeemed(&app, "ONLYONE").await, 1);
        let held = "SELECT COUNT(*) FROM promotion_redemptions WHERE coupon_code = $1";
        assert_eq!(scalar(&app, held, "ONLYONE").await, 1);
        assert_eq!(app.count_rows("orders").await, 1);

        // One subscriber, WELCOME10 (one per account) in four orders at once.
        let auth = &shoppers[0];
        let attempts = (0..4).map(|_| {
            let request = json_request(
                Method::POST,
                "/api/v1/orders",
                Some(with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10")),
                &[("authorization", auth)],
            );
            tokio::spawn(call(app.router.clone(), request))
        });
        let answers = futures_join(attempts.collect()).await;
        let won = answers
            .iter()
            .filter(|(status, _)| *status == StatusCode::CREATED)
            .count();
        assert_eq!(won, 1, "one use per account: {answers:?}");
        for (status, body) in &answers {
            if *status != StatusCode::CREATED {
                assert_eq!(
                    (*status, error_code(body)),
                    (StatusCode::CONFLICT, "coupon_already_used")
                );
            }
        }
        assert_eq!(redeemed(&app, "WELCOME10").await, 1);
    }
);

/// Builds the order `create` would, priced by the real quote.
async fn priced_order(
    app: &TestApp,
    account_id: &str,
    coupon: &str,
) -> (Order, Vec<datacard::promotions::Applied>) {
    let request = OrderRequest {
        kind: OrderKind::NewEsim,
        iccid: None,
        plan_code: Some(PLAIN.into()),
        periods: 1,
        payment_method: datacard::payments::Method::Card,
        amount: None,
        coupon: Some(coupon.into()),
    };
    let quote = orders::quote(app, account_id, &request)
        .await
        .expect("a quote");
    let now = app.now();
    let order = Order {
        id: datacard::ids::OrderId::generate(now),
        account_id: datacard::ids::AccountId::from_stored(account_id),
        product: quote.product().expect("a new eSIM"),
        plan_version_id: quote.plan.as_ref().map(|p| p.version_id.clone()),
        breakdown: quote.breakdown.clone(),
        method: datacard::payments::Method::Card,
        state: OrderState::PendingPayment,
        attention: None,
        created_at: now,
        expires_at: now + Duration::minutes(30),
        paid_at: None,
        fulfilled_at: None,
        payment: None,
        activation_code: None,
        plan_names: BTreeMap::new(),
    };
    (order, quote.applied)
}

concurrent_story!(
    the_limit_holds_when_both_orders_passed_their_quotes,
    |app| {
        seed_with_test_coupons(&app).await;
        let first = Shopper::new(&app, 20).await.account_id().await;
        let second = Shopper::new(&app, 21).await.account_id().await;
        // Both are quoted the coupon before either order is written…
        let (order_a, applied_a) = priced_order(&app, &first, "ONLYONE").await;
        let (order_b, applied_b) = priced_order(&app, &second, "ONLYONE").await;
        assert_eq!(applied_a.len(), 1);
        assert_eq!(applied_b.len(), 1);

        // …then the first reserves it and, before it commits, the second tries.
        let backend = app.db.backend();
        let mut tx = app.db.begin().await.expect("begin");
        orders::store::insert(&mut tx, &order_a, None)
            .await
            .expect("insert");
        datacard::promotions::redemption::redeem(
            &mut tx,
            backend,
            holder(&order_a),
            &applied_a,
            app.now(),
        )
        .await
        .expect("the first order takes the coupon");
        let db = app.db.clone();
        let now = app.now();
        let second_try = tokio::spawn(async move {
            let mut tx = db.begin().await.expect("begin");
            orders::store::insert(&mut tx, &order_b, None)
                .await
                .expect("insert");
            let taken = datacard::promotions::redemption::redeem(
                &mut tx,
                backend,
                holder(&order_b),
                &applied_b,
                now,
            )
            .await;
            match taken {
                Ok(()) => tx.commit().await.map(|_| "taken").expect("commit"),
                Err(error) => error.code.as_str(),
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(
            !second_try.is_finished(),
            "the second order waits for the first"
        );
        tx.commit().await.expect("commit");
        assert_eq!(
            second_try.await.expect("the second order"),
            "coupon_exhausted"
        );
        assert_eq!(redeemed(&app, "ONLYONE").await, 1);
        assert_eq!(
            app.count_rows("orders").await,
            1,
            "the refused order rolled back"
        );
    }
);

story!(
    money_for_a_lapsed_order_takes_its_coupon_back_and_flags_the_overrun,
    |app| {
        seed_with_test_coupons(&app).await;
        let late = Shopper::new(&app, 30).await;
        let order = late
            .order(with_coupon(new_esim(PLAIN, 1, "card"), "ONLYONE"))
            .await;
        app.advance(Duration::minutes(31));
        reconcile::run_due(&app, "worker").await.expect("jobs");
        assert_eq!(late.show(&id_of(&order)).await["state"], "expired");

        // The lapsed order's use is free again: someone else takes it.
        let prompt = Shopper::new(&app, 31).await;
        prompt
            .order(with_coupon(new_esim(PLAIN, 1, "card"), "ONLYONE"))
            .await;
        assert_eq!(redeemed(&app, "ONLYONE").await, 1);

        // Then the first payer's money arrives after all (it crossed our close).
        let payment = order["payment"]["id"]
            .as_str()
            .expect("a payment")
            .to_owned();
        sqlx::query("UPDATE sandbox_payments SET status = 'succeeded' WHERE merchant_ref = $1")
            .bind(payment.clone())
            .execute(app.db.reader())
            .await
            .expect("the provider's books");
        let body = json!({
        "id": "evt_late", "type": "payment.succeeded", "created": app.now().timestamp(),
        "data": { "id": format!("sbx_for_{payment}"), "merchant_ref": payment, "status": "succeeded",
                  "amount": order["breakdown"]["total"]["amount"], "currency": "HKD" },
    })
    .to_string();
        let secret = datacard::demo::sandbox::webhook_secret(&app);
        let signature = bank::sign(&secret, app.now().timestamp(), &body);
        let request = Request::post("/api/v1/webhooks/sandbox")
            .header(header::CONTENT_TYPE, "application/json")
            .header(bank::SIGNATURE_HEADER, signature)
            .body(Body::from(body))
            .expect("a valid request");
        let (status, _, _) = app.send(request).await;
        assert_eq!(status, StatusCode::OK);

        // Fulfilled at the price it was quoted, the use counted again, the operator told.
        let shown = late.show(&id_of(&order)).await;
        assert_eq!(shown["state"], "fulfilled", "{shown}");
        assert_eq!(shown["breakdown"]["total"], order["breakdown"]["total"]);
        assert_eq!(redeemed(&app, "ONLYONE").await, 2);
        let attention = sqlx::query("SELECT attention FROM orders WHERE id = $1")
            .bind(id_of(&order))
            .fetch_one(app.db.reader())
            .await
            .and_then(|row| row.try_get::<Option<String>, _>("attention"))
            .expect("attention")
            .unwrap_or_default();
        assert!(attention.contains("promotion_over_limit"), "{attention}");
    }
);

story!(
    an_order_a_coupon_makes_free_is_fulfilled_without_a_payment,
    |app| {
        seed_with_test_coupons(&app).await;
        let lucky = Shopper::new(&app, 32).await;
        let order = lucky
            .order(with_coupon(new_esim(PLAIN, 1, "alipay"), "on-the-house"))
            .await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        assert_eq!(order["payment"], Value::Null);
        assert_eq!(order["breakdown"]["fee"], hkd(0));
        assert_eq!(order["breakdown"]["total"], hkd(0));
        assert_eq!(periods_of(&app, &id_of(&order)).await, 1);
        assert_eq!(app.count_rows("payments").await, 0);
    }
);

fn holder(order: &Order) -> datacard::promotions::redemption::Holder<'_> {
    datacard::promotions::redemption::Holder {
        order_id: order.id.as_str(),
        account_id: order.account_id.as_str(),
        plan_code: order.plan_code(),
    }
}
