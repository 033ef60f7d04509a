//! The auto-renew switch, through the API and the portal, refuses bad input,
//! other people's lines and forms without CSRF.

use super::helpers::*;

story!(
    the_api_switch_refuses_bad_input_and_other_peoples_lines,
    |app| {
        let sub = subscriber(&app, 7).await;
        let other = subscriber(&app, 8).await;
        // Card auto-renew charges a saved card at Stripe; here cards go to the sandbox
        // (tests/suite/card.rs has it with Stripe).
        let reply = set_auto_renew(&app, &sub, json!({ "enabled": true, "method": "card" })).await;
        assert_error(
            &reply,
            StatusCode::BAD_REQUEST,
            "payment_method_unavailable",
        );
        for body in [
            json!({ "enabled": true, "method": "bitcoin" }),
            json!({ "enabled": true, "trigger": "whenever" }),
            json!({ "enabled": true, "price": 1 }),
            json!({ "method": "wallet" }),
        ] {
            let reply = set_auto_renew(&app, &sub, body.clone()).await;
            assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_body");
        }
        let reply = set_auto_renew(&app, &sub, json!({ "enabled": true, "hours_before": 0 })).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_hours_before");

        // Someone else's line, and no line at all: the same 404.
        let reply = app
            .request(
                axum::http::Method::PUT,
                &format!("/api/v1/lines/{}/auto-renew", other.iccid),
                Some(json!({ "enabled": true })),
                &[("authorization", &sub.auth())],
            )
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "line_not_found");
        let reply = app
            .get_json(
                &format!("/api/v1/lines/{}/auto-renew", other.iccid),
                &[("authorization", &sub.auth())],
            )
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "line_not_found");
        let reply = app
            .request(
                axum::http::Method::PUT,
                "/api/v1/lines/not-an-iccid/auto-renew",
                Some(json!({ "enabled": true })),
                &[("authorization", &sub.auth())],
            )
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "line_not_found");
        let reply = app
            .request(
                axum::http::Method::PUT,
                &format!("/api/v1/lines/{}/auto-renew", sub.iccid),
                Some(json!({ "enabled": true })),
                &[],
            )
            .await;
        assert_eq!(reply.0, StatusCode::UNAUTHORIZED);
        assert_eq!(app.count_rows("auto_renew").await, 0);

        // The owner's switch, with the next charge 24 hours before the end.
        let settings = enable(
            &app,
            &sub,
            json!({ "enabled": true, "method": "wallet", "trigger": "before_expiry" }),
        )
        .await;
        let ends_at = DateTime::<Utc>::from_timestamp_millis(periods(&app, &sub.iccid).await[0].1)
            .expect("a time");
        let at: DateTime<Utc> = settings["next_charge"]["at"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("a next charge date");
        assert_eq!(at, ends_at - Duration::hours(24));
        assert_eq!(settings["next_charge"]["amount"]["amount"], PRICE);
        let (status, _, shown) = app
            .get_json(
                &format!("/api/v1/lines/{}/auto-renew", sub.iccid),
                &[("authorization", &sub.auth())],
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(shown["enabled"], true);
        let off = enable(&app, &sub, json!({ "enabled": false })).await;
        assert_eq!(off["next_charge"], Value::Null);
        assert_eq!(off["method"], "wallet");

        // Documented.
        let (_, _, doc) = app.get_json("/api/v1/openapi.json", &[]).await;
        assert!(doc["paths"]["/api/v1/lines/{iccid}/auto-renew"]["put"].is_object());
        assert!(doc["components"]["schemas"]["AutoRenewRequest"].is_object());
    }
);

async fn portal_post(
    app: &TestApp,
    path: &str,
    cookie: &str,
    form: &[(String, String)],
) -> (StatusCode, HeaderMap) {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT, "text/html")
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::from(
            serde_urlencoded::to_string(form).expect("a form"),
        ))
        .expect("a request");
    let (status, headers, _) = app.send(request).await;
    (status, headers)
}

async fn account_page(app: &TestApp, cookie: &str) -> String {
    let request = Request::get("/account")
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT, "text/html")
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::empty())
        .expect("a request");
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    String::from_utf8_lossy(&body).into_owned()
}

story!(the_portal_switch_needs_csrf_and_the_owner, |app| {
    let sub = subscriber(&app, 9).await;
    let other = subscriber(&app, 10).await;
    let (csrf, cookie) = app.portal_log_in(&sub.phone, PASSWORD).await;
    let page = account_page(&app, &cookie).await;
    let action = format!("/lines/{}/auto-renew", sub.iccid);
    assert!(page.contains(&format!("action=\"{action}\"")), "{page}");
    assert!(page.contains("Auto-renew is off."), "{page}");

    let form = |csrf: &str, method: &str, trigger: &str, sms: bool| {
        let mut fields = vec![
            ("enabled", "on"),
            ("method", method),
            ("trigger", trigger),
            ("hours_before", "24"),
        ];
        if !csrf.is_empty() {
            fields.push(("csrf", csrf));
        }
        if sms {
            fields.push(("sms", "on"));
        }
        fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<Vec<_>>()
    };
    // No CSRF token, or a wrong one: refused, nothing saved.
    let (status, _) = portal_post(
        &app,
        &action,
        &cookie,
        &form("", "wallet", "before_expiry", true),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = portal_post(
        &app,
        &action,
        &cookie,
        &form("wrong", "wallet", "before_expiry", true),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.count_rows("auto_renew").await, 0);

    let (status, _) = portal_post(
        &app,
        &action,
        &cookie,
        &form(&csrf, "bitcoin", "before_expiry", true),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = portal_post(
        &app,
        &action,
        &cookie,
        &form(&csrf, "wallet", "whenever", true),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Someone else's line.
    let (status, _) = portal_post(
        &app,
        &format!("/lines/{}/auto-renew", other.iccid),
        &cookie,
        &form(&csrf, "wallet", "before_expiry", true),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.count_rows("auto_renew").await, 0);

    let (status, headers) = portal_post(
        &app,
        &action,
        &cookie,
        &form(&csrf, "wallet", "before_expiry", true),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers.get(header::LOCATION).and_then(|v| v.to_str().ok()),
        Some("/account?auto_renew=saved")
    );
    let settings = datacard::auto_renew::settings(&app, &sub.iccid)
        .await
        .expect("settings");
    assert!(settings.enabled && settings.sms);
    let page = account_page(&app, &cookie).await;
    assert!(page.contains("Next charge: HK$48.00"), "{page}");

    // SMS reminders off, on Alipay: the page says it will remind.
    let (status, _) = portal_post(
        &app,
        &action,
        &cookie,
        &form(&csrf, "alipay", "on_exhaustion", false),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let settings = datacard::auto_renew::settings(&app, &sub.iccid)
        .await
        .expect("settings");
    assert!(!settings.sms);
    assert_eq!(settings.method, datacard::payments::Method::Alipay);
    let page = account_page(&app, &cookie).await;
    assert!(page.contains("when the data runs out"), "{page}");
});
