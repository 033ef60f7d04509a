//! Accounts, sessions, codes, the catalog and the demo, as a subscriber (or an app)
//! meets them through the API. Every story runs on SQLite and on PostgreSQL and ends
//! with the ledger check.

use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};

use datacard::i18n::Locale;
use datacard::messages::Channel;

use crate::support::*;

const PASSWORD: &str = "harbour lights 88";
const NEW_PASSWORD: &str = "star ferry at dusk 2026";

fn retry_after(headers: &axum::http::HeaderMap) -> i64 {
    headers
        .get(header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After header in {headers:?}"))
}

/// Any six digits other than `code`.
fn another_code(code: &str) -> String {
    let number: u32 = code.parse().expect("a numeric code");
    format!("{:06}", (number + 1) % 1_000_000)
}

fn registration(phone: &str, email: &str, code: &str) -> Value {
    json!({ "phone": phone, "email": email, "password": PASSWORD, "code": code })
}

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

// ----- the catalog and the demo ----------------------------------------------------

fn plan<'a>(plans: &'a Value, code: &str) -> &'a Value {
    plans
        .as_array()
        .and_then(|plans| plans.iter().find(|plan| plan["code"] == code))
        .unwrap_or_else(|| panic!("no plan {code} in {plans}"))
}

story!(the_catalog_lists_plans_in_the_readers_language, |app| {
    datacard::demo::seed(&app).await.expect("demo seed");

    let (status, _, plans) = app.get_json("/api/v1/plans", &[]).await;
    assert_eq!(status, StatusCode::OK, "{plans}");
    assert!(
        plans.as_array().is_some_and(|plans| plans.len() >= 8),
        "{plans}"
    );
    let monthly = plan(&plans, "HK-30D-20G");
    assert_eq!(monthly["data_allowance"], json!(21_474_836_480_u64));
    assert_eq!(
        monthly["price"],
        json!({ "amount": 8800, "currency": "HKD" })
    );
    assert_eq!(monthly["period"], json!({ "unit": "day", "count": 30 }));
    assert_eq!(monthly["name"], "香港 30 日 20GB");

    let english = "Hong Kong 30 Days 20 GB";
    let (_, _, by_query) = app.get_json("/api/v1/plans?lang=en", &[]).await;
    assert_eq!(plan(&by_query, "HK-30D-20G")["name"], english);
    let (_, _, by_header) = app
        .get_json("/api/v1/plans", &[("accept-language", "en-GB,en;q=0.8")])
        .await;
    assert_eq!(plan(&by_header, "HK-30D-20G")["name"], english);

    let unlimited = plan(&plans, "HK-30D-UNL");
    assert_eq!(unlimited["data_allowance"], Value::Null);
    assert_eq!(
        unlimited["fair_use"],
        json!({ "cap": 50_u64 << 30, "throttle_kbps": 1024 })
    );
    assert_eq!(monthly["fair_use"], Value::Null);
});

story!(the_demo_subscriber_has_a_line_mid_period, |app| {
    datacard::demo::seed(&app).await.expect("demo seed");
    datacard::demo::seed(&app).await.expect("seeding again");

    let token = app
        .log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    app.log_in(datacard::demo::DEMO_EMAIL, datacard::demo::DEMO_PASSWORD)
        .await;
    let (status, _, me) = app.me(&token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        me["wallet"]["balance"],
        json!({ "amount": 5000, "currency": "HKD" }),
        "the welcome credit is given once"
    );
    let lines = me["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 1, "{me}");
    let line = &lines[0];
    assert_eq!(line["status"], "active");
    assert!(
        line["activation_code"]
            .as_str()
            .is_some_and(|code| code.starts_with("LPA:1$")),
        "{line}"
    );
    let period = &line["current_period"];
    assert_eq!(period["plan_code"], "HK-30D-20G");
    let allowance = period["data_allowance"].as_u64().expect("an allowance");
    let used = period["data_used"].as_u64().expect("data used");
    let remaining = period["data_remaining"].as_u64().expect("data remaining");
    assert!(used > 0 && remaining > 0, "{period}");
    assert_eq!(remaining, allowance - used);

    let report = datacard::orders::store::check_books(&app.db)
        .await
        .expect("ledger check");
    assert!(report.is_clean(), "{report:?}");
    // The welcome credit, and the period's data allowance and opening use in the
    // quota ledger; seeding twice added nothing.
    assert_eq!(report.transactions, 3);
});

// ----- operations ------------------------------------------------------------------

story!(no_page_can_be_framed_or_sniffed, |app| {
    for path in ["/login", "/plans", "/api/v1/plans", "/no-such-page"] {
        let request = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .expect("request");
        let (_, headers, _) = app.send(request).await;
        let header = |name: header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(header(header::X_FRAME_OPTIONS), "DENY", "{path}");
        assert_eq!(
            header(header::CONTENT_SECURITY_POLICY),
            "frame-ancestors 'none'",
            "{path}"
        );
        assert_eq!(header(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{path}");
    }
});

story!(health_checks_and_the_api_description_answer, |app| {
    assert_eq!(app.get_json("/healthz", &[]).await.0, StatusCode::OK);
    assert_eq!(app.get_json("/readyz", &[]).await.0, StatusCode::OK);

    let (status, headers, doc) = app.get_json("/api/v1/openapi.json", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
    );
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/accounts",
        "/api/v1/sessions",
        "/api/v1/me",
        "/api/v1/plans",
        "/api/v1/verification-codes",
        "/api/v1/password-resets",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is not described");
    }
});
