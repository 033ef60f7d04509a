//! Accounts and throttles (issue 10, seen 4, 5, 8, 11): tries are used up before
//! they are checked, passwords are hashed only after the cheap checks and under a
//! cap, emails are proven before they count, and nothing in an answer tells
//! whether an account exists.

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, Method, StatusCode, header};
use serde_json::{Value, json};

use crate::support::*;

const PASSWORD: &str = "harbour lights 88";

fn retry_after(headers: &HeaderMap) -> Option<i64> {
    headers
        .get(header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
}

/// Any six digits other than `code`.
fn another_code(code: &str, step: u32) -> String {
    let number: u32 = code.parse().expect("a numeric code");
    format!("{:06}", (number + step) % 1_000_000)
}

/// Sends all `requests` at once through the router; the answers in order.
async fn all_at_once(
    app: &TestApp,
    requests: Vec<(Value, Vec<(String, String)>)>,
    path: &str,
) -> Vec<Reply> {
    let mut calls = tokio::task::JoinSet::new();
    for (index, (body, headers)) in requests.into_iter().enumerate() {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let request = json_request(Method::POST, path, Some(body), &headers);
        let router = app.router.clone();
        calls.spawn(async move { (index, call(router, request).await) });
    }
    let mut replies = Vec::new();
    while let Some(done) = calls.join_next().await {
        let (index, (status, headers, bytes)) = done.expect("the request task");
        replies.push((index, (status, headers, json_of(&bytes))));
    }
    replies.sort_by_key(|(index, _)| *index);
    replies.into_iter().map(|(_, reply)| reply).collect()
}

fn count(replies: &[Reply], code: &str) -> usize {
    replies
        .iter()
        .filter(|reply| error_code(&reply.2) == code)
        .count()
}

story!(parallel_wrong_passwords_lock_the_login, |app| {
    let phone = "+85261240001";
    app.register(phone, "parallel@example.com", PASSWORD).await;

    let guesses = (0..40)
        .map(|n| {
            let body = json!({ "login": phone, "password": format!("guessing again {n}") });
            (body, Vec::new())
        })
        .collect();
    let replies = all_at_once(&app, guesses, "/api/v1/sessions").await;
    let checked = count(&replies, "invalid_credentials");
    assert!(
        checked <= 5,
        "{checked} of 40 parallel guesses were checked"
    );
    for reply in &replies {
        match error_code(&reply.2) {
            "invalid_credentials" => {}
            "login_locked" | "busy" => assert!(retry_after(&reply.1).is_some(), "{:?}", reply.1),
            other => panic!("unexpected answer {other}: {}", reply.2),
        }
    }

    // Locked: even the right password is refused, with a time to come back.
    let locked = app.try_log_in(phone, PASSWORD).await;
    assert_error(&locked, StatusCode::TOO_MANY_REQUESTS, "login_locked");
    assert!(retry_after(&locked.1).is_some_and(|wait| wait > 0));
});

story!(
    parallel_coupon_guesses_get_no_more_tries_than_the_limit,
    |app| {
        datacard::demo::seed(&app).await.expect("demo seed");
        let token = app
            .register("+85261240002", "coupons@example.com", PASSWORD)
            .await;
        let auth = bearer(&token);
        let guesses = (0..60)
            .map(|n| {
                let body = json!({ "kind": "new_esim", "plan_code": "HK-30D-20G", "periods": 1,
                "payment_method": "card", "coupon": format!("GUESS{n}") });
                (body, vec![("authorization".to_owned(), auth.clone())])
            })
            .collect();
        let replies = all_at_once(&app, guesses, "/api/v1/quotes").await;
        let checked = count(&replies, "coupon_not_found");
        assert!(
            checked <= 5,
            "{checked} of 60 parallel coupon guesses were checked"
        );
        assert_eq!(checked + count(&replies, "coupon_attempts_locked"), 60);
    }
);

story!(
    parallel_wrong_reset_codes_get_no_more_tries_than_the_limit,
    |app| {
        let phone = "+85261240003";
        app.register(phone, "codes@example.com", PASSWORD).await;
        app.advance_secs(60);
        app.request_code(phone, "reset_password", &[]).await;
        let code = app.last_code(phone).await;

        let guesses = (1..=30)
            .map(|n| {
                let body = json!({ "phone": phone, "code": another_code(&code, n),
                "new_password": "star ferry at dusk 2026" });
                (body, Vec::new())
            })
            .collect();
        let replies = all_at_once(&app, guesses, "/api/v1/password-resets").await;
        let checked = count(&replies, "invalid_code");
        assert!(
            checked <= 5,
            "{checked} of 30 parallel wrong codes were checked"
        );
        // The right code comes too late: its tries are gone.
        let reply = app
            .post_json(
                "/api/v1/password-resets",
                json!({ "phone": phone, "code": code, "new_password": "star ferry at dusk 2026" }),
                &[],
            )
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "code_attempts_exceeded");
        app.log_in(phone, PASSWORD).await;
    }
);

async fn one_hasher(backend: Backend) -> Option<TestApp> {
    TestApp::start_with(backend, |config| config.accounts.max_concurrent_hashes = 1).await
}

story_with!(
    registrations_with_wrong_codes_never_hash,
    one_hasher,
    |app| {
        let phones: Vec<String> = (0..40).map(|n| format!("+852612500{n:02}")).collect();
        for (n, phone) in phones.iter().enumerate() {
            let client = format!("198.51.100.{n}");
            app.request_code(phone, "register", &[("x-forwarded-for", &client)])
                .await;
        }
        let registrations = phones
            .iter()
            .enumerate()
            .map(|(n, phone)| {
                let body = json!({ "phone": phone, "email": format!("wrong{n}@example.com"),
                "password": PASSWORD, "code": "000000" });
                (body, Vec::new())
            })
            .collect();
        let started = Instant::now();
        let replies = all_at_once(&app, registrations, "/api/v1/accounts").await;
        // With one hasher, 40 hashes would queue past its short wait: every answer is
        // about the code, none is `busy`.
        assert_eq!(
            count(&replies, "invalid_code"),
            40,
            "{:?}",
            replies.iter().map(|r| &r.2).collect::<Vec<_>>()
        );
        assert!(started.elapsed() < Duration::from_secs(20));
        assert_eq!(app.count_rows("accounts").await, 0);
    }
);

story_with!(
    a_hashing_flood_is_turned_away_and_creates_nothing,
    one_hasher,
    |app| {
        let phones: Vec<String> = (0..30).map(|n| format!("+852612600{n:02}")).collect();
        let mut codes = Vec::new();
        for (n, phone) in phones.iter().enumerate() {
            let client = format!("198.51.101.{n}");
            app.request_code(phone, "register", &[("x-forwarded-for", &client)])
                .await;
            codes.push(app.last_code(phone).await);
        }
        let registrations = phones
            .iter()
            .zip(&codes)
            .enumerate()
            .map(|(n, (phone, code))| {
                let body = json!({ "phone": phone, "email": format!("flood{n}@example.com"),
                "password": PASSWORD, "code": code });
                (body, Vec::new())
            })
            .collect();
        // The one hasher is busy (as it is while a flood is being hashed): every
        // registration waits its short while, then is turned away, and nothing is made.
        // Holding it here, rather than racing 30 requests for it, keeps the story the
        // same however fast or loaded the machine is.
        let held = app
            .app
            .hashers
            .clone()
            .acquire_owned()
            .await
            .expect("the hasher");
        let replies = all_at_once(&app, registrations, "/api/v1/accounts").await;
        let busy: Vec<&Reply> = replies
            .iter()
            .filter(|r| error_code(&r.2) == "busy")
            .collect();
        assert_eq!(
            busy.len(),
            30,
            "{:?}",
            replies.iter().map(|r| &r.2).collect::<Vec<_>>()
        );
        for reply in &busy {
            assert_eq!(reply.0, StatusCode::TOO_MANY_REQUESTS);
            assert!(retry_after(&reply.1).is_some());
        }
        assert_eq!(app.count_rows("accounts").await, 0);
        drop(held);
        // A turned-away registration can simply be sent again with the same code.
        let (n, _) = replies
            .iter()
            .enumerate()
            .find(|(_, r)| error_code(&r.2) == "busy")
            .expect("a busy answer");
        let again = app
            .post_json(
                "/api/v1/accounts",
                json!({ "phone": phones[n], "email": format!("flood{n}@example.com"),
                "password": PASSWORD, "code": codes[n] }),
                &[],
            )
            .await;
        assert_eq!(again.0, StatusCode::CREATED, "{}", again.2);
    }
);

story!(an_unverified_email_is_no_login_and_gets_no_reset, |app| {
    let phone = "+85261240004";
    let email = "unproven@example.com";
    app.request_code(phone, "register", &[]).await;
    let code = app.last_code(phone).await;
    let (status, _, account) = app
        .post_json(
            "/api/v1/accounts",
            json!({ "phone": phone, "email": email, "password": PASSWORD, "code": code }),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    assert_eq!(account["email_verified"], false);

    assert_error(
        &app.try_log_in(email, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    );
    let token = app.log_in(phone, PASSWORD).await;
    assert_eq!(app.me(&token).await.2["email_verified"], false);

    // A reset asked for by the unproven email sends nothing to it.
    let reset = app
        .post_json(
            "/api/v1/verification-codes",
            json!({ "email": email, "purpose": "reset_password" }),
            &[],
        )
        .await;
    assert_eq!(reset.0, StatusCode::ACCEPTED, "{}", reset.2);
    let kinds: Vec<String> = app
        .messages_to(email)
        .await
        .into_iter()
        .map(|e| e.message.kind)
        .collect();
    assert_eq!(kinds, ["email_verification"]);

    // A bad or reused token is refused; the link's token proves the email.
    let bad = app
        .post_json(
            "/api/v1/email-verifications",
            json!({ "token": "not-a-token" }),
            &[],
        )
        .await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "invalid_token");
    let link_token = app.email_token(email).await;
    let request = axum::http::Request::get(format!("/verify-email?token={link_token}"))
        .body(axum::body::Body::empty())
        .expect("a request");
    let (status, _, _) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    let reused = app
        .post_json(
            "/api/v1/email-verifications",
            json!({ "token": link_token }),
            &[],
        )
        .await;
    assert_error(&reused, StatusCode::BAD_REQUEST, "invalid_token");
    assert_eq!(app.me(&token).await.2["email_verified"], true);
    app.log_in(email, PASSWORD).await;

    // Asking again once verified changes nothing.
    let again = app
        .post_json(
            "/api/v1/me/email-verification",
            json!({}),
            &[("authorization", &bearer(&token))],
        )
        .await;
    assert_error(&again, StatusCode::CONFLICT, "email_already_verified");
});

story!(a_verification_link_can_be_sent_again_and_expires, |app| {
    let phone = "+85261240005";
    let email = "late@example.com";
    app.request_code(phone, "register", &[]).await;
    let code = app.last_code(phone).await;
    let reply = app
        .post_json(
            "/api/v1/accounts",
            json!({ "phone": phone, "email": email, "password": PASSWORD, "code": code }),
            &[],
        )
        .await;
    assert_eq!(reply.0, StatusCode::CREATED, "{}", reply.2);
    let old = app.email_token(email).await;
    app.advance(chrono::Duration::hours(25));
    let expired = app
        .post_json("/api/v1/email-verifications", json!({ "token": old }), &[])
        .await;
    assert_error(&expired, StatusCode::BAD_REQUEST, "token_expired");

    let token = app.log_in(phone, PASSWORD).await;
    let (status, _, body) = app
        .request(
            Method::POST,
            "/api/v1/me/email-verification",
            None,
            &[("authorization", &bearer(&token))],
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    app.verify_email(email).await;
    app.log_in(email, PASSWORD).await;
});

story!(
    a_taken_email_is_judged_only_after_the_code_and_uses_it_up,
    |app| {
        let owner_email = "owner.mail@example.com";
        app.register("+85261240006", owner_email, PASSWORD).await;

        let phone = "+85261240007";
        app.request_code(phone, "register", &[]).await;
        let code = app.last_code(phone).await;
        // Without the right code, a taken email and a free one answer alike.
        let wrong = another_code(&code, 1);
        let taken = app
        .post_json("/api/v1/accounts", json!({ "phone": phone, "email": owner_email, "password": PASSWORD, "code": wrong }), &[])
        .await;
        let free = app
        .post_json("/api/v1/accounts", json!({ "phone": phone, "email": "free@example.com", "password": PASSWORD, "code": another_code(&code, 2) }), &[])
        .await;
        assert_error(&taken, StatusCode::BAD_REQUEST, "invalid_code");
        assert_eq!((taken.0, &taken.2), (free.0, &free.2));

        // With it, the taken email is refused, the code is spent, and the owner is told.
        let refused = app
            .post_json(
                "/api/v1/accounts",
                json!({ "phone": phone, "email": owner_email, "password": PASSWORD, "code": code }),
                &[],
            )
            .await;
        assert_error(&refused, StatusCode::CONFLICT, "email_taken");
        let again = app
        .post_json("/api/v1/accounts", json!({ "phone": phone, "email": "free@example.com", "password": PASSWORD, "code": code }), &[])
        .await;
        assert_error(&again, StatusCode::BAD_REQUEST, "code_expired");
        let notice = app.last_message(owner_email).await.message;
        assert_eq!(notice.kind, "register_attempt");
        assert_eq!(six_digits(&notice.body), None);
        assert_eq!(app.count_rows("accounts").await, 1);
    }
);

story!(codes_leave_from_the_queue_whatever_the_account, |app| {
    let phone = "+85261240008";
    app.register(phone, "queued@example.com", PASSWORD).await;
    app.advance_secs(60);
    let sent_before = app.outbox_as_sent().await.len();

    let known = app
        .post_json(
            "/api/v1/verification-codes",
            json!({ "phone": phone, "purpose": "reset_password" }),
            &[],
        )
        .await;
    let unknown = app
        .post_json(
            "/api/v1/verification-codes",
            json!({ "phone": "+85261249999", "purpose": "reset_password" }),
            &[],
        )
        .await;
    assert_eq!((known.0, &known.2), (unknown.0, &unknown.2));
    assert_eq!(known.0, StatusCode::ACCEPTED);
    // Nothing was sent inside either request; the queue sends the one code.
    assert_eq!(app.outbox_as_sent().await.len(), sent_before);
    assert_eq!(
        datacard::jobs::pending(&app, datacard::accounts::MESSAGE_JOB)
            .await
            .expect("pending"),
        2
    );
    assert_eq!(
        app.last_message(phone).await.message.kind,
        "verification_code"
    );
    assert!(app.messages_to("+85261249999").await.is_empty());
});
