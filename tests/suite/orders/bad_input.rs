//! Orders refuse bad input, and an Idempotency-Key creates one order.

use super::helpers::*;

// ----- 9. bad input -------------------------------------------------------------------------

story!(orders_refuse_bad_input, |app| {
    let demo = Shopper::demo(&app).await;
    let chan = Shopper::registered(&app, "+85261239002", "chan.bad@example.com").await;

    let someone_elses = renewal(PLAN, 1, "card");
    let quote = chan.post("/api/v1/quotes", someone_elses.clone()).await;
    assert_error(&quote, StatusCode::NOT_FOUND, "line_not_found");
    assert_error(
        &chan.try_order(someone_elses).await,
        StatusCode::NOT_FOUND,
        "line_not_found",
    );
    let no_such_line = json!({ "kind": "renewal", "iccid": Iccid::with_check_digit("898520000000000999").expect("iccid").to_string(),
                               "plan_code": PLAN, "periods": 1, "payment_method": "card" });
    assert_error(
        &demo.try_order(no_such_line).await,
        StatusCode::NOT_FOUND,
        "line_not_found",
    );

    let cases = [
        (
            renewal("XX-NO-SUCH-PLAN", 1, "card"),
            StatusCode::NOT_FOUND,
            "plan_not_found",
        ),
        (
            renewal(PLAN, 0, "card"),
            StatusCode::BAD_REQUEST,
            "invalid_periods",
        ),
        (
            renewal(PLAN, 37, "card"),
            StatusCode::BAD_REQUEST,
            "invalid_periods",
        ),
        (
            top_up(10_000, "wallet"),
            StatusCode::BAD_REQUEST,
            "payment_method_unavailable",
        ),
        (top_up(1, "card"), StatusCode::BAD_REQUEST, "invalid_amount"),
        (
            json!({ "kind": "renewal", "plan_code": PLAN, "periods": 1, "payment_method": "card" }),
            StatusCode::BAD_REQUEST,
            "invalid_iccid",
        ),
        (
            // Unknown fields are refused (a client-sent price or discount is accepted
            // and ignored instead: see promotions_story).
            json!({ "kind": "renewal", "iccid": demo_iccid(), "plan_code": PLAN, "periods": 1,
                    "payment_method": "card", "surprise": 100 }),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({ "kind": "renewal", "iccid": demo_iccid(), "plan_code": PLAN, "periods": 1,
                    "payment_method": "bitcoin" }),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
    ];
    for (body, status, code) in cases {
        assert_error(&demo.try_order(body.clone()).await, status, code);
        assert_error(&demo.post("/api/v1/quotes", body).await, status, code);
    }
    let anonymous = app
        .post_json("/api/v1/orders", renewal(PLAN, 1, "card"), &[])
        .await;
    assert_error(&anonymous, StatusCode::UNAUTHORIZED, "unauthenticated");
    let anonymous = app.get_json("/api/v1/orders", &[]).await;
    assert_error(&anonymous, StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(app.count_rows("orders").await, 0, "nothing was created");
    assert_eq!(app.count_rows("payments").await, 0);
    assert_eq!(app.count_rows("sandbox_payments").await, 0);

    // Someone else's order is not found either.
    let order = demo.order(renewal(PLAN, 1, "card")).await;
    let path = format!("/api/v1/orders/{}", id_of(&order));
    assert_error(
        &app.get_json(&path, &chan.headers()).await,
        StatusCode::NOT_FOUND,
        "order_not_found",
    );
    let refresh = app
        .post_json(&format!("{path}/refresh"), json!({}), &chan.headers())
        .await;
    assert_error(&refresh, StatusCode::NOT_FOUND, "order_not_found");
    assert_eq!(chan.orders().await, Vec::<Value>::new());
});

story!(an_idempotency_key_creates_one_order, |app| {
    let demo = Shopper::demo(&app).await;
    let body = renewal(PLAN, 1, "card");
    let keyed = [
        ("authorization", demo.auth.as_str()),
        ("idempotency-key", "checkout-7f3a"),
    ];
    let (status, _, first) = app.post_json("/api/v1/orders", body.clone(), &keyed).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, headers, again) = app.post_json("/api/v1/orders", body.clone(), &keyed).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["payment"]["id"], first["payment"]["id"]);
    assert_eq!(headers["idempotent-replayed"], "true");
    assert_eq!(app.count_rows("orders").await, 1);
    assert_eq!(app.count_rows("payments").await, 1);

    let other = app
        .post_json("/api/v1/orders", renewal(PLAN, 2, "card"), &keyed)
        .await;
    assert_error(
        &other,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    );
    assert_eq!(app.count_rows("orders").await, 1);

    // A refused request does not use up its key.
    let broke = [
        ("authorization", demo.auth.as_str()),
        ("idempotency-key", "checkout-8b1c"),
    ];
    let refused = app
        .post_json("/api/v1/orders", renewal(PLAN, 3, "wallet"), &broke)
        .await;
    assert_error(&refused, StatusCode::CONFLICT, "insufficient_balance");
    let (status, _, retried) = app
        .post_json("/api/v1/orders", renewal(PLAN, 3, "wallet"), &broke)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{retried}");
    assert_eq!(app.count_rows("orders").await, 1);

    let listed = demo.orders().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], first["id"]);
});
