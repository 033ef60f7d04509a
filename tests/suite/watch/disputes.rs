//! Disputing a charge opens a support case with the references attached; an unpaid
//! order, another's order or alert and a malformed body are refused, nothing made.
//! The alert list (API and page) shows findings and the lines' data alerts.

use axum::body::Body;
use axum::http::{Request, header};

use super::helpers::*;

async fn dispute(app: &TestApp, sub: &Subscriber, order: &str, body: Option<Value>) -> Reply {
    app.request(
        Method::POST,
        &format!("/api/v1/orders/{order}/dispute"),
        body,
        &[("authorization", &sub.auth())],
    )
    .await
}

story!(a_dispute_opens_one_case_with_the_references, |app| {
    let sub = subscriber(&app, 50, 3).await;
    let other = subscriber(&app, 51, 3).await;
    let order = paid_top_up(&app, &sub, 10_000).await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let unpaid = app.order_top_up(&sub.auth(), 5_000, "card").await;
    let unpaid_id = unpaid["id"].as_str().unwrap().to_owned();

    // Refusals first: nothing is opened by any of them.
    let refusals = [
        (
            &sub,
            unpaid_id.as_str(),
            None,
            StatusCode::CONFLICT,
            "order_not_paid",
        ),
        (
            &other,
            order_id.as_str(),
            None,
            StatusCode::NOT_FOUND,
            "order_not_found",
        ),
        (
            &sub,
            "ord_nope",
            None,
            StatusCode::NOT_FOUND,
            "order_not_found",
        ),
        (
            &sub,
            order_id.as_str(),
            Some(json!({ "finding_id": "fnd_someone_elses" })),
            StatusCode::NOT_FOUND,
            "finding_not_found",
        ),
        (
            &sub,
            order_id.as_str(),
            Some(json!({ "finding": "x" })),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            &sub,
            order_id.as_str(),
            Some(json!({ "message": "x".repeat(5001) })),
            StatusCode::BAD_REQUEST,
            "invalid_message",
        ),
    ];
    for (who, order, body, status, code) in refusals {
        assert_error(&dispute(&app, who, order, body).await, status, code);
    }
    let request = Request::post(format!("/api/v1/orders/{order_id}/dispute"))
        .header(header::AUTHORIZATION, sub.auth())
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"message\": "))
        .unwrap();
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&json_of(&body)), "malformed_json");
    assert_eq!(app.count_rows("tickets").await, 0, "nothing opened");

    // The subscriber's own words, kept as text.
    let words = "<script>alert(1)</script> I never bought this";
    let (status, _, case) = dispute(&app, &sub, &order_id, Some(json!({ "message": words }))).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["category"], "payment");
    assert_eq!(case["order_id"], order_id.as_str());
    assert_eq!(case["state"], "open");
    let messages = case["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "the words and what was attached: {case}");
    assert_eq!(messages[0]["body"], words);
    assert_eq!(messages[1]["author"], "system");
    let reference =
        datacard::payments::store::provider_ref(&app, order["payment"]["id"].as_str().unwrap())
            .await
            .unwrap()
            .expect("a provider reference");
    assert!(
        messages[1]["body"].as_str().unwrap().contains(&reference),
        "{case}"
    );
    // Staff see the evidence; the subscriber does not.
    let thread = datacard::tickets::thread_for_staff(&app, case["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    let internal: Vec<&str> = thread
        .messages
        .iter()
        .filter(|m| m.internal)
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(internal.len(), 1);
    assert!(internal[0].contains("Disputed charge"), "{}", internal[0]);
    assert!(internal[0].contains(&reference));

    // Again while the case is in hand: the same case, nothing new.
    let (status, _, again) = dispute(&app, &sub, &order_id, None).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["id"], case["id"]);
    assert_eq!(app.count_rows("tickets").await, 1);
});

story!(an_alert_s_dispute_is_linked_to_its_case, |app| {
    let sub = subscriber(&app, 52, 3).await;
    let other = subscriber(&app, 53, 3).await;
    let order = paid_top_up(&app, &sub, 10_000).await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    pay_again(&app, &order).await;
    // The line's data alert too: 75 % of 20 GB used.
    use_data(
        &app,
        "big",
        &sub.iccid,
        16_500 * MB,
        app.now() - Duration::hours(1),
    )
    .await;
    app.advance(Duration::minutes(1));
    assert_eq!(scan_twice(&app).await, 1);

    let (status, _, alerts) = app
        .get_json(
            "/api/v1/me/alerts?lang=zh-HK",
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{alerts}");
    let alerts = alerts.as_array().unwrap().clone();
    let kinds: Vec<&str> = alerts.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["double_payment", "used_75"], "newest first");
    let charge = &alerts[0];
    assert_eq!(charge["category"], "charge");
    assert_eq!(charge["title"], "你的訂單付了兩次款");
    assert_eq!(charge["disputable"], true);
    assert_eq!(charge["order_id"], order_id.as_str());
    assert_eq!(charge["ticket_id"], Value::Null);
    assert_eq!(alerts[1]["category"], "usage");
    assert_eq!(alerts[1]["disputable"], false);
    // Another account sees none of it, and cannot use the alert.
    let (_, _, theirs) = app
        .get_json("/api/v1/me/alerts", &[("authorization", &other.auth())])
        .await;
    assert_eq!(theirs, json!([]));
    let finding = charge["id"].as_str().unwrap();
    let body = json!({ "finding_id": finding });
    assert_error(
        &dispute(&app, &other, &order_id, Some(body.clone())).await,
        StatusCode::NOT_FOUND,
        "order_not_found",
    );

    let (status, _, case) = dispute(&app, &sub, &order_id, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let (_, _, alerts) = app
        .get_json("/api/v1/me/alerts", &[("authorization", &sub.auth())])
        .await;
    assert_eq!(alerts[0]["ticket_id"], case["id"]);
    assert_eq!(
        datacard::watch::find(&app, finding)
            .await
            .unwrap()
            .unwrap()
            .ticket_id
            .as_deref(),
        case["id"].as_str()
    );
    // Not signed in: 401.
    let reply = app.get_json("/api/v1/me/alerts", &[]).await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthenticated");
});
