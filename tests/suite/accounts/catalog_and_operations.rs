//! The catalog in the reader's language, the demo subscriber, and what every page and
//! the health checks answer.

use super::helpers::*;

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
