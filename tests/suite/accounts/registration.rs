//! Registering: an account, a session, a phone or email already taken, bad input,
//! and a retried registration.

use super::helpers::*;

// ----- registering ---------------------------------------------------------------

story!(register_log_in_and_log_out, |app| {
    let phone = "+85261230001";
    let email = "chan.taiman@example.com";

    let (status, _, body) = app
        .post_json(
            "/api/v1/verification-codes",
            json!({ "phone": phone, "purpose": "register" }),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body, json!({ "expires_in": 600 }));

    let sms = app.last_message(phone).await.message;
    assert_eq!(sms.channel, Channel::Sms);
    assert_eq!(sms.kind, "verification_code");
    assert_eq!(sms.locale, Locale::ZhHk, "SMS are in Cantonese by default");
    assert!(sms.body.contains("驗證碼"), "{}", sms.body);
    let code = app.last_code(phone).await;

    let (status, _, account) = app
        .post_json("/api/v1/accounts", registration(phone, email, &code), &[])
        .await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    assert_eq!(account["phone"], phone);
    assert_eq!(account["email"], email);
    assert!(account["id"].as_str().is_some_and(|id| !id.is_empty()));

    let (status, _, session) = app.try_log_in(phone, PASSWORD).await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    assert!(session["expires_at"].is_string());
    let token = session["token"].as_str().expect("a token").to_owned();
    // The email is a login once the link sent to it is opened.
    app.verify_email(email).await;
    let by_email = app.log_in(email, PASSWORD).await;
    // As people type them.
    app.log_in("+852 6123 0001", PASSWORD).await;
    app.log_in("Chan.TaiMan@Example.com", PASSWORD).await;

    let (status, _, me) = app.me(&token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["id"], account["id"]);
    assert_eq!(me["phone"], phone);
    assert_eq!(me["email"], email);
    assert_eq!(
        me["wallet"]["balance"],
        json!({ "amount": 0, "currency": "HKD" })
    );
    assert_eq!(me["lines"], json!([]));

    let (status, _, body) = app
        .delete(
            "/api/v1/sessions/current",
            &[("authorization", &bearer(&token))],
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_error(
        &app.me(&token).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );

    // Logging out ends this session only.
    assert_eq!(app.me(&by_email).await.0, StatusCode::OK);
});

story!(the_code_sms_is_in_english_when_asked, |app| {
    let phone = "+85261230002";
    app.request_code(phone, "register", &[("accept-language", "en")])
        .await;
    let sms = app.last_message(phone).await.message;
    assert_eq!(sms.locale, Locale::En);
    assert!(
        sms.body.contains("your verification code is"),
        "{}",
        sms.body
    );
    assert_eq!(app.last_code(phone).await.len(), 6);
});

story!(a_session_lasts_thirty_days, |app| {
    let token = app
        .register("+85261230023", "au@example.com", PASSWORD)
        .await;
    app.advance(chrono::Duration::days(29));
    assert_eq!(app.me(&token).await.0, StatusCode::OK);
    app.advance(chrono::Duration::days(1));
    assert_error(
        &app.me(&token).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
    assert_error(
        &app.delete("/api/v1/sessions/current", &[]).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
});

// ----- numbers and emails that already have an account ---------------------------

story!(registering_a_registered_phone_reveals_nothing, |app| {
    let phone = "+85261230008";
    app.register(phone, "owner@example.com", PASSWORD).await;
    let messages_before = app.messages_to(phone).await.len();
    app.advance_secs(60);

    let fresh = app
        .post_json(
            "/api/v1/verification-codes",
            json!({ "phone": "+85261230009", "purpose": "register" }),
            &[],
        )
        .await;
    let taken = app
        .post_json(
            "/api/v1/verification-codes",
            json!({ "phone": phone, "purpose": "register" }),
            &[],
        )
        .await;
    assert_eq!(
        (taken.0, &taken.2),
        (fresh.0, &fresh.2),
        "the asker cannot tell a registered number from a new one"
    );

    // The owner is told, and gets no code.
    let messages = app.messages_to(phone).await;
    assert_eq!(messages.len(), messages_before + 1);
    let notice = &messages[messages.len() - 1].message;
    assert_eq!(notice.kind, "already_registered");
    assert_eq!(six_digits(&notice.body), None, "{}", notice.body);
    assert!(notice.body.contains("/password-reset"), "{}", notice.body);

    let old_code = six_digits(&messages[0].message.body).expect("the first code");
    for code in [old_code.as_str(), "123456"] {
        let reply = app
            .post_json(
                "/api/v1/accounts",
                registration(phone, "intruder@example.com", code),
                &[],
            )
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_code");
    }
    assert_eq!(app.count_rows("accounts").await, 1);
});

story!(an_email_in_use_cannot_register_again, |app| {
    app.register("+85261230010", "cheung@example.com", PASSWORD)
        .await;

    let phone = "+85261230011";
    app.request_code(phone, "register", &[]).await;
    let code = app.last_code(phone).await;
    // The email is judged only after the code, and the refusal uses the code up:
    // finding out whether an address is registered costs a code each time.
    let reply = app
        .post_json(
            "/api/v1/accounts",
            registration(phone, "Cheung@Example.COM", &code),
            &[],
        )
        .await;
    assert_error(&reply, StatusCode::CONFLICT, "email_taken");
    let reply = app
        .post_json(
            "/api/v1/accounts",
            registration(phone, "cheung.junior@example.com", &code),
            &[],
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "code_expired");
    assert_error(
        &app.try_log_in(phone, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    );
    assert_eq!(app.count_rows("accounts").await, 1);
    assert_eq!(
        app.last_message("cheung@example.com").await.message.kind,
        "register_attempt"
    );

    // A new code and another email go through.
    app.advance_secs(60);
    app.request_code(phone, "register", &[]).await;
    let fresh = app.last_code(phone).await;
    let (status, _, body) = app
        .post_json(
            "/api/v1/accounts",
            registration(phone, "cheung.junior@example.com", &fresh),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
});

// ----- bad input -------------------------------------------------------------------

story!(bad_input_is_refused_and_changes_nothing, |app| {
    let phone = "+85261230012";
    let email = "yip@example.com";
    app.request_code(phone, "register", &[]).await;
    let code = app.last_code(phone).await;
    let register = |body: Value| app.post_json("/api/v1/accounts", body, &[]);

    for bad_phone in ["9123456", "+852 9123 456a", "＋85261230012"] {
        let reply = app
            .post_json(
                "/api/v1/verification-codes",
                json!({ "phone": bad_phone, "purpose": "register" }),
                &[],
            )
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_phone");
    }
    let reply = register(registration("12345", email, &code)).await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_phone");
    for bad_email in ["yip.example.com", "yip@", "yip @example.com", "yip@example"] {
        let reply = register(registration(phone, bad_email, &code)).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_email");
    }
    let contains_phone = format!("my {phone} phone");
    for weak in ["short 1", "password123", contains_phone.as_str()] {
        let body = json!({ "phone": phone, "email": email, "password": weak, "code": code });
        let reply = register(body).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "weak_password");
    }
    let mut unknown_field = registration(phone, email, &code);
    unknown_field["nickname"] = json!("Yip");
    assert_error(
        &register(unknown_field).await,
        StatusCode::BAD_REQUEST,
        "invalid_body",
    );
    assert_error(
        &register(json!({ "phone": phone })).await,
        StatusCode::BAD_REQUEST,
        "invalid_body",
    );

    let raw = |content_type, body| app.post_raw("/api/v1/accounts", content_type, body);
    let broken = br#"{"phone": "+85261230012", "email": "#.to_vec();
    assert_error(
        &raw(Some("application/json"), broken).await,
        StatusCode::BAD_REQUEST,
        "malformed_json",
    );
    let good_body = registration(phone, email, &code).to_string().into_bytes();
    assert_error(
        &raw(None, good_body.clone()).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    assert_error(
        &raw(Some("text/plain"), good_body).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let mut huge = registration(phone, email, &code);
    huge["padding"] = json!("x".repeat(3 << 20));
    assert_error(
        &raw(Some("application/json"), huge.to_string().into_bytes()).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    );

    assert_error(
        &app.get_json("/api/v1/nowhere", &[]).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &app.get_json("/api/v1/accounts", &[]).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );

    assert_eq!(app.count_rows("accounts").await, 0);
    assert_eq!(app.outbox().await.len(), 1, "only the one code was sent");
    assert_error(
        &app.try_log_in(phone, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    );

    // None of it used the code up.
    let (status, _, body) = register(registration(phone, email, &code)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
});

// ----- idempotency -----------------------------------------------------------------

story!(a_retried_registration_creates_one_account, |app| {
    let phone = "+85261230022";
    app.request_code(phone, "register", &[]).await;
    let code = app.last_code(phone).await;
    // The key is ignored: nothing of a request that carries a password is kept to be
    // replayed. The retry finds the code used, and the account is there to log in to.
    let key = [("idempotency-key", "register-7f3a")];

    let first = app
        .post_json(
            "/api/v1/accounts",
            registration(phone, "siu@example.com", &code),
            &key,
        )
        .await;
    assert_eq!(first.0, StatusCode::CREATED, "{}", first.2);
    assert!(first.1.get("idempotent-replayed").is_none());

    let again = app
        .post_json(
            "/api/v1/accounts",
            registration(phone, "siu@example.com", &code),
            &key,
        )
        .await;
    assert!(again.1.get("idempotent-replayed").is_none());
    assert_error(&again, StatusCode::BAD_REQUEST, "code_expired");
    assert_eq!(app.count_rows("accounts").await, 1);
    app.log_in(phone, PASSWORD).await;
});
