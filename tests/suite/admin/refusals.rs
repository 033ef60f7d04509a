//! Bad input for every admin write: each gets a clear error (a stable code, a
//! message for people, the problems named in `details`) and changes nothing.

use super::*;

/// Asserts the refusal, that its message or details mention `needle`, and returns
/// the body.
#[track_caller]
fn refused(reply: &Reply, status: StatusCode, code: &str, needle: &str) {
    assert_error(reply, status, code);
    let text = reply.2["error"]["message"].as_str().unwrap_or_default();
    assert!(text.contains(needle), "{needle:?} not in {}", reply.2);
}

fn promotion(extra: Value) -> Value {
    let mut entry = json!({ "code": "NEW-OFFER", "kind": "first_period", "percent": 20,
        "first_order_of": "any", "names": { "en": "New offer" } });
    for (field, value) in extra.as_object().expect("an object") {
        entry[field] = value.clone();
    }
    entry
}

fn coupon(extra: Value) -> Value {
    let mut entry = json!({ "code": "NEW-COUPON", "percent": 10, "names": { "en": "New coupon" } });
    for (field, value) in extra.as_object().expect("an object") {
        entry[field] = value.clone();
    }
    entry
}

story!(
    every_endpoint_refuses_callers_without_an_operator_key,
    |app| {
        let key = operator(&app, "frank").await;
        let revoked = api_keys::create(&app, &OPERATOR, "revoked")
            .await
            .expect("a key");
        assert!(
            api_keys::revoke(&app, &OPERATOR, "revoked")
                .await
                .expect("revoke")
        );
        let network = api_keys::create(&app, &NETWORK, "mme-1")
            .await
            .expect("a network key");
        let subscriber = app.log_in(DEMO_PHONE, DEMO_PASSWORD).await;
        let mut endpoints = vec![
            (Method::GET, "/api/v1/admin/plans".to_owned(), None),
            (Method::GET, format!("/api/v1/admin/plans/{WEEK}"), None),
            (
                Method::PUT,
                format!("/api/v1/admin/plans/{WEEK}"),
                Some(week_entry(1)),
            ),
            (
                Method::POST,
                format!("/api/v1/admin/plans/{WEEK}/retire"),
                None,
            ),
            (Method::GET, "/api/v1/admin/promotions".to_owned(), None),
            (
                Method::GET,
                "/api/v1/admin/promotions/BUY3GET1".to_owned(),
                None,
            ),
            (
                Method::POST,
                "/api/v1/admin/promotions/BUY3GET1/retire".to_owned(),
                None,
            ),
            (Method::GET, "/api/v1/admin/coupons".to_owned(), None),
            (
                Method::GET,
                "/api/v1/admin/coupons/WELCOME10".to_owned(),
                None,
            ),
            (
                Method::POST,
                "/api/v1/admin/coupons/WELCOME10/retire".to_owned(),
                None,
            ),
            (Method::GET, "/api/v1/admin/audit".to_owned(), None),
        ];
        endpoints.push((Method::PUT, "/api/v1/admin/promotions/BUY3GET1".to_owned(),
        Some(json!({ "code": "BUY3GET1", "kind": "free_periods", "buy": 1, "free": 9, "names": { "en": "x" } }))));
        endpoints.push((
            Method::PUT,
            "/api/v1/admin/coupons/WELCOME10".to_owned(),
            Some(json!({ "code": "WELCOME10", "percent": 90, "names": { "en": "x" } })),
        ));
        let before = catalog_rows(&app).await;
        let session_cookie = format!("dc_session={subscriber}");
        let wrong = format!("{}x", &key[..key.len() - 1]);
        let credentials: Vec<(&str, Vec<(&str, String)>)> = vec![
            ("no key", vec![]),
            ("a wrong key", vec![("authorization", bearer(&wrong))]),
            ("a made-up key", vec![("authorization", bearer("dco_nope"))]),
            ("a revoked key", vec![("authorization", bearer(&revoked))]),
            ("a network key", vec![("authorization", bearer(&network))]),
            (
                "the demo network key",
                vec![("authorization", bearer(DEMO_NETWORK_KEY))],
            ),
            (
                "a subscriber's token",
                vec![("authorization", bearer(&subscriber))],
            ),
            (
                "a subscriber's session cookie",
                vec![("cookie", session_cookie.clone())],
            ),
            (
                "another scheme",
                vec![("authorization", format!("Basic {key}"))],
            ),
        ];
        for (method, path, body) in &endpoints {
            for (who, headers) in &credentials {
                let headers: Vec<(&str, &str)> =
                    headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
                let reply = app
                    .request(method.clone(), path, body.clone(), &headers)
                    .await;
                assert_eq!(
                    reply.0,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} with {who}: {}",
                    reply.2
                );
                assert_error(&reply, StatusCode::UNAUTHORIZED, "invalid_operator_key");
            }
        }
        // Not even a malformed body gets past the door first.
        let request = Request::put(format!("/api/v1/admin/plans/{WEEK}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{not json"))
            .expect("a request");
        let (status, _, _) = app.send(request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(catalog_rows(&app).await, before, "nothing changed");
        let (status, _, _) = admin(&app, &key, Method::GET, "/api/v1/admin/plans", None).await;
        assert_eq!(status, StatusCode::OK, "the right key still works");
    }
);

story!(bad_plans_are_refused_and_change_nothing, |app| {
    let key = operator(&app, "grace").await;
    let before = catalog_rows(&app).await;
    let path = format!("/api/v1/admin/plans/{NEW_PLAN}");
    let with = |field: &str, value: Value| {
        let mut entry = new_plan_entry(2_800);
        entry[field] = value;
        entry
    };

    let raw = |body: &'static str, content_type: Option<&'static str>| {
        let mut request = Request::put(path.as_str()).header(header::AUTHORIZATION, bearer(&key));
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        request.body(Body::from(body)).expect("a request")
    };
    let (status, _, bytes) = app
        .send(raw("{\"code\": \"HK-3D-3G\",", Some("application/json")))
        .await;
    refused(
        &(status, Default::default(), json_of(&bytes)),
        StatusCode::BAD_REQUEST,
        "malformed_json",
        "EOF",
    );
    let (status, _, bytes) = app.send(raw("{}", None)).await;
    assert_eq!(
        status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        json_of(&bytes)
    );
    assert_eq!(error_code(&json_of(&bytes)), "unsupported_media_type");

    let cases = [
        (
            with("surprise", json!(1)),
            "invalid_body",
            "unknown field `surprise`",
        ),
        (
            with("prices", json!({ "HKD": "88" })),
            "invalid_body",
            "invalid type",
        ),
        (
            with("prices", json!({ "HKD": -500 })),
            "invalid_plan",
            "price in HKD must be between 1 and 100000000",
        ),
        (
            with("prices", json!({ "HKD": 0 })),
            "invalid_plan",
            "price in HKD must be between 1",
        ),
        (
            with("prices", json!({})),
            "invalid_plan",
            "at least one price is needed",
        ),
        (
            with("prices", json!({ "XYZ1": 100 })),
            "invalid_plan",
            "is not an ISO 4217 currency code",
        ),
        (with("data", json!("-3 GB")), "invalid_plan", "data:"),
        (
            with("data", json!(0)),
            "invalid_plan",
            "must be more than 0",
        ),
        (
            with("data", json!("unlimited")),
            "invalid_plan",
            "an unlimited plan needs fair_use",
        ),
        (with("zone", json!("mars")), "invalid_plan", "zone \"mars\""),
        (
            with("period", json!({ "unit": "fortnight", "count": 1 })),
            "invalid_plan",
            "period unit",
        ),
        (
            with("period", json!({ "unit": "year", "count": 4 })),
            "invalid_plan",
            "at most 3 years",
        ),
        (
            with("period", json!({ "unit": "day", "count": 0 })),
            "invalid_plan",
            "at least 1",
        ),
        (
            with("names", json!({ "fr": "Trois jours" })),
            "invalid_plan",
            "an English name (names.en) is needed",
        ),
        (
            with("effective_from", json!("next tuesday")),
            "invalid_plan",
            "effective_from must be a date and time",
        ),
        (with("code", json!("HK-3D-4G")), "code_mismatch", "HK-3D-3G"),
        (with("code", json!("BAD CODE")), "code_mismatch", "BAD CODE"),
    ];
    for (body, code, needle) in cases {
        let reply = put(&app, &key, &path, body.clone()).await;
        refused(&reply, StatusCode::BAD_REQUEST, code, needle);
    }
    // Several problems at once are all named.
    let mut many = with("zone", json!("mars"));
    many["prices"] = json!({ "HKD": -1 });
    let reply = put(&app, &key, &path, many).await;
    let details = reply.2["error"]["details"]
        .as_array()
        .expect("details")
        .len();
    assert_eq!(details, 2, "{}", reply.2);

    let reply = put(
        &app,
        &key,
        "/api/v1/admin/plans/bad%20code",
        new_plan_entry(2_800),
    )
    .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_plan_code");
    let reply = admin(
        &app,
        &key,
        Method::POST,
        "/api/v1/admin/plans/NO-SUCH-PLAN/retire",
        None,
    )
    .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "unknown_plan");
    let reply = admin(
        &app,
        &key,
        Method::GET,
        "/api/v1/admin/plans/NO-SUCH-PLAN",
        None,
    )
    .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "unknown_plan");
    assert_eq!(catalog_rows(&app).await, before, "nothing changed");

    // A good entry twice: created once, then unchanged, audited once.
    let (status, _, _) = put(&app, &key, &path, new_plan_entry(2_800)).await;
    assert_eq!(status, StatusCode::CREATED);
    let after_create = catalog_rows(&app).await;
    let (status, _, again) = put(&app, &key, &path, new_plan_entry(2_800)).await;
    assert_eq!(
        (status, again["outcome"].clone()),
        (StatusCode::OK, json!("unchanged"))
    );
    assert_eq!(catalog_rows(&app).await, after_create);
});

story!(
    impossible_promotions_and_coupons_are_refused_and_change_nothing,
    |app| {
        let key = operator(&app, "heidi").await;
        let before = catalog_rows(&app).await;
        let promotions = "/api/v1/admin/promotions/NEW-OFFER";
        let coupons = "/api/v1/admin/coupons/NEW-COUPON";
        let free = |buy: i64, free: i64| {
            json!({ "code": "NEW-OFFER", "kind": "free_periods", "buy": buy,
        "free": free, "names": { "en": "x" } })
        };
        let cases = [
            (
                promotions,
                promotion(json!({ "percent": 150 })),
                "invalid_promotion",
                "percent must be more than 0 and at most 100",
            ),
            (
                promotions,
                promotion(json!({ "percent": 0 })),
                "invalid_promotion",
                "percent must be more than 0",
            ),
            (
                promotions,
                promotion(json!({ "percent": -5 })),
                "invalid_promotion",
                "percent must be more than 0",
            ),
            (
                promotions,
                promotion(json!({ "percent": 33.333 })),
                "invalid_promotion",
                "at most two decimals",
            ),
            (
                promotions,
                free(0, 1),
                "invalid_promotion",
                "buy must be between 1 and 36 (got 0)",
            ),
            (
                promotions,
                free(3, 0),
                "invalid_promotion",
                "free must be between 1 and 36 (got 0)",
            ),
            (
                promotions,
                promotion(json!({ "amount": { "HKD": 500 } })),
                "invalid_promotion",
                "either percent or amount",
            ),
            (
                promotions,
                promotion(json!({ "first_order_of": "ever" })),
                "invalid_promotion",
                "first_order_of",
            ),
            (
                promotions,
                promotion(json!({ "plans": ["HK-99D-9G"] })),
                "invalid_promotion",
                "unknown plan \"HK-99D-9G\"",
            ),
            (
                promotions,
                promotion(json!({ "total_limit": 5 })),
                "invalid_promotion",
                "a redemption limit does not belong to a promotion",
            ),
            (
                promotions,
                promotion(json!({ "stacking": "sometimes" })),
                "invalid_promotion",
                "stacking \"sometimes\"",
            ),
            (
                promotions,
                promotion(json!({ "priority": 5000 })),
                "invalid_promotion",
                "priority must be between",
            ),
            (
                promotions,
                promotion(
                    json!({ "starts_at": "2027-01-01T00:00:00+08:00", "ends_at": "2026-01-01T00:00:00+08:00" }),
                ),
                "invalid_promotion",
                "ends_at must be after starts_at",
            ),
            (
                promotions,
                promotion(json!({ "kind": "cashback" })),
                "invalid_promotion",
                "kind must be",
            ),
            (
                promotions,
                promotion(json!({ "bonus": true })),
                "invalid_body",
                "unknown field `bonus`",
            ),
            (
                promotions,
                promotion(json!({ "code": "OTHER" })),
                "code_mismatch",
                "NEW-OFFER",
            ),
            (
                coupons,
                coupon(json!({ "kind": "first_period" })),
                "invalid_promotion",
                "kind does not belong to a coupon",
            ),
            (
                coupons,
                coupon(json!({ "total_limit": 0 })),
                "invalid_promotion",
                "total_limit must be at least 1",
            ),
            (
                coupons,
                coupon(json!({ "total_limit": 5, "per_account_limit": 6 })),
                "invalid_promotion",
                "per_account_limit cannot be more than total_limit",
            ),
            (
                coupons,
                coupon(json!({ "amount": { "HKD": -100 }, "percent": null })),
                "invalid_promotion",
                "amount in HKD must be between 1",
            ),
            (
                coupons,
                coupon(json!({ "percent": 101 })),
                "invalid_promotion",
                "at most 100",
            ),
            (
                coupons,
                coupon(json!({ "min_spend": {} })),
                "invalid_promotion",
                "min_spend needs at least one currency",
            ),
            (
                coupons,
                coupon(json!({ "methods": ["cheque"] })),
                "invalid_promotion",
                "payment method \"cheque\"",
            ),
            (
                coupons,
                coupon(json!({ "names": {} })),
                "invalid_promotion",
                "an English name",
            ),
        ];
        for (path, body, code, needle) in cases {
            let reply = put(&app, &key, path, body.clone()).await;
            refused(&reply, StatusCode::BAD_REQUEST, code, needle);
        }

        // A coupon is not changed into a promotion, nor the other way round.
        for (path, body, code) in [
            (
                "/api/v1/admin/promotions/WELCOME10",
                promotion(json!({ "code": "WELCOME10" })),
                "is_a_coupon",
            ),
            (
                "/api/v1/admin/coupons/BUY3GET1",
                coupon(json!({ "code": "BUY3GET1" })),
                "is_a_promotion",
            ),
        ] {
            let reply = put(&app, &key, path, body).await;
            assert_error(&reply, StatusCode::CONFLICT, code);
        }
        // Nor retired as one; unknown and malformed codes are named as such.
        for (method, path, status, code) in [
            (
                Method::POST,
                "coupons/BUY3GET1/retire",
                StatusCode::CONFLICT,
                "is_a_promotion",
            ),
            (
                Method::POST,
                "coupons/NO-SUCH/retire",
                StatusCode::NOT_FOUND,
                "unknown_coupon",
            ),
            (
                Method::GET,
                "promotions/WELCOME10",
                StatusCode::NOT_FOUND,
                "unknown_promotion",
            ),
            (
                Method::GET,
                "coupons/x",
                StatusCode::BAD_REQUEST,
                "invalid_promotion_code",
            ),
        ] {
            let path = format!("/api/v1/admin/{path}");
            let reply = admin(&app, &key, method, &path, None).await;
            assert_error(&reply, status, code);
        }
        assert_eq!(catalog_rows(&app).await, before, "nothing changed");

        // Good entries twice, and retiring twice: the second of each changes nothing.
        for (path, body) in [
            (promotions, promotion(json!({}))),
            (coupons, coupon(json!({}))),
        ] {
            let (status, _, first) = put(&app, &key, path, body.clone()).await;
            assert_eq!(status, StatusCode::CREATED, "{first}");
            let state = catalog_rows(&app).await;
            let (status, _, second) = put(&app, &key, path, body).await;
            assert_eq!(
                (status, second["outcome"].clone()),
                (StatusCode::OK, json!("unchanged"))
            );
            let retire = format!("{path}/retire");
            admin_ok(&app, &key, Method::POST, &retire, None).await;
            let retired = catalog_rows(&app).await;
            assert_ne!(retired, state);
            let again = admin_ok(&app, &key, Method::POST, &retire, None).await;
            assert_eq!(again["outcome"], "unchanged");
            assert_eq!(catalog_rows(&app).await, retired);
        }
    }
);

story!(the_same_request_twice_at_once_makes_one_change, |app| {
    let key = operator(&app, "ivan").await;
    let path = format!("/api/v1/admin/plans/{NEW_PLAN}");
    let (first, second) = tokio::join!(
        put(&app, &key, &path, new_plan_entry(2_800)),
        put(&app, &key, &path, new_plan_entry(2_800)),
    );
    let (created, other) = if first.0 == StatusCode::CREATED {
        (&first, &second)
    } else {
        (&second, &first)
    };
    assert_eq!(created.0, StatusCode::CREATED, "{} / {}", first.2, second.2);
    match other.0 {
        StatusCode::OK => assert_eq!(other.2["outcome"], "unchanged"),
        _ => assert_error(other, StatusCode::CONFLICT, "catalog_changed_concurrently"),
    }
    let versions = admin_ok(&app, &key, Method::GET, &path, None).await["versions"].clone();
    assert_eq!(versions.as_array().map(Vec::len), Some(1));
    assert_eq!(audited_by(&app, &key, "ivan").await.len(), 1);
});

story!(the_openapi_document_describes_the_admin_api, |app| {
    let (status, _, doc) = app.get_json("/api/v1/openapi.json", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let paths: Vec<&String> = doc["paths"].as_object().expect("paths").keys().collect();
    for path in [
        "/api/v1/admin/plans",
        "/api/v1/admin/plans/{code}",
        "/api/v1/admin/plans/{code}/retire",
        "/api/v1/admin/promotions/{code}",
        "/api/v1/admin/coupons/{code}",
        "/api/v1/admin/audit",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from {paths:?}"
        );
    }
    assert!(
        doc["paths"]["/api/v1/admin/plans/{code}"]["put"]["security"][0]["operator_key"].is_array()
    );
    assert!(doc["components"]["schemas"]["PlanEntry"]["properties"]["effective_from"].is_object());
    assert!(doc["components"]["securitySchemes"]["operator_key"].is_object());
});
