//! Logging in, the lock after failed logins, password reset, and moving an account
//! to a new phone.

use super::helpers::*;

// ----- logging in ------------------------------------------------------------------

story!(a_wrong_password_and_an_unknown_login_look_the_same, |app| {
    let phone = "+85261230013";
    app.register(phone, "kwok@example.com", PASSWORD).await;

    let wrong_password = app.try_log_in(phone, "not my password 1").await;
    let unknown_login = app.try_log_in("+85261239999", PASSWORD).await;
    let unknown_email = app.try_log_in("nobody@example.com", PASSWORD).await;
    assert_error(
        &wrong_password,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    );
    assert_eq!(wrong_password.2, unknown_login.2);
    assert_eq!(wrong_password.2, unknown_email.2);
    assert_eq!(unknown_login.0, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_email.0, StatusCode::UNAUTHORIZED);
});

story!(five_failed_logins_lock_the_login_for_a_while, |app| {
    let phone = "+85261230014";
    app.register(phone, "lam@example.com", PASSWORD).await;

    for _ in 0..5 {
        let reply = app.try_log_in(phone, "guessing again 1").await;
        assert_error(&reply, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let locked = app.try_log_in(phone, PASSWORD).await;
    assert_error(&locked, StatusCode::TOO_MANY_REQUESTS, "login_locked");
    let wait = retry_after(&locked.1);
    assert!(wait > 0, "Retry-After {wait}");

    // The same for a login nobody has: the lock does not tell them apart.
    let nobody = "+85261239998";
    for _ in 0..5 {
        let reply = app.try_log_in(nobody, "guessing again 1").await;
        assert_error(&reply, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let locked_nobody = app.try_log_in(nobody, PASSWORD).await;
    assert_eq!(locked_nobody.0, locked.0);
    assert_eq!(locked_nobody.2, locked.2);
    assert_eq!(retry_after(&locked_nobody.1), wait);

    app.advance_secs(wait);
    app.log_in(phone, PASSWORD).await;
    // Unlocked, and the next wrong try locks it again, for twice as long.
    let reply = app.try_log_in(nobody, "guessing again 1").await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "invalid_credentials");
    let relocked = app.try_log_in(nobody, PASSWORD).await;
    assert_error(&relocked, StatusCode::TOO_MANY_REQUESTS, "login_locked");
    assert!(retry_after(&relocked.1) > wait);
});

story!(old_failures_from_a_shared_address_are_forgotten, |app| {
    // An office behind one address: a burst of wrong guesses one morning…
    let office = [("x-forwarded-for", "198.51.100.80")];
    let phone = "+85261230025";
    app.register(phone, "office@example.com", PASSWORD).await;
    for n in 0..20 {
        let login = format!("+8526129{:04}", n / 5);
        let reply = app
            .post_json(
                "/api/v1/sessions",
                json!({ "login": login, "password": "guessing again 1" }),
                &office,
            )
            .await;
        assert_error(&reply, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    // …and the next day one colleague mistypes once: the others still get in.
    app.advance(chrono::Duration::days(1));
    let typo = app
        .post_json(
            "/api/v1/sessions",
            json!({ "login": "typo@example.com", "password": "harbour lights 8" }),
            &office,
        )
        .await;
    assert_error(&typo, StatusCode::UNAUTHORIZED, "invalid_credentials");
    let (status, _, body) = app
        .post_json(
            "/api/v1/sessions",
            json!({ "login": phone, "password": PASSWORD }),
            &office,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
});

// ----- password reset --------------------------------------------------------------

story!(reset_a_forgotten_password_by_sms, |app| {
    let phone = "+85261230015";
    let old_token = app.register(phone, "tsang@example.com", PASSWORD).await;
    app.advance_secs(60);

    let unknown = "+85261239997";
    let for_unknown = app
        .post_json(
            "/api/v1/verification-codes",
            json!({ "phone": unknown, "purpose": "reset_password" }),
            &[],
        )
        .await;
    let for_known = app
        .post_json(
            "/api/v1/verification-codes",
            json!({ "phone": phone, "purpose": "reset_password" }),
            &[],
        )
        .await;
    assert_eq!(for_known.0, StatusCode::ACCEPTED, "{}", for_known.2);
    assert_eq!((for_unknown.0, &for_unknown.2), (for_known.0, &for_known.2));
    assert!(app.messages_to(unknown).await.is_empty());

    let code = app.last_code(phone).await;
    let (status, _, body) = app
        .post_json(
            "/api/v1/password-resets",
            json!({ "phone": phone, "code": code, "new_password": NEW_PASSWORD }),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    assert_error(
        &app.me(&old_token).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
    assert_error(
        &app.try_log_in(phone, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    );
    app.log_in(phone, NEW_PASSWORD).await;
    let notice = app.last_message(phone).await.message;
    assert_eq!(notice.kind, "password_changed");
    assert_eq!(notice.channel, Channel::Sms);
});

story!(reset_a_forgotten_password_by_email, |app| {
    let phone = "+85261230016";
    let email = "mak@example.com";
    let old_token = app.register(phone, email, PASSWORD).await;

    let unknown = "nobody@example.com";
    let for_unknown = app
        .post_json(
            "/api/v1/verification-codes",
            json!({ "email": unknown, "purpose": "reset_password" }),
            &[],
        )
        .await;
    let for_known = app
        .post_json(
            "/api/v1/verification-codes",
            json!({ "email": email, "purpose": "reset_password" }),
            &[],
        )
        .await;
    assert_eq!(for_known.0, StatusCode::ACCEPTED, "{}", for_known.2);
    assert_eq!((for_unknown.0, &for_unknown.2), (for_known.0, &for_known.2));
    assert!(app.messages_to(unknown).await.is_empty());

    let mail = app.last_message(email).await.message;
    assert_eq!(mail.channel, Channel::Email);
    assert!(!mail.subject.is_empty());
    let code = app.last_code(email).await;
    let (status, _, body) = app
        .post_json(
            "/api/v1/password-resets",
            json!({ "email": email, "code": code, "new_password": NEW_PASSWORD }),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    assert_error(
        &app.me(&old_token).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
    assert_error(
        &app.try_log_in(email, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    );
    app.log_in(email, NEW_PASSWORD).await;
    let notice = app.last_message(email).await.message;
    assert_eq!(notice.kind, "password_changed");
    assert_eq!(notice.channel, Channel::Email);
});

// ----- changing phone --------------------------------------------------------------

story!(move_an_account_to_a_new_phone, |app| {
    let old_phone = "+85261230017";
    let new_phone = "+85261230018";
    let token = app.register(old_phone, "fung@example.com", PASSWORD).await;
    let auth = bearer(&token);

    app.request_code(new_phone, "change_phone", &[("authorization", &auth)])
        .await;
    let code = app.last_code(new_phone).await;
    let (status, _, body) = app
        .post_json(
            "/api/v1/me/phone",
            json!({ "phone": new_phone, "code": code }),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["phone"], new_phone);
    assert_eq!(app.me(&token).await.2["phone"], new_phone);

    app.log_in(new_phone, PASSWORD).await;
    assert_error(
        &app.try_log_in(old_phone, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    );
    let notice = app.last_message(old_phone).await.message;
    assert_eq!(notice.kind, "phone_changed");
    assert!(notice.body.contains("0018"), "{}", notice.body);
});

story!(a_phone_another_account_has_cannot_be_taken, |app| {
    let theirs = "+85261230019";
    let mine = "+85261230020";
    app.register(theirs, "first@example.com", PASSWORD).await;
    let token = app.register(mine, "second@example.com", PASSWORD).await;
    let auth = bearer(&token);
    let sent_to_them = app.messages_to(theirs).await;
    app.advance_secs(60);

    app.request_code(theirs, "change_phone", &[("authorization", &auth)])
        .await;
    assert_eq!(app.messages_to(theirs).await.len(), sent_to_them.len());

    let their_old_code = six_digits(&sent_to_them[0].message.body).expect("a code");
    for code in ["123456", their_old_code.as_str()] {
        let reply = app
            .post_json(
                "/api/v1/me/phone",
                json!({ "phone": theirs, "code": code }),
                &[("authorization", &auth)],
            )
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_code");
    }
    assert_eq!(app.me(&token).await.2["phone"], mine);
    app.log_in(theirs, PASSWORD).await;
});

story!(changing_phone_needs_a_session, |app| {
    let reply = app
        .post_json(
            "/api/v1/verification-codes",
            json!({ "phone": "+85261230021", "purpose": "change_phone" }),
            &[],
        )
        .await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthenticated");
    let reply = app
        .post_json(
            "/api/v1/me/phone",
            json!({ "phone": "+85261230021", "code": "123456" }),
            &[],
        )
        .await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthenticated");
    let reply = app
        .post_json(
            "/api/v1/me/phone",
            json!({ "phone": "+85261230021", "code": "123456" }),
            &[("authorization", "Bearer not-a-real-token")],
        )
        .await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthenticated");
    assert!(app.outbox().await.is_empty());
});
