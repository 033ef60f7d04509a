//! The payment rules, each on its case: a doubled payment (issue 15's Done-when: one
//! alert to the subscriber, one flag for the operator, however often the scan runs),
//! another amount than the order's price, a provider's charge with no order, a refund
//! nobody here made, and one payer charged too often in a short time.

use super::helpers::*;

story!(a_doubled_payment_alerts_once_and_flags_once, |app| {
    let sub = subscriber(&app, 1, 3).await;
    let order = paid_top_up(&app, &sub, 20_000).await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    assert_eq!(scan_twice(&app).await, 0, "one payment is ordinary");

    let second = pay_again(&app, &order).await;
    app.advance(Duration::minutes(1));
    assert_eq!(scan_twice(&app).await, 1);
    send_alerts(&app).await;
    // The refund of the second payment goes through; scanning again changes nothing.
    run_jobs(&app).await;
    assert_eq!(scan_twice(&app).await, 0);
    send_alerts(&app).await;

    let found = findings_of(&app, Kind::DoublePayment).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let finding = &found[0];
    assert_eq!(finding.account_id.as_deref(), Some(sub.account_id.as_str()));
    assert_eq!(finding.order_id.as_deref(), Some(order_id.as_str()));
    assert_eq!(finding.payment_id.as_deref(), Some(second.as_str()));
    assert_eq!(
        finding.amount.map(|m| m.amount),
        Some(order["breakdown"]["total"]["amount"].as_i64().unwrap())
    );

    let (sms, email) = alerts_to(&app, &sub).await;
    assert_eq!((sms.len(), email.len()), (1, 1), "{sms:?} {email:?}");
    assert!(sms[0].contains("paid twice"), "{}", sms[0]);
    assert!(sms[0].contains(&format!("https://datacard.test/alerts#f-{}", finding.id)));
    assert!(
        email[0].contains("going back to you automatically"),
        "{}",
        email[0]
    );
    assert!(email[0].contains(&format!("https://datacard.test/orders/{order_id}")));

    let flagged = flags(&app).await;
    let ours: Vec<&Value> = flagged
        .iter()
        .filter(|f| f["order_id"] == order_id.as_str())
        .collect();
    assert_eq!(ours.len(), 1, "one flag: {flagged:?}");
    assert_eq!(ours[0]["reasons"], json!(["double_payment"]));
    assert_eq!(ours[0]["customer_id"], sub.account_id.as_str());
    assert_eq!(ours[0]["actions"], json!(["dismiss"]));
    assert_eq!(ours[0]["finding"]["kind"], "double_payment");
    assert_eq!(ours[0]["finding"]["payment_id"], second.as_str());
});

story!(a_charge_that_is_not_the_order_s_price_is_found, |app| {
    let sub = subscriber(&app, 2, 3).await;
    let order = app.order_top_up(&sub.auth(), 10_000, "card").await;
    let payment = order["payment"]["id"].as_str().unwrap().to_owned();
    let total = order["breakdown"]["total"]["amount"].as_i64().unwrap();
    // The provider says it took ten times the price: kept, not applied.
    provider_says(
        &app,
        &payment,
        "evt-wrong",
        ProviderStatus::Succeeded,
        Some(total * 10),
    )
    .await;
    assert_eq!(scan_twice(&app).await, 1);
    send_alerts(&app).await;
    let found = findings_of(&app, Kind::WrongAmount).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].amount.map(|m| m.amount), Some(total * 10));
    assert_eq!(found[0].payment_id.as_deref(), Some(payment.as_str()));
    let problems = &found[0].evidence["problems"];
    assert_eq!(
        problems[0]["problem"], "charged_another_amount",
        "{problems}"
    );
    let (sms, email) = alerts_to(&app, &sub).await;
    assert_eq!((sms.len(), email.len()), (1, 1));
    assert!(
        email[0].contains("does not match the price"),
        "{}",
        email[0]
    );

    // A paid order whose stored price is not the catalog's (a bug, or a hand in the
    // database) is found too.
    let sub = subscriber(&app, 3, 3).await;
    let (status, _, renewal) = app
        .post_json(
            "/api/v1/orders",
            json!({ "kind": "renewal", "iccid": sub.iccid, "plan_code": "HK-7D-5G", "periods": 1,
                    "payment_method": "card" }),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{renewal}");
    app.pay_at_sandbox(&renewal).await;
    let renewal_id = renewal["id"].as_str().unwrap();
    sqlx::query(
        "UPDATE orders SET list_price = list_price - 100, total = total - 100 WHERE id = $1",
    )
    .bind(renewal_id)
    .execute(app.db.reader())
    .await
    .unwrap();
    assert_eq!(scan_twice(&app).await, 1);
    let found = findings_of(&app, Kind::WrongAmount).await;
    let about: Vec<&Finding> = found
        .iter()
        .filter(|f| f.order_id.as_deref() == Some(renewal_id))
        .collect();
    assert_eq!(about.len(), 1);
    let kinds: Vec<&str> = about[0].evidence["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["problem"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["not_the_catalog_price", "charged_another_amount"]);
    // Put back, so that the books balance.
    sqlx::query(
        "UPDATE orders SET list_price = list_price + 100, total = total + 100 WHERE id = $1",
    )
    .bind(renewal_id)
    .execute(app.db.reader())
    .await
    .unwrap();
});

story!(
    a_provider_charge_with_no_order_is_for_the_operator_only,
    |app| {
        let sub = subscriber(&app, 4, 3).await;
        let refused = datacard::orders::apply_notification(
            &app,
            datacard::payments::ProviderName::Sandbox,
            &datacard::payments::Notification {
                event_id: "evt-stranger".into(),
                payment_id: "pay_nobody_knows".into(),
                observation: Observation {
                    status: ProviderStatus::Succeeded,
                    amount: Some(Money::new(8_800, Currency::HKD)),
                    raw: "{}".into(),
                },
            },
        )
        .await;
        assert!(refused.is_err(), "refused and kept for the operator");
        // A notification about a payment we do not know that took no money is no charge.
        let _ = datacard::orders::apply_notification(
            &app,
            datacard::payments::ProviderName::Sandbox,
            &datacard::payments::Notification {
                event_id: "evt-pending".into(),
                payment_id: "pay_nobody_knows_2".into(),
                observation: Observation::local(ProviderStatus::Pending, "pending"),
            },
        )
        .await;
        assert_eq!(scan_twice(&app).await, 1);
        send_alerts(&app).await;
        let found = findings_of(&app, Kind::ChargeWithoutOrder).await;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].account_id, None);
        assert_eq!(found[0].amount.map(|m| m.amount), Some(8_800));
        assert_eq!(alerts_to(&app, &sub).await, (vec![], vec![]));
        let flagged = flags(&app).await;
        assert_eq!(flagged.len(), 1);
        assert_eq!(flagged[0]["customer_id"], Value::Null);
        assert_eq!(flagged[0]["finding"]["kind"], "charge_without_order");
        assert_eq!(
            datacard::jobs::pending(&app, datacard::watch::ALERT_JOB)
                .await
                .unwrap(),
            0
        );
    }
);

story!(a_refund_nobody_here_made_is_found, |app| {
    let sub = subscriber(&app, 5, 3).await;
    let order = paid_top_up(&app, &sub, 10_000).await;
    let payment = order["payment"]["id"].as_str().unwrap().to_owned();
    assert_eq!(scan_twice(&app).await, 0);
    // From the provider's dashboard, or a chargeback: nobody here asked.
    provider_says(&app, &payment, "evt-refund", ProviderStatus::Refunded, None).await;
    assert_eq!(scan_twice(&app).await, 1);
    send_alerts(&app).await;
    let found = findings_of(&app, Kind::RefundNotOurs).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].payment_id.as_deref(), Some(payment.as_str()));
    let (sms, email) = alerts_to(&app, &sub).await;
    assert_eq!((sms.len(), email.len()), (1, 1));
    assert!(
        email[0].contains("without a request from us"),
        "{}",
        email[0]
    );

    // A refund the operator made is ours: nothing found.
    let sub = subscriber(&app, 6, 3).await;
    let order = paid_top_up(&app, &sub, 10_000).await;
    let payment = order["payment"]["id"].as_str().unwrap().to_owned();
    datacard::orders::refund::refund(&app, &payment, "staff:desk@example.com")
        .await
        .expect("refunded by the operator");
    run_jobs(&app).await;
    provider_says(
        &app,
        &payment,
        "evt-refund-2",
        ProviderStatus::Refunded,
        None,
    )
    .await;
    assert_eq!(scan_twice(&app).await, 0);
    assert_eq!(findings_of(&app, Kind::RefundNotOurs).await.len(), 1);
});

story!(a_payer_charged_many_times_in_a_short_time_is_found, |app| {
    let sub = subscriber(&app, 7, 3).await;
    paid_top_up(&app, &sub, 100_000).await;
    // Three renewals from the wallet in an hour are ordinary ([watch] allows 3)…
    let renew = || async {
        let (status, _, order) = app
            .post_json(
                "/api/v1/orders",
                json!({ "kind": "renewal", "iccid": sub.iccid, "plan_code": "HK-1D-1G",
                        "periods": 1, "payment_method": "wallet" }),
                &[("authorization", &sub.auth())],
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        order["id"].as_str().unwrap().to_owned()
    };
    for _ in 0..3 {
        renew().await;
        app.advance(Duration::minutes(10));
    }
    assert_eq!(scan_twice(&app).await, 0);
    // …a fourth within the hour is not; a fifth is the same burst.
    let fourth = renew().await;
    app.advance(Duration::minutes(5));
    renew().await;
    assert_eq!(scan_twice(&app).await, 1);
    send_alerts(&app).await;
    let found = findings_of(&app, Kind::ChargeBurst).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].order_id.as_deref(), Some(fourth.as_str()));
    assert_eq!(found[0].evidence["count"], 4);
    assert_eq!(found[0].evidence["instrument"], "wallet");
    let (sms, email) = alerts_to(&app, &sub).await;
    assert_eq!((sms.len(), email.len()), (1, 1));
    assert!(email[0].contains("4 charges"), "{}", email[0]);
});
