//! A normal month finds nothing: a light and a heavy user with their daily ups and
//! downs, a top-up, a renewal bought by card, auto-renew from the wallet at the end of
//! the period, the background's scans every day.

use super::helpers::*;

/// What a user's day looks like: three sessions around `base` MB, varying by the day.
fn day_of_use(base: i64, day: i64) -> [i64; 3] {
    let swing = (day * 53) % 41 - 20; // −20 … +20 %
    let total = base * (100 + swing) / 100;
    [total / 4, total / 2, total - total / 4 - total / 2]
}

story!(a_normal_month_finds_nothing, |app| {
    let light = subscriber(&app, 40, 0).await;
    let heavy = app
        .subscriber_with_line(&SUBSCRIBERS, 41, "HK-30D-UNL", app.now(), Used::Nothing)
        .await;
    app.top_up_by_card(&light, 30_000).await;
    let reply = app
        .request(
            Method::PUT,
            &format!("/api/v1/lines/{}/auto-renew", light.iccid),
            Some(json!({ "enabled": true, "method": "wallet" })),
            &[("authorization", &light.auth())],
        )
        .await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.2);
    app.request(
        Method::PUT,
        "/api/v1/me/spend-cap",
        Some(json!({ "monthly": { "amount": 50_000, "currency": "HKD" } })),
        &[("authorization", &light.auth())],
    )
    .await;

    for day in 0..33 {
        // From 10:00 to midnight: sessions at noon, 16:00 and 20:00.
        app.advance(Duration::hours(14));
        for (sub, base) in [(&light, 550), (&heavy, 2_600)] {
            for (session, mb) in day_of_use(base, day).into_iter().enumerate() {
                let at = app.now() - Duration::hours(12 - 4 * session as i64);
                let id = format!("{}-{day}-{session}", sub.iccid);
                use_data(&app, &id, &sub.iccid, mb * MB, at).await;
            }
        }
        if day == 10 {
            // A week pass bought by card for the heavy user's trip.
            let (status, _, order) = app
                .post_json(
                    "/api/v1/orders",
                    json!({ "kind": "renewal", "iccid": heavy.iccid, "plan_code": "HK-7D-5G",
                            "periods": 1, "payment_method": "card" }),
                    &[("authorization", &heavy.auth())],
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{order}");
            app.pay_at_sandbox(&order).await;
        }
        datacard::auto_renew::scan(&app).await.expect("auto-renew");
        run_jobs(&app).await;
        datacard::lines::expire_lapsed(&app).await.expect("expiry");
        assert_eq!(
            datacard::watch::scan(&app).await.expect("the watch"),
            0,
            "day {day}: {:?}",
            findings(&app).await
        );
        app.advance(Duration::hours(10));
    }
    let renewed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM orders WHERE account_id = $1 AND kind = 'renewal' AND state = 'fulfilled'",
    )
    .bind(&light.account_id)
    .fetch_one(app.db.reader())
    .await
    .unwrap();
    assert_eq!(renewed, 1, "auto-renew renewed the light user's line");
    assert!(findings(&app).await.is_empty());
    assert_eq!(alerts_to(&app, &light).await, (vec![], vec![]));
    assert_eq!(alerts_to(&app, &heavy).await, (vec![], vec![]));
});
