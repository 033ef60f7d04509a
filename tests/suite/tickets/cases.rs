//! Support cases between a subscriber and staff: opened, answered (by email and SMS
//! in the subscriber's language), internal notes never in the subscriber's API or
//! page, another's case not found, closed cases taking no reply.

use super::helpers::*;

story!(
    staff_answers_reach_the_subscriber_and_internal_notes_never_do,
    |app| {
        let chan = Sub::register(&app, "+85261234567", "chan@example.com").await;
        let case = chan
            .open_case(
                &app,
                case_body(
                    "Charged twice?",
                    "My bank shows <script>alert(1)</script> two charges",
                ),
            )
            .await;
        assert_eq!(case["number"], "C-000001");
        assert_eq!(case["state"], "open");
        assert!(case["answer_expected_by"].is_string(), "{case}");
        let id = case["id"].as_str().unwrap().to_owned();

        let support = key(&app, "support-desk", Role::Support).await;
        let staff = [("authorization", support.as_str())];
        let note =
            json!({ "body": "SECRET: customer sounds upset, check the ledger", "internal": true });
        let (status, _, thread) = app
            .post_json(
                &format!("/api/v1/admin/tickets/{id}/messages"),
                note,
                &staff,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{thread}");
        assert_eq!(thread["state"], "open", "a note moves nothing");
        assert_eq!(
            app.send_case_notifications().await,
            0,
            "a note tells no one"
        );
        let answer =
            json!({ "body": "We found one charge only; the other is a hold your bank releases." });
        let (status, _, thread) = app
            .post_json(
                &format!("/api/v1/admin/tickets/{id}/messages"),
                answer,
                &staff,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{thread}");
        assert_eq!(thread["state"], "waiting_on_customer");
        assert!(thread["first_response_at"].is_string());
        assert_eq!(
            thread["messages"].as_array().unwrap().len(),
            3,
            "staff see everything"
        );

        // The subscriber: the answer, never the note; their own words as text.
        let (_, _, mine) = chan.get(&app, &format!("/api/v1/me/tickets/{id}")).await;
        let text = mine.to_string();
        assert!(text.contains("a hold your bank releases"), "{text}");
        assert!(!text.contains("SECRET"), "internal note leaked: {text}");
        assert!(mine["answer_expected_by"].is_null());
        let (_, _, list) = chan.get(&app, "/api/v1/me/tickets").await;
        assert!(!list.to_string().contains("SECRET"), "{list}");
        let (_, cookie) = app.portal_log_in(&chan.phone, "harbour lights 88").await;
        let (status, _, page) = app.page(&format!("/support/{id}?lang=en"), &cookie).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("a hold your bank releases") && !page.contains("SECRET"),
            "{page}"
        );
        assert!(!page.contains("<script>alert(1)"), "{page}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}"
        );

        // Told by email (the answer in their language) and SMS (the short link).
        assert_eq!(app.send_case_notifications().await, 1);
        let outbox = app.outbox().await;
        let email = outbox
            .iter()
            .find(|e| e.message.to == chan.email && e.message.kind == "ticket_reply")
            .expect("the reply email");
        assert!(
            email.message.body.contains("a hold your bank releases"),
            "{:?}",
            email.message
        );
        assert!(
            email.message.subject.contains("C-000001"),
            "{:?}",
            email.message
        );
        assert!(!email.message.body.contains("SECRET"));
        let sms = outbox
            .iter()
            .find(|e| e.message.to == chan.phone && e.message.kind == "ticket_reply")
            .expect("the reply SMS");
        assert!(
            sms.message.body.contains("https://datacard.test/c/1"),
            "{:?}",
            sms.message
        );
        let (status, location, _) = app.page("/c/1", &cookie).await;
        assert_eq!(
            (status, location.as_str()),
            (StatusCode::SEE_OTHER, format!("/support/{id}").as_str())
        );

        // The subscriber answers back: the case waits on staff again.
        let (status, _, _) = chan
            .post(
                &app,
                &format!("/api/v1/me/tickets/{id}/messages"),
                json!({ "body": "Thanks, and the hold?" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, _, thread) = app
            .get_json(&format!("/api/v1/admin/tickets/{id}"), &staff)
            .await;
        assert_eq!(thread["state"], "waiting_on_operator");
        let audit = app.count_rows("audit_log").await;
        assert!(
            audit >= 4,
            "open, note, reply and the customer's reply are audited: {audit}"
        );
    }
);

story!(another_subscribers_case_and_order_are_not_found, |app| {
    let chan = Sub::register(&app, "+85261234567", "chan@example.com").await;
    let lee = Sub::register(&app, "+85261234568", "lee@example.com").await;
    let image = b64(&png(4, 4));
    let case = chan
        .open_case(&app, json!({ "category": "install", "subject": "QR", "body": "It says invalid", "images": [image] }))
        .await;
    let id = case["id"].as_str().unwrap();
    let image_url = case["messages"][0]["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, headers, _) = chan.get(&app, &image_url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "image/png");

    let reply = lee.get(&app, &format!("/api/v1/me/tickets/{id}")).await;
    assert_error(&reply, StatusCode::NOT_FOUND, "ticket_not_found");
    let reply = lee.get(&app, &image_url).await;
    assert_error(&reply, StatusCode::NOT_FOUND, "attachment_not_found");
    let messages = app.count_rows("ticket_messages").await;
    let reply = lee
        .post(
            &app,
            &format!("/api/v1/me/tickets/{id}/messages"),
            json!({ "body": "mine now" }),
        )
        .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "ticket_not_found");
    assert_eq!(
        app.count_rows("ticket_messages").await,
        messages,
        "nothing stored"
    );
    let (_, lee_cookie) = app.portal_log_in(&lee.phone, "harbour lights 88").await;
    for path in [
        format!("/support/{id}"),
        format!(
            "/support/{id}/attachments/{}",
            image_url.rsplit('/').next().unwrap()
        ),
        "/c/1".to_owned(),
    ] {
        let (status, _, page) = app.page(&path, &lee_cookie).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {page}");
        assert!(!page.contains("It says invalid"));
    }
    let (status, _, _) = app.page(&format!("/support/{id}"), "").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "not signed in: to the login");

    // A case about another's order: refused as if the order did not exist.
    datacard::demo::seed(&app).await.unwrap();
    let demo = app
        .log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    let (status, _, order) = app.post_json("/api/v1/orders",
        json!({ "kind": "wallet_topup", "amount": { "amount": 10000, "currency": "HKD" }, "payment_method": "card" }),
        &[("authorization", &bearer(&demo))]).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let tickets = app.count_rows("tickets").await;
    let mut body = case_body("Not mine", "Someone else's order");
    body["order_id"] = order["id"].clone();
    let reply = lee.post(&app, "/api/v1/me/tickets", body).await;
    assert_error(&reply, StatusCode::NOT_FOUND, "order_not_found");
    let reply = lee
        .post(
            &app,
            &format!(
                "/api/v1/orders/{}/not-updated",
                order["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "order_not_found");
    assert_eq!(app.count_rows("tickets").await, tickets, "nothing stored");
});

story!(
    a_closed_case_takes_no_reply_and_resolved_cases_close_by_themselves,
    |app| {
        let chan = Sub::register(&app, "+85261234567", "chan@example.com").await;
        let case = chan
            .open_case(&app, case_body("Data slow", "Since this morning"))
            .await;
        let id = case["id"].as_str().unwrap();
        let support = key(&app, "support-desk", Role::Support).await;
        let staff = [("authorization", support.as_str())];
        let path = format!("/api/v1/admin/tickets/{id}");
        let patch = |body: Value| app.request(Method::PATCH, &path, Some(body), &staff);
        let reply = patch(json!({ "state": "opened" })).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_ticket_state");
        let reply = patch(json!({ "assignee": "nobody@example.com" })).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_assignee");
        let (status, _, resolved) = patch(json!({ "state": "resolved" })).await;
        assert_eq!(status, StatusCode::OK, "{resolved}");
        assert_eq!(resolved["state"], "resolved");
        let reply = patch(json!({ "state": "open" })).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_ticket_state");

        // A reply to a resolved case opens it again; resolved anew, it closes after the days.
        let (status, _, _) = chan
            .post(
                &app,
                &format!("/api/v1/me/tickets/{id}/messages"),
                json!({ "body": "Still slow" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, _, thread) = app
            .get_json(&format!("/api/v1/admin/tickets/{id}"), &staff)
            .await;
        assert_eq!(thread["state"], "waiting_on_operator");
        patch(json!({ "state": "resolved" })).await;
        app.advance(chrono::Duration::days(6));
        assert_eq!(
            datacard::tickets::auto_close(&app).await.unwrap(),
            0,
            "not yet"
        );
        app.advance(chrono::Duration::days(1) + chrono::Duration::minutes(1));
        assert_eq!(datacard::tickets::auto_close(&app).await.unwrap(), 1);
        let (_, _, mine) = chan.get(&app, &format!("/api/v1/me/tickets/{id}")).await;
        assert_eq!(mine["state"], "closed");

        let messages = app.count_rows("ticket_messages").await;
        let reply = chan
            .post(
                &app,
                &format!("/api/v1/me/tickets/{id}/messages"),
                json!({ "body": "Hello?" }),
            )
            .await;
        assert_error(&reply, StatusCode::CONFLICT, "ticket_closed");
        let reply = app
            .post_json(
                &format!("/api/v1/admin/tickets/{id}/messages"),
                json!({ "body": "Late answer" }),
                &staff,
            )
            .await;
        assert_error(&reply, StatusCode::CONFLICT, "ticket_closed");
        let reply = patch(json!({ "state": "resolved" })).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_ticket_state");
        assert_eq!(
            app.count_rows("ticket_messages").await,
            messages,
            "nothing stored"
        );
        let (csrf, cookie) = app.portal_log_in(&chan.phone, "harbour lights 88").await;
        let (_, _, page) = app.page(&format!("/support/{id}?lang=en"), &cookie).await;
        assert!(
            page.contains("This case is closed") && !page.contains("Send reply"),
            "{page}"
        );
        let (status, _, page) = app
            .post_multipart(
                &format!("/support/{id}/messages"),
                &cookie,
                &[("csrf", &csrf), ("body", "Hello?")],
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{page}");
        assert_eq!(app.count_rows("ticket_messages").await, messages);
    }
);

story!(bad_case_input_is_refused_with_nothing_stored, |app| {
    let chan = Sub::register(&app, "+85261234567", "chan@example.com").await;
    for (body, code) in [
        (
            json!({ "category": "jokes", "subject": "S", "body": "B" }),
            "invalid_category",
        ),
        (
            json!({ "category": "data", "subject": "", "body": "B" }),
            "invalid_subject",
        ),
        (
            json!({ "category": "data", "subject": "x".repeat(121), "body": "B" }),
            "invalid_subject",
        ),
        (
            json!({ "category": "data", "subject": "S", "body": "   " }),
            "invalid_message",
        ),
        (
            json!({ "category": "data", "subject": "S", "body": "y".repeat(5001) }),
            "invalid_message",
        ),
        (
            json!({ "category": "data", "subject": "S", "body": "B", "order_id": "ord_nope" }),
            "order_not_found",
        ),
    ] {
        let reply = chan.post(&app, "/api/v1/me/tickets", body).await;
        assert_eq!(error_code(&reply.2), code, "{:?}", reply.2);
    }
    let reply = chan
        .post(
            &app,
            "/api/v1/me/tickets",
            json!({ "category": "data", "subject": "S", "body": "B", "price": 1 }),
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_body");
    assert_eq!(app.count_rows("tickets").await, 0);
    assert_eq!(app.count_rows("ticket_messages").await, 0);

    // Sent twice with one Idempotency-Key (a retry on a bad connection): one case.
    let headers = [
        ("authorization", chan.auth.as_str()),
        ("idempotency-key", "case-retry-1"),
    ];
    let first = app
        .post_json("/api/v1/me/tickets", case_body("Retry", "Once"), &headers)
        .await;
    let again = app
        .post_json("/api/v1/me/tickets", case_body("Retry", "Once"), &headers)
        .await;
    assert_eq!(
        (first.0, again.0),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    assert_eq!(first.2["id"], again.2["id"]);
    assert_eq!(app.count_rows("tickets").await, 1);
    let other = app
        .post_json("/api/v1/me/tickets", case_body("Retry", "Twice"), &headers)
        .await;
    assert_error(
        &other,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    );
});

story_with!(
    too_many_cases_in_a_day_are_refused,
    |backend| TestApp::start_with(backend, |config| config.support.max_cases_per_day = 2),
    |app| {
        let chan = Sub::register(&app, "+85261234567", "chan@example.com").await;
        chan.open_case(&app, case_body("One", "First")).await;
        chan.open_case(&app, case_body("Two", "Second")).await;
        let reply = chan
            .post(&app, "/api/v1/me/tickets", case_body("Three", "Third"))
            .await;
        assert_error(&reply, StatusCode::TOO_MANY_REQUESTS, "too_many_tickets");
        assert_eq!(app.count_rows("tickets").await, 2);
        app.advance(chrono::Duration::days(1) + chrono::Duration::seconds(1));
        chan.open_case(&app, case_body("Three", "A day later"))
            .await;
    }
);
