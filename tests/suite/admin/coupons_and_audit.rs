//! A coupon made through the API used at checkout, the audit log paged newest first,
//! and the demo's well-known operator key.

use super::helpers::*;

story!(a_coupon_made_through_the_api_is_used_at_checkout, |app| {
    let key = operator(&app, "dora").await;
    let shopper = app
        .register("+85261230002", "shopper2@example.com", PASSWORD)
        .await;
    let auth = bearer(&shopper);
    let headers = [("authorization", auth.as_str())];
    let coupon = json!({ "code": "spring15", "percent": 15, "total_limit": 2, "per_account_limit": 1,
        "plans": [WEEK], "names": { "en": "Spring: 15 % off" } });

    let (status, _, created) =
        put(&app, &key, "/api/v1/admin/coupons/SPRING15", coupon.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["promotion"]["kind"], "coupon");
    assert_eq!(created["promotion"]["uses_left"], 2);

    let mut body = card_order(WEEK);
    body["coupon"] = json!("spring15");
    let (status, _, order) = app
        .post_json("/api/v1/orders", body.clone(), &headers)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let discounts = &order["breakdown"]["discounts"];
    assert_eq!(discounts[0]["promotion"], "SPRING15", "{order}");
    assert_eq!(discounts[0]["amount"]["amount"], WEEK_PRICE * 15 / 100);
    app.pay_at_sandbox(&order).await;

    let coupons = admin_ok(&app, &key, Method::GET, "/api/v1/admin/coupons", None).await;
    let listed = coupons
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "SPRING15")
        .unwrap()
        .clone();
    assert_eq!(
        (listed["redemptions"].clone(), listed["uses_left"].clone()),
        (json!(1), json!(1))
    );
    let welcome = coupons
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "WELCOME10")
        .unwrap();
    assert_eq!(welcome["entry"]["public"], true);

    // A change keeps the count; a retired coupon is refused at checkout.
    let mut richer = coupon.clone();
    richer["percent"] = json!(20);
    let (status, _, changed) = put(&app, &key, "/api/v1/admin/coupons/SPRING15", richer).await;
    assert_eq!(
        (status, changed["outcome"].clone()),
        (StatusCode::OK, json!("changed")),
        "{changed}"
    );
    assert_eq!(changed["promotion"]["redemptions"], 1);
    let retired = admin_ok(
        &app,
        &key,
        Method::POST,
        "/api/v1/admin/coupons/SPRING15/retire",
        None,
    )
    .await;
    assert_eq!(retired["retired"], true);
    let other = app
        .register("+85261230003", "shopper3@example.com", PASSWORD)
        .await;
    let other_auth = bearer(&other);
    let refused = app
        .post_json(
            "/api/v1/quotes",
            body,
            &[("authorization", other_auth.as_str())],
        )
        .await;
    assert_error(&refused, StatusCode::BAD_REQUEST, "coupon_not_found");

    // A promotion through the API shows on the plan it is for.
    let promotion = json!({ "code": "WEEK-2-GET-1", "kind": "free_periods", "buy": 2, "free": 1,
        "plans": [WEEK], "names": { "en": "Buy 2 weeks, get 1 free" } });
    let (status, _, made) = put(
        &app,
        &key,
        "/api/v1/admin/promotions/WEEK-2-GET-1",
        promotion,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let offers = on_sale(&app, WEEK).await.unwrap()["promotions"].clone();
    assert!(
        offers
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["code"] == "WEEK-2-GET-1"),
        "{offers}"
    );
    let listed = admin_ok(&app, &key, Method::GET, "/api/v1/admin/promotions", None).await;
    for offer in listed.as_array().unwrap() {
        let code = offer["code"].as_str().unwrap();
        let (status, _, answer) = put(
            &app,
            &key,
            &format!("/api/v1/admin/promotions/{code}"),
            offer["entry"].clone(),
        )
        .await;
        assert_eq!(
            (status, answer["outcome"].clone()),
            (StatusCode::OK, json!("unchanged")),
            "{code}: {answer}"
        );
    }

    let subject = admin_ok(
        &app,
        &key,
        Method::GET,
        "/api/v1/admin/audit?subject=SPRING15",
        None,
    )
    .await;
    let actions: Vec<(&str, &str)> = subject["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("promotion.retire", "dora"),
            ("promotion.update", "dora"),
            ("promotion.create", "dora")
        ]
    );
});

story!(the_audit_log_pages_newest_first, |app| {
    let key = operator(&app, "erin").await;
    for price in [2_800, 2_900, 3_000] {
        put(
            &app,
            &key,
            &format!("/api/v1/admin/plans/{NEW_PLAN}"),
            new_plan_entry(price),
        )
        .await;
    }
    let total = app.count_rows("audit_log").await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/admin/audit?limit=2".to_owned();
    loop {
        let page = admin_ok(&app, &key, Method::GET, &path, None).await;
        let entries = page["entries"].as_array().unwrap();
        assert!(entries.len() <= 2);
        seen.extend(entries.iter().map(|e| e["seq"].as_i64().unwrap()));
        match page["next_before"].as_str() {
            Some(before) => path = format!("/api/v1/admin/audit?limit=2&before={before}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        (1..=total).rev().collect::<Vec<_>>(),
        "newest (highest number) first, every entry once"
    );
    assert_eq!(
        audited_by(&app, &key, "erin").await,
        [
            format!("plan.version {NEW_PLAN}"),
            format!("plan.version {NEW_PLAN}"),
            format!("plan.version {NEW_PLAN}")
        ]
    );
    for bad in ["?limit=0", "?limit=201", "?limit=many", "?page=2"] {
        let reply = admin(
            &app,
            &key,
            Method::GET,
            &format!("/api/v1/admin/audit{bad}"),
            None,
        )
        .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_query");
    }
});

story!(the_demo_has_a_well_known_operator_key, |app| {
    datacard::demo::seed(&app).await.expect("demo seed");
    datacard::demo::seed(&app)
        .await
        .expect("seeding again changes nothing");
    let key = datacard::demo::DEMO_OPERATOR_KEY;
    let path = format!("/api/v1/admin/plans/{NEW_PLAN}");
    let (status, _, created) = put(&app, key, &path, new_plan_entry(2_800)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        audited_by(&app, key, "demo-operator").await,
        [format!("plan.version {NEW_PLAN}")]
    );
    // Revoked, it opens nothing (an operator who keeps demo data can do so).
    assert!(
        api_keys::revoke(&app, &OPERATOR, "demo-operator")
            .await
            .expect("revoke")
    );
    let (status, _, _) = admin(&app, key, Method::GET, "/api/v1/admin/plans", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
});
