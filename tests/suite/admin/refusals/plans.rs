//! Impossible plans are refused and change nothing.

use super::*;

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
            with("names", json!({ "en": "Three days", "zh-Hans": "三天" })),
            "invalid_plan",
            r#"names has "zh-Hans": write it as "zh-CN""#,
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
