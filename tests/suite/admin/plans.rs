//! Plans through the admin API: created and on sale, a price change as a new version
//! while earlier orders keep theirs, a retired plan that sells no more.

use super::helpers::*;

story!(a_plan_created_through_the_api_goes_on_sale, |app| {
    let key = operator(&app, "alice").await;
    assert!(key.starts_with("dco_"), "{key}");
    assert!(on_sale(&app, NEW_PLAN).await.is_none());

    let path = format!("/api/v1/admin/plans/{NEW_PLAN}");
    let (status, _, created) = put(&app, &key, &path, new_plan_entry(2_800)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["outcome"], "created");
    assert_eq!(created["new_version"], 1);
    assert_eq!(created["plan"]["version_in_force"], 1);
    assert_eq!(
        created["plan"]["versions"][0]["data_allowance"],
        3_u64 << 30
    );

    let plan = on_sale(&app, NEW_PLAN)
        .await
        .expect("the new plan is on sale");
    assert_eq!(plan["price"], json!({ "amount": 2_800, "currency": "HKD" }));
    assert_eq!(plan["names"]["en"], "Hong Kong 3 Days 3 GB");
    let listed = admin_ok(&app, &key, Method::GET, "/api/v1/admin/plans", None).await;
    let codes: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert_eq!(
        codes.last(),
        Some(&NEW_PLAN),
        "a new plan goes last: {codes:?}"
    );

    // The same entry again, and the listing's own entry sent back: nothing changes.
    let before = catalog_rows(&app).await;
    let (status, _, again) = put(&app, &key, &path, new_plan_entry(2_800)).await;
    assert_eq!(
        (status, again["outcome"].clone()),
        (StatusCode::OK, json!("unchanged")),
        "{again}"
    );
    for plan in listed.as_array().unwrap() {
        let code = plan["code"].as_str().unwrap();
        let (status, _, answer) = put(
            &app,
            &key,
            &format!("/api/v1/admin/plans/{code}"),
            plan["entry"].clone(),
        )
        .await;
        assert_eq!(
            (status, answer["outcome"].clone()),
            (StatusCode::OK, json!("unchanged")),
            "{code}: {answer}"
        );
    }
    assert_eq!(catalog_rows(&app).await, before);
    assert_eq!(
        audited_by(&app, &key, "alice").await,
        [format!("plan.version {NEW_PLAN}")]
    );
});

story!(
    a_price_change_is_a_new_version_and_orders_keep_theirs,
    |app| {
        let key = operator(&app, "bob").await;
        let shopper = app
            .register("+85261230001", "shopper1@example.com", PASSWORD)
            .await;
        let auth = bearer(&shopper);
        let headers = [("authorization", auth.as_str())];

        let (status, _, old_quote) = app
            .post_json("/api/v1/quotes", card_order(WEEK), &headers)
            .await;
        assert_eq!(status, StatusCode::OK, "{old_quote}");
        assert_eq!(old_quote["breakdown"]["list_price"]["amount"], WEEK_PRICE);
        let (status, _, early) = app
            .post_json("/api/v1/orders", card_order(WEEK), &headers)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{early}");

        app.advance_secs(60);
        let path = format!("/api/v1/admin/plans/{WEEK}");
        let (status, _, changed) = put(&app, &key, &path, week_entry(5_800)).await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!(
            (changed["outcome"].clone(), changed["new_version"].clone()),
            (json!("changed"), json!(2))
        );
        let versions = changed["plan"]["versions"].as_array().unwrap().clone();
        assert_eq!(versions.len(), 2);
        assert_eq!(on_sale(&app, WEEK).await.unwrap()["price"]["amount"], 5_800);

        // The quote from before the change is re-priced: confirming it is refused, and
        // nothing is ordered.
        let mut stale = card_order(WEEK);
        stale["expected_total"] = old_quote["breakdown"]["total"].clone();
        let orders = app.count_rows("orders").await;
        let refused = app.post_json("/api/v1/orders", stale, &headers).await;
        assert_error(&refused, StatusCode::CONFLICT, "price_changed");
        assert_eq!(app.count_rows("orders").await, orders);
        let (_, _, new_quote) = app
            .post_json("/api/v1/quotes", card_order(WEEK), &headers)
            .await;
        assert_eq!(new_quote["breakdown"]["list_price"]["amount"], 5_800);

        // The order priced before is paid after the change: its price and version hold.
        app.pay_at_sandbox(&early).await;
        let (_, _, paid) = app
            .get_json(
                &format!("/api/v1/orders/{}", early["id"].as_str().unwrap()),
                &headers,
            )
            .await;
        assert_eq!(paid["state"], "fulfilled", "{paid}");
        assert_eq!(paid["breakdown"]["list_price"]["amount"], WEEK_PRICE);
        let period_version =
            sqlx::query("SELECT plan_version_id FROM line_periods WHERE order_id = $1")
                .bind(early["id"].as_str().unwrap())
                .fetch_one(app.db.reader())
                .await
                .and_then(|row| row.try_get::<String, _>(0))
                .expect("the order's period");
        assert_eq!(json!(period_version), versions[0]["id"]);

        // A change with a future effective_from is scheduled: the price in force holds
        // until then.
        let from = app.now() + Duration::days(2);
        let mut scheduled = week_entry(6_800);
        scheduled["effective_from"] = json!(from.to_rfc3339());
        let (_, _, answer) = put(&app, &key, &path, scheduled.clone()).await;
        assert_eq!(answer["new_version"], 3, "{answer}");
        assert_eq!(answer["plan"]["version_in_force"], 2);
        assert_eq!(on_sale(&app, WEEK).await.unwrap()["price"]["amount"], 5_800);
        let (_, _, again) = put(&app, &key, &path, scheduled).await;
        assert_eq!(again["outcome"], "unchanged", "{again}");
        app.advance(Duration::days(2));
        assert_eq!(on_sale(&app, WEEK).await.unwrap()["price"]["amount"], 6_800);

        let audited = audited_by(&app, &key, "bob").await;
        assert_eq!(
            audited,
            [
                format!("plan.version {WEEK}"),
                format!("plan.version {WEEK}")
            ]
        );
        let subject = admin_ok(
            &app,
            &key,
            Method::GET,
            &format!("/api/v1/admin/audit?subject={WEEK}"),
            None,
        )
        .await;
        let details: Vec<&str> = subject["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["detail"].as_str())
            .collect();
        assert!(
            details[0].starts_with("version 3, on sale from"),
            "{details:?}"
        );
        assert_eq!(details[1..], ["version 2", "version 1"]);
    }
);

story!(
    a_retired_plan_sells_no_more_and_its_lines_keep_their_period,
    |app| {
        let key = operator(&app, "carol").await;
        let token = app.log_in(DEMO_PHONE, DEMO_PASSWORD).await;
        let auth = bearer(&token);
        let headers = [("authorization", auth.as_str())];
        let (_, _, me_before) = app.me(&token).await;
        assert_eq!(
            me_before["lines"][0]["current_period"]["plan_code"],
            DEMO_PLAN
        );

        let path = format!("/api/v1/admin/plans/{DEMO_PLAN}/retire");
        let retired = admin_ok(&app, &key, Method::POST, &path, None).await;
        assert_eq!(
            (retired["outcome"].clone(), retired["retired"].clone()),
            (json!("changed"), json!(true))
        );
        assert!(retired["plan"]["retired_at"].is_string());
        assert!(on_sale(&app, DEMO_PLAN).await.is_none());
        let renewal = json!({ "kind": "renewal", "iccid": demo_iccid(), "plan_code": DEMO_PLAN,
        "periods": 1, "payment_method": "wallet" });
        let refused = app
            .post_json("/api/v1/orders", renewal.clone(), &headers)
            .await;
        assert_error(&refused, StatusCode::NOT_FOUND, "plan_not_found");
        let (_, _, me_after) = app.me(&token).await;
        assert_eq!(
            me_after["lines"], me_before["lines"],
            "the running period is untouched"
        );

        let before = catalog_rows(&app).await;
        let again = admin_ok(&app, &key, Method::POST, &path, None).await;
        assert_eq!(
            (again["outcome"].clone(), again["retired"].clone()),
            (json!("unchanged"), Value::Null)
        );
        assert_eq!(catalog_rows(&app).await, before);

        // The listing still has it; its entry, with retired false, puts it back on sale.
        let listed = admin_ok(&app, &key, Method::GET, "/api/v1/admin/plans", None).await;
        let plan = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"] == DEMO_PLAN)
            .unwrap()
            .clone();
        assert_eq!(plan["entry"]["retired"], true);
        let mut entry = plan["entry"].clone();
        entry["retired"] = json!(false);
        let (status, _, back) = put(
            &app,
            &key,
            &format!("/api/v1/admin/plans/{DEMO_PLAN}"),
            entry,
        )
        .await;
        assert_eq!(
            (status, back["retired"].clone(), back["new_version"].clone()),
            (StatusCode::OK, json!(false), Value::Null)
        );
        assert!(on_sale(&app, DEMO_PLAN).await.is_some());
        let (status, _, quote) = app.post_json("/api/v1/quotes", renewal, &headers).await;
        assert_eq!(status, StatusCode::OK, "{quote}");
        assert_eq!(
            audited_by(&app, &key, "carol").await,
            [
                format!("plan.reinstate {DEMO_PLAN}"),
                format!("plan.retire {DEMO_PLAN}")
            ]
        );
    }
);
