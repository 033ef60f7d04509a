//! The portal's checkout charges only the price the subscriber confirmed: a price that
//! changed between the review and "Pay" (a new catalog version) is shown again.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::support::TestApp;

async fn pay(
    app: &TestApp,
    csrf: &str,
    cookie: &str,
    confirmed_total: i64,
) -> (StatusCode, String) {
    let (status, _, page) = pay_by(app, csrf, cookie, "card", confirmed_total).await;
    (status, page)
}

/// Presses Pay on the review page; the answer's status, `Location` and body.
async fn pay_by(
    app: &TestApp,
    csrf: &str,
    cookie: &str,
    method: &str,
    confirmed_total: i64,
) -> (StatusCode, String, String) {
    let iccid = datacard::demo::demo_iccid();
    let total = confirmed_total.to_string();
    let form = serde_urlencoded::to_string([
        ("csrf", csrf),
        ("plan", "HK-30D-20G"),
        ("target", iccid.as_str()),
        ("method", method),
        ("periods", "1"),
        ("confirmed_total", total.as_str()),
    ])
    .expect("form");
    let request = Request::post("/checkout?lang=en")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(form))
        .expect("request");
    let (status, headers, body) = app.send(request).await;
    let location = headers
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

story!(a_qr_order_says_until_when_it_can_be_paid, |app| {
    datacard::demo::seed(&app.app).await.expect("demo");
    let (csrf, cookie) = app
        .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    // HK$88.00 + 1.5 % Alipay fee = HK$89.32.
    let (status, location, page) = pay_by(&app, &csrf, &cookie, "alipay", 8932).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(location.starts_with("/orders/ord_"), "{location}");
    let request = Request::get(format!("{location}?lang=en"))
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .expect("request");
    let (status, _, body) = app.send(request).await;
    let page = String::from_utf8_lossy(&body);
    assert_eq!(status, StatusCode::OK, "{page}");
    // A QR payment is payable for 15 minutes, shown in Hong Kong time.
    let deadline = (app.now() + chrono::Duration::minutes(15))
        .with_timezone(&chrono_tz::Asia::Hong_Kong)
        .format("Pay by %-d %b %Y, %H:%M.")
        .to_string();
    assert!(page.contains(&deadline), "{deadline} in {page}");
    assert!(page.contains("Scan this code"), "{page}");
});

story!(a_price_changed_after_the_review_is_confirmed_again, |app| {
    datacard::demo::seed(&app.app).await.expect("demo");
    let (csrf, cookie) = app
        .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    // Reviewed at HK$88.00 + 2.5 % card fee = HK$90.20.
    let reviewed = 9020;

    // The operator raises the price before the subscriber presses Pay.
    let raised = datacard::catalog::DEMO_CATALOG.replace(
        "code = \"HK-30D-20G\"\nzone = \"hk\"\nperiod = { unit = \"day\", count = 30 }\ndata = \"20 GB\"\nprices = { HKD = 8800 }",
        "code = \"HK-30D-20G\"\nzone = \"hk\"\nperiod = { unit = \"day\", count = 30 }\ndata = \"20 GB\"\nprices = { HKD = 9800 }",
    );
    assert_ne!(
        raised,
        datacard::catalog::DEMO_CATALOG,
        "the demo catalog has HK-30D-20G at HK$88"
    );
    let file = datacard::promotions::catalog_file::parse(&raised).expect("a valid catalog");
    datacard::promotions::catalog_file::import(&app.app, &file, "test")
        .await
        .expect("import");

    let plans = datacard::catalog::list(&app.app).await.expect("plans");
    let price = plans
        .iter()
        .find(|p| p.code.as_str() == "HK-30D-20G")
        .and_then(|p| p.prices.values().next().copied());
    assert_eq!(price, Some(9800), "the new version is on sale");
    let (status, page) = pay(&app, &csrf, &cookie, reviewed).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(
        page.contains("The price changed since you reviewed it"),
        "{page}"
    );
    assert!(
        page.contains("HK$90.20") && page.contains("HK$100.45"),
        "{page}"
    );
    assert_eq!(app.count_rows("orders").await, 0, "nothing was ordered");

    // Confirming the new price goes through to the provider.
    let (status, page) = pay(&app, &csrf, &cookie, 10_045).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(app.count_rows("orders").await, 1);
});

story!(
    an_api_order_with_an_outdated_expected_total_is_refused,
    |app| {
        datacard::demo::seed(&app.app).await.expect("demo");
        let token = app
            .log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        let auth = crate::support::bearer(&token);
        let headers = [("authorization", auth.as_str())];
        let body = |expected: i64| {
            serde_json::json!({
                "kind": "renewal", "iccid": datacard::demo::demo_iccid(), "plan_code": "HK-30D-20G",
                "payment_method": "card", "expected_total": {"amount": expected, "currency": "HKD"}
            })
        };
        let quote = app.post_json("/api/v1/quotes", body(9020), &headers).await;
        assert_eq!(quote.0, StatusCode::OK, "{}", quote.2);
        assert_eq!(quote.2["breakdown"]["total"]["amount"], 9020);

        let raised = datacard::catalog::DEMO_CATALOG.replace(
            "data = \"20 GB\"\nprices = { HKD = 8800 }",
            "data = \"20 GB\"\nprices = { HKD = 9800 }",
        );
        let file = datacard::promotions::catalog_file::parse(&raised).expect("a valid catalog");
        datacard::promotions::catalog_file::import(&app.app, &file, "test")
            .await
            .expect("import");

        let refused = app.post_json("/api/v1/orders", body(9020), &headers).await;
        crate::support::assert_error(&refused, StatusCode::CONFLICT, "price_changed");
        assert_eq!(app.count_rows("orders").await, 0);
        let accepted = app
            .post_json("/api/v1/orders", body(10_045), &headers)
            .await;
        assert_eq!(accepted.0, StatusCode::CREATED, "{}", accepted.2);
        assert_eq!(app.count_rows("orders").await, 1);
    }
);

story!(renewing_by_hand_a_line_that_renews_itself_says_so, |app| {
    datacard::demo::seed(&app.app).await.expect("demo");
    let (_, cookie) = app
        .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    let iccid = datacard::demo::demo_iccid();
    let review = |cookie: String, iccid: String| {
        let app = &app;
        async move {
            let query = serde_urlencoded::to_string([
                ("plan", "HK-30D-20G"),
                ("target", iccid.as_str()),
                ("method", "card"),
                ("periods", "1"),
                ("lang", "en"),
            ])
            .expect("query");
            let request = Request::get(format!("/checkout/review?{query}"))
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .expect("request");
            let (status, _, body) = app.send(request).await;
            assert_eq!(status, StatusCode::OK);
            String::from_utf8_lossy(&body).into_owned()
        }
    };
    let page = review(cookie.clone(), iccid.clone()).await;
    assert!(!page.contains("auto-renew-on"), "{page}");

    let account = datacard::auto_renew::owner_of(&app.app, &iccid)
        .await
        .expect("owner")
        .expect("the demo line has an owner");
    let change = datacard::auto_renew::Change {
        enabled: true,
        method: Some(datacard::payments::Method::Wallet),
        trigger: None,
        hours_before: None,
        plan_code: None,
        periods: None,
        sms: None,
    };
    datacard::auto_renew::update(&app.app, &account, &iccid, &change)
        .await
        .expect("auto-renew on");
    let page = review(cookie, iccid).await;
    assert!(
        page.contains("Auto-renew is on for this line"),
        "the subscriber is told before paying: {page}"
    );
    assert_eq!(app.count_rows("orders").await, 0, "a review orders nothing");
});

/// Posts the review form's Pay with the given periods and confirmed total (`None`:
/// left out); the answer's status and page.
async fn pay_with(
    app: &TestApp,
    csrf: &str,
    cookie: &str,
    periods: &str,
    confirmed_total: Option<&str>,
) -> (StatusCode, String) {
    let iccid = datacard::demo::demo_iccid();
    let mut fields = vec![
        ("csrf", csrf),
        ("plan", "HK-30D-20G"),
        ("target", iccid.as_str()),
        ("method", "card"),
        ("periods", periods),
    ];
    if let Some(total) = confirmed_total {
        fields.push(("confirmed_total", total));
    }
    let form = serde_urlencoded::to_string(fields).expect("form");
    let request = Request::post("/checkout?lang=en")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(form))
        .expect("request");
    let (status, _, body) = app.send(request).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

story!(bad_periods_are_refused_not_read_as_one, |app| {
    datacard::demo::seed(&app.app).await.expect("demo");
    let (csrf, cookie) = app
        .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    // HK$88.00 + 2.5 % card fee: what one period costs, so a silent 1 would be charged.
    for periods in ["-1", "4294967296", "NaN", "1.5", "🙂", "0", "10000"] {
        let (status, page) = pay_with(&app, &csrf, &cookie, periods, Some("9020")).await;
        assert_ne!(status, StatusCode::SEE_OTHER, "{periods:?} ordered: {page}");
        assert!(
            page.contains("Choose between 1 and 36 periods."),
            "{periods:?}: {page}"
        );
        assert_eq!(app.count_rows("orders").await, 0, "{periods:?} ordered");
    }
});

story!(a_missing_or_garbled_total_shows_the_review_again, |app| {
    datacard::demo::seed(&app.app).await.expect("demo");
    let (csrf, cookie) = app
        .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    for total in [
        None,
        Some(""),
        Some("abc"),
        Some("90.20"),
        Some("1e3"),
        Some("1"),
    ] {
        let (status, page) = pay_with(&app, &csrf, &cookie, "1", total).await;
        assert_eq!(status, StatusCode::CONFLICT, "{total:?}: {page}");
        assert!(
            page.contains("HK$90.20"),
            "the review with its total: {page}"
        );
        assert_eq!(app.count_rows("orders").await, 0, "{total:?} ordered");
    }
    // The total the review showed pays.
    let (status, page) = pay_with(&app, &csrf, &cookie, "1", Some("9020")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(app.count_rows("orders").await, 1);
});
