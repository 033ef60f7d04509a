//! "Send a new code": under each code form, saying when it can be used; an early
//! press (or a flood of them) is refused clearly and sends nothing; once the
//! cooldown is over a new code goes, carrying what was typed at registration, and
//! the old code stops working.

use axum::http::StatusCode;

use super::{Browser, PASSWORD, count};

story!(the_verify_page_resends_the_code_after_its_cooldown, |app| {
    let mut browser = Browser::new(&app);
    browser.get("/register?lang=en").await;
    let page = browser
        .post(
            "/register",
            &[
                ("phone", "9876 5432"),
                ("email", "again@example.hk"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let first = app.last_code("+85298765432").await;

    // Right after the first code: the button is there and says when it works.
    let page = browser.get(&page.location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("action=\"/register/verify/resend\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("Send a new code"));
    assert!(
        page.body
            .contains("You can ask for a new code in 1 minute."),
        "{}",
        page.body
    );
    assert!(page.body.contains("data-resend-wait=\"60\""));

    // Pressed at once, and pressed again and again: refused, nothing sent.
    app.advance_secs(20);
    for _ in 0..5 {
        let page = browser
            .post("/register/verify/resend", &[("phone", "+85298765432")])
            .await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
        assert_eq!(count(&page.body, "role=\"alert\""), 1);
        assert!(
            page.body.contains("Too many codes requested")
                && page.body.contains("You can try again in 40 seconds."),
            "{}",
            page.body
        );
        // Still the verify page, with the phone, ready for the code.
        assert!(page.body.contains("name=\"phone\" value=\"+85298765432\""));
    }
    assert_eq!(app.count_rows("verification_codes").await, 1);
    assert_eq!(app.messages_to("+85298765432").await.len(), 1);

    // After the cooldown: a new code, the page says so.
    app.advance_secs(41);
    let page = browser
        .post("/register/verify/resend", &[("phone", "+85298765432")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(page.location.contains("sent=1"), "{}", page.location);
    let page = browser.get(&page.location).await;
    assert!(
        page.body
            .contains("A new code is on its way to +852 9876 5432."),
        "{}",
        page.body
    );
    let second = app.last_code("+85298765432").await;
    assert_eq!(app.messages_to("+85298765432").await.len(), 2);

    // The old code no longer works; the new one creates the account typed before.
    if first != second {
        let page = browser
            .post(
                "/register/verify",
                &[("phone", "+85298765432"), ("code", &first)],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    }
    let page = browser
        .post(
            "/register/verify",
            &[("phone", "+85298765432"), ("code", &second)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(browser.signed_in());
    let token = app.log_in("98765432", PASSWORD).await;
    let (_, _, me) = app.me(&token).await;
    assert_eq!(me["email"], "again@example.hk", "{me}");
});

story!(a_resend_without_a_registration_sends_nothing, |app| {
    let mut browser = Browser::new(&app);
    browser
        .get("/register/verify?phone=%2B85298760000&lang=en")
        .await;
    for phone in ["+85298760000", "not a phone", ""] {
        let page = browser
            .post("/register/verify/resend", &[("phone", phone)])
            .await;
        assert_eq!(
            page.status,
            StatusCode::BAD_REQUEST,
            "{phone:?}: {}",
            page.body
        );
        assert_eq!(count(&page.body, "role=\"alert\""), 1);
    }
    let page = browser
        .post("/register/verify/resend", &[("phone", "+85298760000")])
        .await;
    assert!(
        page.body
            .contains("This registration has expired. Please start again.")
    );
    assert_eq!(app.count_rows("verification_codes").await, 0);
    assert!(app.outbox().await.is_empty());
});

story!(the_reset_and_phone_change_pages_resend_too, |app| {
    app.register("+85261230010", "reset@example.hk", PASSWORD)
        .await;
    // The registration's code was the last to this phone: its cooldown over.
    app.advance_secs(61);
    let mut browser = Browser::new(&app);
    browser.get("/password-reset?lang=en").await;
    let page = browser
        .post("/password-reset", &[("login", "6123 0010")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = browser.get(&page.location).await;
    assert!(
        page.body
            .contains("action=\"/password-reset/confirm/resend\"")
    );
    assert!(
        page.body
            .contains("You can ask for a new code in 1 minute.")
    );
    let before = app.messages_to("+85261230010").await.len();
    let page = browser
        .post("/password-reset/confirm/resend", &[("login", "6123 0010")])
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.messages_to("+85261230010").await.len(), before);
    app.advance_secs(61);
    let page = browser
        .post("/password-reset/confirm/resend", &[("login", "6123 0010")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.messages_to("+85261230010").await.len(), before + 1);

    // Signed in, a new number's code.
    browser.get("/login").await;
    browser
        .post(
            "/login",
            &[("login", "+85261230010"), ("password", PASSWORD)],
        )
        .await;
    assert!(browser.signed_in());
    browser.get("/account/phone").await;
    let page = browser
        .post("/account/phone", &[("phone", "6123 0011")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = browser.get(&page.location).await;
    assert!(
        page.body
            .contains("action=\"/account/phone/confirm/resend\"")
    );
    let page = browser
        .post(
            "/account/phone/confirm/resend",
            &[("phone", "+85261230011")],
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.messages_to("+85261230011").await.len(), 1);
    app.advance_secs(61);
    let page = browser
        .post(
            "/account/phone/confirm/resend",
            &[("phone", "+85261230011")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.messages_to("+85261230011").await.len(), 2);
});
