//! The wallet: topped up by card, paying for renewals, with its fee booked.

use super::helpers::*;

// ----- 7. the wallet ----------------------------------------------------------------------

story!(
    the_wallet_is_topped_up_by_card_and_pays_for_renewals,
    |app| {
        let demo = Shopper::demo(&app).await;
        assert_eq!(demo.balance().await, DEMO_BALANCE);

        let top_up_order = demo.order(top_up(10_000, "card")).await;
        assert_eq!(top_up_order["kind"], "wallet_topup");
        assert_eq!(top_up_order["plan_code"], Value::Null);
        assert_eq!(top_up_order["breakdown"]["list_price"], hkd(10_000));
        assert_eq!(top_up_order["breakdown"]["total"], hkd(10_250));
        pay(&app, &top_up_order).await;
        assert_eq!(
            demo.balance().await,
            DEMO_BALANCE,
            "not before the money arrives"
        );
        deliver_notifications(&app).await;
        assert_eq!(demo.state_of(&id_of(&top_up_order)).await, "fulfilled");
        let mut balance = DEMO_BALANCE + 10_000;
        assert_eq!(
            demo.balance().await,
            balance,
            "the card fee is not taken from the wallet"
        );

        // Paid from the wallet: no provider, fulfilled at once.
        let (status, _, order) = demo.try_order(renewal(PLAN, 1, "wallet")).await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        assert_eq!(order["state"], "fulfilled", "{order}");
        assert_eq!(order["payment"], Value::Null);
        assert_eq!(order["breakdown"]["fee"], hkd(0));
        assert_eq!(order["breakdown"]["total"], hkd(PLAN_PRICE));
        balance -= PLAN_PRICE;
        assert_eq!(demo.balance().await, balance);
        assert_eq!(periods_of(&app, &id_of(&order)).await, 1);
        assert_eq!(receipts_of(&app, &id_of(&order)).await, 1);

        // More than the wallet holds: refused, and nothing happened.
        let orders_before = demo.orders().await.len();
        let reply = demo.try_order(renewal(PLAN, 3, "wallet")).await;
        assert_error(&reply, StatusCode::CONFLICT, "insufficient_balance");
        assert_eq!(
            demo.orders().await.len(),
            orders_before,
            "no order is left behind"
        );
        assert_eq!(demo.balance().await, balance);
        assert_eq!(
            demo.line(&demo_iccid()).await["queued_periods"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );

        // Two at once that together exceed the balance: exactly one goes through.
        let plan_price = 4_800;
        assert!(2 * plan_price > balance && plan_price <= balance);
        let (a, b) = tokio::join!(
            demo.try_order(renewal("HK-7D-5G", 1, "wallet")),
            demo.try_order(renewal("HK-7D-5G", 1, "wallet")),
        );
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "{} / {}",
            a.2,
            b.2
        );
        let refused = if a.0 == StatusCode::CONFLICT { &a } else { &b };
        assert_error(refused, StatusCode::CONFLICT, "insufficient_balance");
        balance -= plan_price;
        assert_eq!(demo.balance().await, balance);
        assert_eq!(demo.orders().await.len(), orders_before + 1);
        let line = demo.line(&demo_iccid()).await;
        assert_eq!(
            line["queued_periods"].as_array().map(Vec::len),
            Some(2),
            "{line}"
        );
        assert_end_to_end(&line);
    }
);

story_with!(
    a_wallet_fee_is_charged_and_booked,
    |backend| TestApp::start_with(backend, |config| {
        config.payments.wallet.fee_basis_points = 100;
    }),
    |app| {
        let demo = Shopper::demo(&app).await;
        // 1 % of HK$18.00 is 18 cents.
        let quote = demo.quote(renewal("HK-1D-1G", 1, "wallet")).await;
        assert_eq!(quote["breakdown"]["total"], hkd(1_818), "{quote}");
        let (status, _, order) = demo.try_order(renewal("HK-1D-1G", 1, "wallet")).await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        assert_eq!(order["state"], "fulfilled");
        assert_eq!(demo.balance().await, DEMO_BALANCE - 1_818);
    }
);

story!(renewing_a_line_whose_time_ran_out_starts_now, |app| {
    let demo = Shopper::demo(&app).await;
    app.advance(Duration::days(21));
    datacard::lines::expire_lapsed(&app)
        .await
        .expect("expire lines");
    let line = demo.line(&demo_iccid()).await;
    assert_eq!(line["status"], "expired", "{line}");
    assert_eq!(line["current_period"], Value::Null);

    let order = demo.order(renewal("HK-7D-5G", 1, "wallet")).await;
    assert_eq!(order["state"], "fulfilled", "{order}");
    let line = demo.line(&demo_iccid()).await;
    assert_eq!(line["status"], "active", "{line}");
    assert_eq!(at(&line["current_period"]["starts_at"]), app.now());
    assert_eq!(
        at(&line["current_period"]["ends_at"]),
        app.now() + Duration::days(7)
    );
    assert_eq!(line["queued_periods"], json!([]));
});
