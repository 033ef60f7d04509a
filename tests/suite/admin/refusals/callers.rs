//! Callers without an operator key are refused everywhere; the same request twice at
//! once makes one change; the OpenAPI document describes the admin API.

use super::*;

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
            (
                Method::GET,
                "/api/v1/admin/reports/summary".to_owned(),
                None,
            ),
            (
                Method::GET,
                "/api/v1/admin/exports/ledger.csv".to_owned(),
                None,
            ),
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
        "/api/v1/admin/reports/summary",
        "/api/v1/admin/exports/{file}",
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
    // The books' refusals are documented: a bad range, and the role for exports.
    let refusals = doc["paths"]["/api/v1/admin/exports/{file}"]["get"]["responses"].to_string();
    for code in ["invalid_range", "role_forbidden"] {
        assert!(refusals.contains(code), "{code} in {refusals}");
    }
});
