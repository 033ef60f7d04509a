//! Verification codes: tries, expiry, one use, and limits per phone and per address.

use super::helpers::*;

// ----- codes -----------------------------------------------------------------------

story!(five_wrong_codes_use_the_code_up, |app| {
    let phone = "+85261230003";
    app.request_code(phone, "register", &[]).await;
    let code = app.last_code(phone).await;
    let wrong = another_code(&code);

    for _ in 0..5 {
        let reply = app
            .post_json(
                "/api/v1/accounts",
                registration(phone, "lee@example.com", &wrong),
                &[],
            )
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_code");
    }
    let reply = app
        .post_json(
            "/api/v1/accounts",
            registration(phone, "lee@example.com", &code),
            &[],
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "code_attempts_exceeded");
    assert_eq!(app.count_rows("accounts").await, 0);

    // A new code works.
    app.advance_secs(60);
    app.request_code(phone, "register", &[]).await;
    let fresh = app.last_code(phone).await;
    let (status, _, body) = app
        .post_json(
            "/api/v1/accounts",
            registration(phone, "lee@example.com", &fresh),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
});

story!(a_code_expires_after_ten_minutes, |app| {
    let phone = "+85261230004";
    app.request_code(phone, "register", &[]).await;
    let code = app.last_code(phone).await;
    app.advance(chrono::Duration::minutes(11));
    let reply = app
        .post_json(
            "/api/v1/accounts",
            registration(phone, "ho@example.com", &code),
            &[],
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "code_expired");
    assert_eq!(app.count_rows("accounts").await, 0);
});

story!(a_used_code_cannot_be_used_again, |app| {
    let phone = "+85261230005";
    app.request_code(phone, "register", &[]).await;
    let code = app.last_code(phone).await;
    let (status, _, body) = app
        .post_json(
            "/api/v1/accounts",
            registration(phone, "wong@example.com", &code),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let reply = app
        .post_json(
            "/api/v1/accounts",
            registration(phone, "wong.again@example.com", &code),
            &[],
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "code_expired");
    assert_eq!(app.count_rows("accounts").await, 1);
});

story!(a_malformed_code_is_refused_without_using_a_try, |app| {
    let phone = "+85261230006";
    app.request_code(phone, "register", &[]).await;
    let code = app.last_code(phone).await;
    for malformed in ["12ab56", "12345", "1234567", ""] {
        let reply = app
            .post_json(
                "/api/v1/accounts",
                registration(phone, "ng@example.com", malformed),
                &[],
            )
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_code");
    }
    // Malformed entries are not counted as tries: four wrong ones still leave one.
    for _ in 0..4 {
        let reply = app
            .post_json(
                "/api/v1/accounts",
                registration(phone, "ng@example.com", &another_code(&code)),
                &[],
            )
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_code");
    }
    let (status, _, body) = app
        .post_json(
            "/api/v1/accounts",
            registration(phone, "ng@example.com", &code),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
});

story!(parallel_guesses_get_no_more_than_five_tries, |app| {
    let phone = "+85261230024";
    app.request_code(phone, "register", &[]).await;
    let code = app.last_code(phone).await;

    let mut guesses = tokio::task::JoinSet::new();
    let mut wrong = code.clone();
    for _ in 0..20 {
        wrong = another_code(&wrong);
        let request = json_request(
            Method::POST,
            "/api/v1/accounts",
            Some(registration(phone, "guess@example.com", &wrong)),
            &[],
        );
        guesses.spawn(call(app.router.clone(), request));
    }
    let mut judged = 0;
    while let Some(answer) = guesses.join_next().await {
        let (status, _, bytes) = answer.expect("the request task");
        let body = json_of(&bytes);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        if error_code(&body) == "invalid_code" {
            judged += 1;
        }
    }
    assert!(
        judged <= 5,
        "{judged} guesses were checked against the code"
    );
    let reply = app
        .post_json(
            "/api/v1/accounts",
            registration(phone, "guess@example.com", &code),
            &[],
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "code_attempts_exceeded");
});

story!(parallel_code_requests_send_one_code, |app| {
    let phone = "+85261230031";
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let request = json_request(
            Method::POST,
            "/api/v1/verification-codes",
            Some(serde_json::json!({"phone": phone, "purpose": "register"})),
            &[],
        );
        requests.spawn(call(app.router.clone(), request));
    }
    let mut sent = 0;
    while let Some(answer) = requests.join_next().await {
        let (status, _, bytes) = answer.expect("the request task");
        match status {
            StatusCode::ACCEPTED => sent += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(error_code(&json_of(&bytes)), "too_many_codes")
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(sent, 1, "the cooldown lets one code through");
    assert_eq!(app.messages_to(phone).await.len(), 1);
});

story!(codes_to_one_phone_are_limited, |app| {
    let phone = "+85261230007";
    app.request_code(phone, "register", &[]).await;

    // Asking again within a minute.
    let reply = app
        .post_json(
            "/api/v1/verification-codes",
            json!({ "phone": phone, "purpose": "register" }),
            &[],
        )
        .await;
    assert_error(&reply, StatusCode::TOO_MANY_REQUESTS, "too_many_codes");
    let wait = retry_after(&reply.1);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_eq!(app.messages_to(phone).await.len(), 1);

    // Four more, a minute apart, make five in the hour: the sixth must wait.
    for _ in 0..4 {
        app.advance_secs(60);
        app.request_code(phone, "register", &[]).await;
    }
    app.advance_secs(60);
    let reply = app
        .post_json(
            "/api/v1/verification-codes",
            json!({ "phone": phone, "purpose": "register" }),
            &[],
        )
        .await;
    assert_error(&reply, StatusCode::TOO_MANY_REQUESTS, "too_many_codes");
    let wait = retry_after(&reply.1);
    assert!((60..=3600).contains(&wait), "Retry-After {wait}");
    assert_eq!(app.messages_to(phone).await.len(), 5);

    // Once the first code is an hour old, another may be sent.
    app.advance_secs(wait);
    app.request_code(phone, "register", &[]).await;
});

story!(codes_from_one_address_are_limited, |app| {
    let busy = [("x-forwarded-for", "198.51.100.23")];
    for n in 0..20 {
        app.request_code(&format!("+8526200{n:04}"), "register", &busy)
            .await;
    }
    let reply = app
        .post_json(
            "/api/v1/verification-codes",
            json!({ "phone": "+85262009999", "purpose": "register" }),
            &busy,
        )
        .await;
    assert_error(&reply, StatusCode::TOO_MANY_REQUESTS, "too_many_codes");
    assert!(retry_after(&reply.1) > 0);
    assert!(app.messages_to("+85262009999").await.is_empty());

    // Someone else is not held back.
    app.request_code(
        "+85262009999",
        "register",
        &[("x-forwarded-for", "198.51.100.24")],
    )
    .await;
});
