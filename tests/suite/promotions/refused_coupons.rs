//! Coupons refused (unknown, expired, early, another plan) with nothing changed,
//! guessing rate-limited, and the checkout page saying why.

use super::helpers::*;

// ----- refused coupons ---------------------------------------------------------------------

story!(
    expired_unknown_and_wrong_plan_coupons_are_refused_and_nothing_changes,
    |app| {
        seed_with_test_coupons(&app).await;
        let ho = Shopper::new(&app, 4).await;
        let tables = [
            "orders",
            "payments",
            "promotion_redemptions",
            "coupon_account_uses",
            "jobs",
        ];
        let mut before = Vec::new();
        for table in tables {
            before.push(app.count_rows(table).await);
        }
        let cases = [
            (
                "NOPE-123",
                new_esim(PLAIN, 1, "card"),
                StatusCode::BAD_REQUEST,
                "coupon_not_found",
            ),
            (
                "SUMMER25",
                new_esim(PLAIN, 1, "card"),
                StatusCode::BAD_REQUEST,
                "coupon_expired",
            ),
            (
                "NEWYEAR",
                new_esim(PLAIN, 1, "card"),
                StatusCode::BAD_REQUEST,
                "coupon_not_yet_valid",
            ),
            (
                "DAYPASS",
                new_esim(PLAIN, 1, "card"),
                StatusCode::BAD_REQUEST,
                "coupon_not_applicable",
            ),
            (
                "CARDONLY",
                new_esim(PLAIN, 1, "alipay"),
                StatusCode::BAD_REQUEST,
                "coupon_not_applicable",
            ),
            (
                "BIGSPEND",
                new_esim(PLAIN, 1, "card"),
                StatusCode::BAD_REQUEST,
                "coupon_minimum_spend",
            ),
            (
                "WELCOME10",
                json!({ "kind": "wallet_topup", "amount": hkd(10_000), "payment_method": "card" }),
                StatusCode::BAD_REQUEST,
                "coupon_not_applicable",
            ),
        ];
        for (coupon, body, status, code) in cases {
            for path in ["/api/v1/quotes", "/api/v1/orders"] {
                let reply = ho.post(path, with_coupon(body.clone(), coupon), "en").await;
                assert_error(&reply, status, code);
            }
        }
        for (table, count) in tables.iter().zip(before) {
            assert_eq!(app.count_rows(table).await, count, "{table} unchanged");
        }
        let taken = "SELECT COUNT(*) FROM coupons WHERE redeemed <> 0 AND code <> $1";
        assert_eq!(scalar(&app, taken, "").await, 0, "no coupon was taken");

        // Right plan, right method, enough spent: the same coupons work.
        let day = ho
            .quote(with_coupon(new_esim("HK-1D-1G", 1, "card"), "daypass"))
            .await;
        assert_eq!(day["breakdown"]["discounts"][0]["amount"], hkd(900));
        let big = ho
            .quote(with_coupon(new_esim(MONTHLY, 6, "card"), "BIGSPEND"))
            .await;
        assert_eq!(
            big["breakdown"]["discounts"][1]["amount"],
            hkd(5000),
            "{big}"
        );
    }
);

story!(guessing_coupon_codes_is_rate_limited, |app| {
    seed(&app).await;
    let yip = Shopper::new(&app, 5).await;
    for n in 0..5 {
        let reply = yip
            .post(
                "/api/v1/quotes",
                with_coupon(new_esim(PLAIN, 1, "card"), &format!("GUESS{n}")),
                "en",
            )
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "coupon_not_found");
    }
    // Locked: even a good code is not looked at.
    let reply = yip
        .post(
            "/api/v1/quotes",
            with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10"),
            "en",
        )
        .await;
    assert_error(
        &reply,
        StatusCode::TOO_MANY_REQUESTS,
        "coupon_attempts_locked",
    );
    assert!(reply.1.contains_key(header::RETRY_AFTER));
    // Orders without a coupon are not held up.
    yip.quote(new_esim(PLAIN, 1, "card")).await;
    // Someone else is not locked out.
    let other = Shopper::new(&app, 6).await;
    other
        .quote(with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10"))
        .await;

    app.advance(Duration::seconds(61));
    yip.quote(with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10"))
        .await;
    // The count goes on: the next miss locks for twice as long.
    let reply = yip
        .post(
            "/api/v1/quotes",
            with_coupon(new_esim(PLAIN, 1, "card"), "GUESS9"),
            "en",
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "coupon_not_found");
    let reply = yip
        .post(
            "/api/v1/quotes",
            with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10"),
            "en",
        )
        .await;
    assert_error(
        &reply,
        StatusCode::TOO_MANY_REQUESTS,
        "coupon_attempts_locked",
    );
});

// ----- the checkout page -------------------------------------------------------------------

async fn review_page(app: &TestApp, cookie: &str, query: &str) -> (StatusCode, String) {
    let (status, _, body) = app
        .get_json(&format!("/checkout/review?{query}"), &[("cookie", cookie)])
        .await;
    (status, body.as_str().unwrap_or_default().to_owned())
}

story!(checkout_takes_a_coupon_and_says_why_it_is_refused, |app| {
    seed_with_test_coupons(&app).await;
    let chan = Shopper::new(&app, 7).await;
    let token = chan.auth.trim_start_matches("Bearer ").to_owned();
    let cookie = format!("dc_session={token}");
    let page = |query: &'static str| review_page(&app, &cookie, query);
    let (status, review) =
        page("plan=HK-30D-UNL&target=new&method=card&periods=1&coupon=welcome10&lang=en").await;
    assert_eq!(status, StatusCode::OK, "{review}");
    for text in [
        "First month −30 %",
        "30 % off the first period: your first order of this plan",
        "Welcome: 10 % off",
        "Coupon WELCOME10: 10 % off",
        "name=\"coupon\" value=\"WELCOME10\"",
    ] {
        assert!(
            review.contains(text),
            "the review shows {text:?}:\n{review}"
        );
    }
    let (status, refused) =
        page("plan=HK-30D-UNL&target=new&method=card&periods=1&coupon=SUMMER25&lang=en").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        refused.contains("data-code=\"coupon_expired\""),
        "{refused}"
    );
    assert!(refused.contains("This coupon has expired."), "{refused}");
    let (_, chinese) =
        page("plan=HK-30D-UNL&target=new&method=card&periods=1&coupon=ONLYONE&lang=zh-HK").await;
    assert!(chinese.contains("幸運一單"), "{chinese}");
    assert!(chinese.contains("首月七折"), "{chinese}");
});
