//! Hostile and malformed input: HTML and script in an announcement are shown as text,
//! never run; bad preferences and bad announcements are refused with a clear code and
//! change nothing; preferences that are accepted read back, and alerts follow them.

use super::helpers::*;

const SCRIPT: &str = "<script>alert(1)</script>";

story!(html_and_script_in_an_announcement_are_escaped, |app| {
    let admin = admin(&app).await;
    let sub = subscriber(&app, 1, "HK-30D-20G").await;
    let id = post(
        &app,
        &admin,
        json!({
            "title": { "en": format!("Hello {SCRIPT}") },
            "body": { "en": format!(
                "{SCRIPT}\n\n<img src=x onerror=alert(2)> and [click](javascript:alert(3)) and <a href=\"javascript:alert(4)\">a</a>"
            ) },
            "priority": "banner",
        }),
    )
    .await;
    let shown = current(&app, Some(&sub.token)).await;
    let html = shown[0]["body_html"].as_str().expect("body_html");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("<img"),
        "{html}"
    );
    // The link with a javascript: address is only its text; the raw <a> is text too.
    assert!(!html.contains("<a href=\"javascript"), "{html}");
    assert!(html.contains("and click and"), "{html}");
    assert_eq!(
        shown[0]["title"],
        format!("Hello {SCRIPT}"),
        "JSON keeps the text"
    );

    let (_, cookie) = app.portal_log_in(&sub.phone, PASSWORD).await;
    for path in ["/announcements", "/account"] {
        let page = page(&app, path, &cookie).await;
        assert!(!page.contains(SCRIPT), "{path} runs no script");
        assert!(!page.contains("<img src=x"), "{path}");
        assert!(!page.contains("<a href=\"javascript"), "{path}");
        assert!(page.contains("&lt;script&gt;"), "{path} shows it as text");
    }
    let member = app.enrolled_staff("viewer@example.com", Role::Viewer).await;
    let (status, _, list) = app
        .console_get("/admin/announcements", &member.cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !list.contains(SCRIPT) && list.contains("&lt;script&gt;"),
        "{list}"
    );
    let admin_member = app.enrolled_staff("admin@example.com", Role::Admin).await;
    let (status, _, form) = app
        .console_get(&format!("/admin/announcements/{id}"), &admin_member.cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !form.contains(SCRIPT),
        "the edit form escapes what it shows"
    );
    // The preview renders like the portal.
    let (status, _, preview) = app
        .console_post(
            &format!("/admin/announcements/{id}"),
            &admin_member.cookie,
            &[
                ("csrf", &admin_member.csrf),
                ("title_en", "Preview me"),
                ("body_en", &format!("**bold** {SCRIPT}")),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert!(preview.contains("<strong>bold</strong>"), "{preview}");
    assert!(!preview.contains(SCRIPT), "{preview}");
});

story!(bad_preferences_are_refused_and_change_nothing, |app| {
    let sub = subscriber(&app, 1, "HK-30D-20G").await;
    let before = preferences(&app, &sub).await;
    assert_eq!(
        before,
        json!({
            "language": "en",
            "marketing": { "sms": false, "email": false },
            "statements_by_email": false,
            "alerts": { "sms": true, "email": true },
            "marketing_log": [],
        })
    );
    for (body, code) in [
        (
            json!({ "language": "fr", "marketing": { "email": true } }),
            "invalid_language",
        ),
        (
            json!({ "language": "zh", "marketing": { "email": true } }),
            "invalid_language",
        ),
        (json!({ "language": "zh-Hant" }), "invalid_language"),
        (json!({ "language": SCRIPT }), "invalid_language"),
        (json!({ "language": 5 }), "invalid_body"),
        (json!({ "marketing": { "email": "yes" } }), "invalid_body"),
        (json!({ "marketing": true }), "invalid_body"),
        (json!({ "marketing": { "fax": true } }), "invalid_body"),
        (json!({ "alerts": { "sms": 1 } }), "invalid_body"),
        (
            json!({ "statements_by_email": "on", "marketing": { "email": true } }),
            "invalid_body",
        ),
        (json!({ "newsletter": true }), "invalid_body"),
        (json!(["en"]), "invalid_body"),
    ] {
        let reply = put_preferences(&app, &sub, body.clone()).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, code);
        assert_eq!(preferences(&app, &sub).await, before, "after {body}");
    }
    let reply = app
        .post_raw(
            "/api/v1/me/preferences",
            Some("application/json"),
            b"{".to_vec(),
        )
        .await;
    assert_eq!(reply.0, StatusCode::METHOD_NOT_ALLOWED);
    let malformed = app
        .send(
            axum::http::Request::put("/api/v1/me/preferences")
                .header("content-type", "application/json")
                .header("authorization", sub.auth())
                .body(axum::body::Body::from("{\"language\":"))
                .expect("a request"),
        )
        .await;
    assert_eq!(malformed.0, StatusCode::BAD_REQUEST);
    let reply = app
        .request(Method::PUT, "/api/v1/me/preferences", Some(json!({})), &[])
        .await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthenticated");

    // The page refuses an unknown language the same way.
    let (csrf, cookie) = app.portal_log_in(&sub.phone, PASSWORD).await;
    let (status, _, page) = app
        .console_post(
            "/preferences?lang=en",
            &cookie,
            &[("csrf", &csrf), ("language", "fr"), ("marketing_sms", "on")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(
        page.contains("The language must be zh-HK, zh-CN or en."),
        "{page}"
    );
    assert_eq!(preferences(&app, &sub).await, before);
    assert_eq!(app.count_rows("marketing_consents").await, 0);
    assert_eq!(app.count_rows("account_preferences").await, 0);
});

story!(preferences_read_back_and_alerts_follow_them, |app| {
    let sub = subscriber(&app, 1, "HK-30D-20G").await;
    let reply = put_preferences(
        &app,
        &sub,
        json!({
            "language": "zh-HK",
            "marketing": { "email": true },
            "statements_by_email": true,
            "alerts": { "sms": false },
        }),
    )
    .await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.2);
    let expected_log =
        json!([{ "channel": "email", "opted_in": true, "source": "api", "at": app.now() }]);
    assert_eq!(
        reply.2,
        json!({
            "language": "zh-HK",
            "marketing": { "sms": false, "email": true },
            "statements_by_email": true,
            "alerts": { "sms": false, "email": true },
            "marketing_log": expected_log,
        })
    );
    assert_eq!(preferences(&app, &sub).await, reply.2);
    // The same again records nothing new.
    let again = put_preferences(&app, &sub, json!({ "marketing": { "email": true } })).await;
    assert_eq!(again.2, reply.2);
    assert_eq!(app.count_rows("marketing_consents").await, 1);

    // The page shows the choices and when consent was given; saving it is the page's.
    let (csrf, cookie) = app.portal_log_in(&sub.phone, PASSWORD).await;
    let account = page(&app, "/account", &cookie).await;
    assert!(
        account.contains("href=\"/preferences\""),
        "linked from the account page"
    );
    let form = page(&app, "/preferences", &cookie).await;
    assert!(
        form.contains("name=\"marketing_email\" value=\"on\" checked"),
        "{form}"
    );
    assert!(testid_text(&form, "consent-email").is_some(), "{form}");
    let (status, headers, _) = app
        .console_post(
            "/preferences",
            &cookie,
            &[
                ("csrf", &csrf),
                ("language", "en"),
                ("marketing_sms", "on"),
                ("alerts_email", "on"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        headers
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("/preferences?saved=1")
    );
    let now = preferences(&app, &sub).await;
    assert_eq!(now["language"], "en");
    assert_eq!(now["marketing"], json!({ "sms": true, "email": false }));
    let sources: Vec<&str> = now["marketing_log"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["source"].as_str())
        .collect();
    assert_eq!(sources, ["page", "page", "api"]);

    // Alerts by email only: a usage alert sends no SMS; a code still goes by SMS.
    let crossings = vec![datacard::usage::alerts::Crossing {
        period_id: current_period_id(&app, &sub).await,
        iccid: sub.iccid.clone(),
        kind: "used_75",
    }];
    let mut tx = app.db.begin().await.expect("begin");
    datacard::usage::alerts::record(&app, &mut tx, &crossings, app.now())
        .await
        .expect("record the alert");
    tx.commit().await.expect("commit");
    datacard::jobs::run_due_of_kind(&app, "news-story", datacard::usage::alerts::ALERT_JOB)
        .await
        .expect("alerts sent");
    let alerts = |to: String| {
        let app = &app;
        async move {
            app.outbox_as_sent()
                .await
                .into_iter()
                .filter(|e| e.message.to == to && e.message.kind.starts_with("alert_"))
                .count()
        }
    };
    assert_eq!(alerts(sub.email.clone()).await, 1);
    assert_eq!(alerts(sub.phone.clone()).await, 0);
});

/// The id of the line's running period.
async fn current_period_id(app: &TestApp, sub: &Subscriber) -> String {
    use sqlx::Row;
    sqlx::query("SELECT id FROM line_periods WHERE iccid = $1")
        .bind(&sub.iccid)
        .fetch_one(app.db.reader())
        .await
        .and_then(|row| row.try_get::<String, _>("id"))
        .expect("the period")
}

story!(bad_announcements_are_refused_and_store_nothing, |app| {
    let admin = admin(&app).await;
    for (body, code, detail) in [
        (
            json!({ "title": {} }),
            "invalid_announcement",
            "at least one language",
        ),
        (
            json!({ "title": { "en": "  " } }),
            "invalid_announcement",
            "at least one language",
        ),
        (
            json!({ "title": { "fr": "Bonjour" } }),
            "invalid_announcement",
            "fr",
        ),
        (
            json!({ "title": { "en": "x".repeat(121) } }),
            "invalid_announcement",
            "at most 120",
        ),
        (
            json!({ "title": { "en": "a\nb" } }),
            "invalid_announcement",
            "one line",
        ),
        (
            json!({ "title": { "en": "x" }, "body": { "zh-HK": "內容" } }),
            "invalid_announcement",
            "no title in zh-HK",
        ),
        (
            json!({ "title": { "en": "x" }, "audience": { "zones": ["mars"] } }),
            "invalid_announcement",
            "mars",
        ),
        (
            json!({ "title": { "en": "x" }, "audience": { "plans": ["NOPE"] } }),
            "invalid_announcement",
            "NOPE",
        ),
        (
            json!({ "title": { "en": "x" }, "audience": { "line_status": ["asleep"] } }),
            "invalid_announcement",
            "asleep",
        ),
        (
            json!({ "title": { "en": "x" }, "priority": "urgent" }),
            "invalid_announcement",
            "urgent",
        ),
        (
            json!({ "title": { "en": "x" }, "starts_at": "tomorrow" }),
            "invalid_body",
            "",
        ),
        (
            json!({ "title": { "en": "x" }, "marketing": "yes" }),
            "invalid_body",
            "",
        ),
        (
            json!({ "title": { "en": "x" }, "audience": { "zone": ["hk"] } }),
            "invalid_body",
            "",
        ),
        (json!({ "title": "x" }), "invalid_body", ""),
    ] {
        let reply = post_reply(&app, &admin, body.clone()).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, code);
        let details = reply.2["error"]["details"].to_string();
        assert!(details.contains(detail), "{body}: {details}");
    }
    assert_eq!(app.count_rows("announcements").await, 0);
    let reply = app
        .request(
            Method::PUT,
            "/api/v1/admin/announcements/ann_none",
            Some(json!({ "title": { "en": "x" } })),
            &[("authorization", &admin)],
        )
        .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "announcement_not_found");
    let reply = app
        .get_json(
            "/api/v1/admin/announcements/ann_none",
            &[("authorization", &admin)],
        )
        .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "announcement_not_found");
    assert_eq!(app.count_rows("announcements").await, 0);
});
