//! The schedule: an announcement is shown (and sent) not before its start and not
//! after its end; an end that is not after the start is refused, nothing stored.

use super::helpers::*;

story!(shown_and_sent_only_between_start_and_end, |app| {
    let admin = admin(&app).await;
    let sub = subscriber(&app, 1, "HK-30D-20G").await;
    let start = app.now() + Duration::hours(1);
    let end = start + Duration::hours(2);
    let id = post(
        &app,
        &admin,
        json!({
            "title": { "en": "Maintenance window" },
            "body": { "en": "Short pauses in data." },
            "starts_at": start,
            "ends_at": end,
            "priority": "banner",
            "send": { "email": true },
        }),
    )
    .await;
    let (_, cookie) = app.portal_log_in(&sub.phone, PASSWORD).await;

    // Before the start: not shown, not sent.
    send_due(&app).await;
    assert!(current(&app, Some(&sub.token)).await.is_empty());
    assert!(current(&app, None).await.is_empty());
    assert!(banners(&page(&app, "/account", &cookie).await).is_empty());
    assert!(announcements_to(&app, &sub.email).await.is_empty());
    let reply = app
        .post_json(
            &format!("/api/v1/announcements/{id}/read"),
            json!({}),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "announcement_not_found");

    // From the start: shown and sent.
    app.advance(Duration::hours(1));
    assert_eq!(
        ids(&current(&app, Some(&sub.token)).await),
        vec![id.clone()]
    );
    assert_eq!(
        banners(&page(&app, "/account", &cookie).await),
        vec![id.clone()]
    );
    send_due(&app).await;
    assert_eq!(announcements_to(&app, &sub.email).await.len(), 1);

    // At the end: gone.
    app.advance(Duration::hours(2));
    assert!(current(&app, Some(&sub.token)).await.is_empty());
    assert!(banners(&page(&app, "/account", &cookie).await).is_empty());
    let (_, _, shown) = app
        .get_json(
            &format!("/api/v1/admin/announcements/{id}"),
            &[("authorization", &admin)],
        )
        .await;
    assert_eq!(shown["phase"], "ended");
});

story!(a_later_start_moves_the_sending, |app| {
    let admin = admin(&app).await;
    let sub = subscriber(&app, 1, "HK-30D-20G").await;
    let body = |start: chrono::DateTime<chrono::Utc>| {
        json!({
            "title": { "en": "Price change" },
            "starts_at": start,
            "send": { "email": true },
        })
    };
    let id = post(&app, &admin, body(app.now() + Duration::hours(1))).await;
    let reply = app
        .request(
            Method::PUT,
            &format!("/api/v1/admin/announcements/{id}"),
            Some(body(app.now() + Duration::hours(5))),
            &[("authorization", &admin)],
        )
        .await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.2);
    app.advance(Duration::hours(2));
    send_due(&app).await;
    assert!(announcements_to(&app, &sub.email).await.is_empty());
    app.advance(Duration::hours(3));
    send_due(&app).await;
    assert_eq!(announcements_to(&app, &sub.email).await.len(), 1);
});

story!(
    an_end_before_the_start_is_refused_with_nothing_stored,
    |app| {
        let admin = admin(&app).await;
        let start = app.now() + Duration::days(1);
        for end in [start - Duration::hours(1), start] {
            let reply = post_reply(
                &app,
                &admin,
                json!({
                    "title": { "en": "Backwards" },
                    "starts_at": start,
                    "ends_at": end,
                    "send": { "email": true },
                }),
            )
            .await;
            assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_schedule");
        }
        // An end in the past with no start (now) is backwards too.
        let reply = post_reply(
            &app,
            &admin,
            json!({ "title": { "en": "Over" }, "ends_at": app.now() - Duration::minutes(1) }),
        )
        .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_schedule");
        assert_eq!(app.count_rows("announcements").await, 0);
        assert_eq!(app.count_rows("jobs").await, 0);

        // The console's form says so, and stores nothing either.
        let member = app.enrolled_staff("admin@example.com", Role::Admin).await;
        let (status, _, page) = app
            .console_post(
                "/admin/announcements?lang=en",
                &member.cookie,
                &[
                    ("csrf", &member.csrf),
                    ("title_en", "Backwards"),
                    ("starts_at", "2026-12-01T10:00"),
                    ("ends_at", "2026-12-01T09:00"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        assert!(page.contains("The end must be after the start."), "{page}");
        assert!(
            page.contains("value=\"Backwards\""),
            "what was typed is kept: {page}"
        );
        assert_eq!(app.count_rows("announcements").await, 0);

        // An edit that ends before it starts leaves the announcement as it was.
        let id = post(&app, &admin, json!({ "title": { "en": "Kept" } })).await;
        let reply = app
            .request(
                Method::PUT,
                &format!("/api/v1/admin/announcements/{id}"),
                Some(json!({ "title": { "en": "Changed" }, "starts_at": start, "ends_at": start })),
                &[("authorization", &admin)],
            )
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_schedule");
        let (_, _, shown) = app
            .get_json(
                &format!("/api/v1/admin/announcements/{id}"),
                &[("authorization", &admin)],
            )
            .await;
        assert_eq!(shown["title"], json!({ "en": "Kept" }));
        assert_eq!(shown["ends_at"], Value::Null);
    }
);
