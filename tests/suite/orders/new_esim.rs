//! New eSIMs: paid by card and ready to install, or refunded and flagged when the
//! stock has run out.

use super::helpers::*;

// ----- 8. new eSIMs ---------------------------------------------------------------------

story!(a_new_esim_paid_by_card_arrives_ready_to_install, |app| {
    let demo = Shopper::demo(&app).await;
    let stock = datacard::inventory::available(&app).await.expect("stock");
    let reply = demo
        .try_order(
            json!({ "kind": "new_esim", "iccid": demo_iccid(), "plan_code": "HK-7D-5G",
                           "periods": 1, "payment_method": "card" }),
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_body");

    let order = demo.order(new_esim("HK-7D-5G", "card")).await;
    let order_id = id_of(&order);
    assert_eq!(order["iccid"], Value::Null);
    assert_eq!(order["activation_code"], Value::Null);
    pay(&app, &order).await;
    deliver_notifications(&app).await;

    let order = demo.show(&order_id).await;
    assert_eq!(order["state"], "fulfilled", "{order}");
    let code = order["activation_code"]
        .as_str()
        .expect("an activation code");
    assert!(code.starts_with("LPA:1$"), "{code}");
    assert_eq!(
        datacard::inventory::available(&app).await.expect("stock"),
        stock - 1
    );

    let me = demo.me().await;
    let lines = me["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2, "{me}");
    let new_line = lines
        .iter()
        .find(|line| line["iccid"] != demo_iccid().as_str())
        .expect("the new line");
    assert_eq!(new_line["status"], "pending_install");
    assert_eq!(new_line["activation_code"], code);
    let current = &new_line["current_period"];
    assert_eq!(current["plan_code"], "HK-7D-5G");
    assert_eq!(at(&current["starts_at"]), app.now());
    assert_eq!(at(&current["ends_at"]), app.now() + Duration::days(7));
    assert_eq!(current["data_allowance"], 5u64 * 1024 * 1024 * 1024);
    assert_eq!(new_line["queued_periods"], json!([]));
    assert_eq!(periods_of(&app, &order_id).await, 1);

    // The new line can be renewed like any other.
    let iccid = new_line["iccid"].as_str().expect("an ICCID");
    let renewal_order = demo
        .order(
            json!({ "kind": "renewal", "iccid": iccid, "plan_code": "HK-7D-5G",
                       "periods": 1, "payment_method": "wallet" }),
        )
        .await;
    assert_eq!(renewal_order["state"], "fulfilled", "{renewal_order}");
    assert_end_to_end(&demo.line(iccid).await);
});

story!(
    a_paid_new_esim_without_stock_is_refunded_and_flagged,
    |app| {
        // A catalog, but not a single eSIM in stock.
        let specs = datacard::promotions::catalog_file::parse(datacard::catalog::DEMO_CATALOG)
            .expect("catalog");
        datacard::promotions::catalog_file::import(&app, &specs, "test")
            .await
            .expect("import");
        assert_eq!(
            datacard::inventory::available(&app).await.expect("stock"),
            0
        );
        let chan = Shopper::registered(&app, "+85261239001", "chan@example.com").await;

        let reply = chan.try_order(new_esim("HK-7D-5G", "wallet")).await;
        assert_eq!(reply.0, StatusCode::CONFLICT, "{}", reply.2);
        assert_eq!(app.count_rows("orders").await, 0);

        let order = chan.order(new_esim("HK-7D-5G", "card")).await;
        let order_id = id_of(&order);
        let payment_id = payment_of(&order);
        pay(&app, &order).await;
        deliver_notifications(&app).await;
        let shown = chan.show(&order_id).await;
        assert_eq!(
            shown["state"], "paid",
            "the money came, the eSIM cannot: {shown}"
        );
        assert_eq!(shown["activation_code"], Value::Null);
        assert!(
            attention(&app, &order_id)
                .await
                .contains("no_esim_in_inventory")
        );

        run_jobs(&app, "worker-a").await;
        assert_eq!(
            payment_state(&app, &payment_id).await,
            PaymentState::Refunded
        );
        let at_bank = bank::find(&app, &payment_id)
            .await
            .expect("bank")
            .expect("payment");
        assert_eq!(at_bank.status, bank::BankStatus::Refunded);
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM ledger_transactions WHERE reference = $1",
                &format!("payment:{payment_id}:refund")
            )
            .await,
            1
        );
        assert_eq!(receipts_of(&app, &order_id).await, 0);
        assert_eq!(chan.me().await["lines"], json!([]));
        let shown = chan.show(&order_id).await;
        assert_eq!(
            shown["state"], "refunded",
            "API.md: `refunded` after a refund: {shown}"
        );
        assert!(
            shown["paid_at"].is_string(),
            "the money did arrive, and when is on record: {shown}"
        );
    }
);
