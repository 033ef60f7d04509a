//! "I paid but it didn't update": on a lost notification the provider's answer
//! fulfils the order on the spot and no case opens; on a payment the provider knows
//! nothing of, a case opens with the order, the payment, its reference and every
//! event attached for staff, and the subscriber is told when to expect an answer.

use super::helpers::*;

async fn demo_token(app: &TestApp) -> String {
    datacard::demo::seed(app).await.expect("demo seed");
    bearer(
        &app.log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await,
    )
}

async fn card_renewal(app: &TestApp, auth: &str) -> Value {
    let iccid = datacard::demo::demo_iccid();
    let body = json!({ "kind": "renewal", "iccid": iccid, "plan_code": "HK-30D-20G", "periods": 1, "payment_method": "card" });
    let (status, _, order) = app
        .post_json("/api/v1/orders", body, &[("authorization", auth)])
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    order
}

story_with!(
    a_lost_notification_is_repaired_by_the_button_and_no_case_opens,
    |backend| TestApp::start_with(backend, |config| config
        .payments
        .sandbox
        .lose_notifications = true),
    |app| {
        let auth = demo_token(&app).await;
        let order = card_renewal(&app, &auth).await;
        let id = order["id"].as_str().unwrap();
        let payment = order["payment"]["id"].as_str().unwrap();
        let (status, _, _) = app
            .post_raw(
                &format!("/sandbox/pay/{payment}"),
                Some("application/x-www-form-urlencoded"),
                b"outcome=succeed".to_vec(),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        app.advance_secs(5);
        let (_, _, still) = app
            .get_json(&format!("/api/v1/orders/{id}"), &[("authorization", &auth)])
            .await;
        assert_eq!(
            still["state"], "pending_payment",
            "the notification was lost"
        );

        let (status, _, answer) = app
            .post_json(
                &format!("/api/v1/orders/{id}/not-updated"),
                json!({}),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["order"]["state"], "fulfilled", "{answer}");
        assert!(answer["ticket"].is_null(), "{answer}");
        assert_eq!(app.count_rows("tickets").await, 0);
        // Pressed again: the order as it is, still no case.
        let (_, _, again) = app
            .post_json(
                &format!("/api/v1/orders/{id}/not-updated"),
                json!({}),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(again["order"]["state"], "fulfilled");
        assert_eq!(app.count_rows("tickets").await, 0);
    }
);

story!(an_unknown_payment_opens_a_case_with_the_evidence, |app| {
    let auth = demo_token(&app).await;
    let order = card_renewal(&app, &auth).await;
    let id = order["id"].as_str().unwrap();
    let payment = order["payment"]["id"].as_str().unwrap();
    app.advance_secs(10);

    let (status, _, answer) = app
        .post_json(
            &format!("/api/v1/orders/{id}/not-updated?lang=en"),
            json!({}),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["order"]["state"], "pending_payment");
    let case = &answer["ticket"];
    assert_eq!(case["number"], "C-000001", "{answer}");
    assert_eq!(case["category"], "payment");
    assert_eq!(case["order_id"], id);
    assert!(case["answer_expected_by"].is_string());
    let said = case["messages"].to_string();
    assert!(said.contains("You do not need to pay again"), "{said}");
    assert!(!said.contains(payment), "the evidence is for staff: {said}");

    let support = key(&app, "desk", Role::Support).await;
    let (_, _, thread) = app
        .get_json(
            &format!("/api/v1/admin/tickets/{}", case["id"].as_str().unwrap()),
            &[("authorization", &support)],
        )
        .await;
    let evidence = thread["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["internal"] == true)
        .expect("the evidence, as an internal note")["body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        evidence.contains(id) && evidence.contains(payment),
        "{evidence}"
    );
    assert!(evidence.contains("provider reference"), "{evidence}");
    assert!(evidence.contains("sandbox"), "{evidence}");

    // Pressed again (later, so the provider is asked again): the same case.
    app.advance_secs(10);
    let (_, _, again) = app
        .post_json(
            &format!("/api/v1/orders/{id}/not-updated"),
            json!({}),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(again["ticket"]["id"], case["id"]);
    assert_eq!(app.count_rows("tickets").await, 1);

    // The order page's button, as a browser presses it: on to the case.
    let (csrf, cookie) = app
        .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    let (_, _, page) = app.page(&format!("/orders/{id}?lang=en"), &cookie).await;
    assert!(page.contains("data-testid=\"not-updated\""), "{page}");
    let form = serde_urlencoded::to_string([("csrf", csrf.as_str())]).unwrap();
    let request = Request::post(format!("/orders/{id}/not-updated"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &cookie)
        .body(Body::from(form))
        .unwrap();
    let (status, headers, _) = app.send(request).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        format!("/support/{}?opened=1", case["id"].as_str().unwrap())
    );
    let (_, _, page) = app.page(&format!("{location}&lang=en"), &cookie).await;
    assert!(page.contains("We will answer by"), "{page}");
    assert!(page.contains(&format!("href=\"/orders/{id}\"")), "{page}");
});
