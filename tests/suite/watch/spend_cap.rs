//! The monthly spend cap: set by the subscriber (bad amounts refused, nothing changed),
//! auto-renew refuses a renewal that would pass it (no order, nothing charged) and the
//! subscriber hears of it once; within the cap, auto-renew charges as before.

use super::helpers::*;

async fn put_cap(app: &TestApp, sub: &Subscriber, body: Value) -> Reply {
    app.request(
        Method::PUT,
        "/api/v1/me/spend-cap",
        Some(body),
        &[("authorization", &sub.auth())],
    )
    .await
}

async fn auto_renew_by_wallet(app: &TestApp, sub: &Subscriber) {
    let reply = app
        .request(
            Method::PUT,
            &format!("/api/v1/lines/{}/auto-renew", sub.iccid),
            Some(json!({ "enabled": true, "method": "wallet" })),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.2);
}

async fn wallet(app: &TestApp, sub: &Subscriber) -> i64 {
    datacard::ledger::wallet_balance(app, &sub.account_id, Currency::HKD)
        .await
        .unwrap()
        .amount
}

async fn renewals(app: &TestApp, sub: &Subscriber) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE account_id = $1 AND kind = 'renewal'")
        .bind(&sub.account_id)
        .fetch_one(app.db.reader())
        .await
        .unwrap()
}

story!(a_spend_cap_is_refused_when_it_is_not_an_amount, |app| {
    let sub = subscriber(&app, 20, 3).await;
    let hkd = |amount: i64| json!({ "monthly": { "amount": amount, "currency": "HKD" } });
    for (body, status, code) in [
        (hkd(0), StatusCode::BAD_REQUEST, "invalid_spend_cap"),
        (hkd(-500), StatusCode::BAD_REQUEST, "invalid_spend_cap"),
        (
            hkd(1_000_000_001),
            StatusCode::BAD_REQUEST,
            "invalid_spend_cap",
        ),
        (
            json!({ "monthly": { "amount": 30_000, "currency": "USD" } }),
            StatusCode::BAD_REQUEST,
            "invalid_spend_cap",
        ),
        (
            json!({ "monthly": { "amount": 30_000, "currency": "hkd" } }),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({ "monthly": "300'; DROP TABLE spend_caps; --" }),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({ "cap": 300 }),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
    ] {
        let reply = put_cap(&app, &sub, body.clone()).await;
        assert_error(&reply, status, code);
    }
    assert_eq!(app.count_rows("spend_caps").await, 0, "nothing changed");

    // Set, read back, audited, removed.
    let reply = put_cap(&app, &sub, hkd(30_000)).await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.2);
    assert_eq!(reply.2, hkd(30_000));
    let (status, _, shown) = app
        .get_json("/api/v1/me/spend-cap", &[("authorization", &sub.auth())])
        .await;
    assert_eq!((status, shown), (StatusCode::OK, hkd(30_000)));
    let log = datacard::audit::list(&app, Some(&sub.account_id), None, 10)
        .await
        .unwrap();
    assert!(log.entries.iter().any(|e| e.action == "spend_cap.set"));
    // A bad amount leaves the cap as it was.
    assert_error(
        &put_cap(&app, &sub, hkd(0)).await,
        StatusCode::BAD_REQUEST,
        "invalid_spend_cap",
    );
    let (_, _, shown) = app
        .get_json("/api/v1/me/spend-cap", &[("authorization", &sub.auth())])
        .await;
    assert_eq!(shown, hkd(30_000));
    let reply = put_cap(&app, &sub, json!({ "monthly": null })).await;
    assert_eq!(reply.2, json!({ "monthly": null }));
    // Not signed in: 401.
    let reply = app
        .request(Method::PUT, "/api/v1/me/spend-cap", Some(hkd(100)), &[])
        .await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthenticated");
});

story!(auto_renew_stops_at_the_spend_cap_and_says_so_once, |app| {
    // The line's 30-day period ends in 20 hours: auto-renew is due.
    let sub = subscriber(&app, 21, 29).await;
    app.top_up_by_card(&sub, 50_000).await;
    auto_renew_by_wallet(&app, &sub).await;
    // HK$50 a month: the HK$88 renewal would pass it.
    let reply = put_cap(
        &app,
        &sub,
        json!({ "monthly": { "amount": 5_000, "currency": "HKD" } }),
    )
    .await;
    assert_eq!(reply.0, StatusCode::OK);
    let before = (wallet(&app, &sub).await, renewals(&app, &sub).await);

    assert_eq!(datacard::auto_renew::scan(&app).await.unwrap(), 1);
    run_jobs(&app).await;
    assert_eq!(
        (wallet(&app, &sub).await, renewals(&app, &sub).await),
        before,
        "nothing charged, no order"
    );
    // The attempt's job told the watch at once; the scan finds nothing new.
    assert_eq!(scan_twice(&app).await, 0);
    send_alerts(&app).await;
    let found = findings_of(&app, Kind::OverSpendCap).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].iccid.as_deref(), Some(sub.iccid.as_str()));
    assert_eq!(found[0].evidence["cap"]["amount"], 5_000);
    assert_eq!(found[0].amount.map(|m| m.amount), Some(8_800));
    let (sms, email) = alerts_to(&app, &sub).await;
    assert_eq!((sms.len(), email.len()), (1, 1), "{sms:?}");
    assert!(
        email[0].contains("monthly spend cap of HK$50.00"),
        "{}",
        email[0]
    );
    assert!(email[0].contains("Renew by hand"), "{}", email[0]);
    // Scanning for renewals again the same period does not try again.
    assert_eq!(datacard::auto_renew::scan(&app).await.unwrap(), 0);
    run_jobs(&app).await;
    assert_eq!(renewals(&app, &sub).await, before.1);
});

story!(within_the_cap_auto_renew_charges_as_before, |app| {
    let sub = subscriber(&app, 22, 29).await;
    app.top_up_by_card(&sub, 50_000).await;
    auto_renew_by_wallet(&app, &sub).await;
    let reply = put_cap(
        &app,
        &sub,
        json!({ "monthly": { "amount": 100_000, "currency": "HKD" } }),
    )
    .await;
    assert_eq!(reply.0, StatusCode::OK);
    let before = renewals(&app, &sub).await;
    assert_eq!(datacard::auto_renew::scan(&app).await.unwrap(), 1);
    run_jobs(&app).await;
    assert_eq!(renewals(&app, &sub).await, before + 1, "renewed");
    assert_eq!(scan_twice(&app).await, 0);
    assert!(findings_of(&app, Kind::OverSpendCap).await.is_empty());
});
