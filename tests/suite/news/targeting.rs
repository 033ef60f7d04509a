//! Targeted banners: each shows, on every portal page and in the API, only to the
//! subscribers with a line it targets — by zone, plan, line status, auto-renew — and
//! goes away when dismissed; visitors see only those for everyone.

use datacard::lines::Iccid;
use datacard::network::Action;

use super::helpers::*;

fn banner(title: &str, audience: Value) -> Value {
    json!({
        "title": { "en": title },
        "body": { "en": format!("About {title}.") },
        "audience": audience,
        "priority": "banner",
    })
}

async fn suspend(app: &TestApp, iccid: &str) {
    let iccid = Iccid::parse(iccid).expect("an ICCID");
    let mut tx = app.db.begin().await.expect("begin");
    datacard::lines::enforce(
        &mut tx,
        &iccid,
        Action::Suspend,
        "quota_exhausted",
        app.now(),
    )
    .await
    .expect("suspend");
    tx.commit().await.expect("commit");
}

story!(
    a_targeted_banner_shows_only_to_the_lines_it_targets,
    |app| {
        let admin = admin(&app).await;
        // Hong Kong plan, active, auto-renew off.
        let hk = subscriber(&app, 1, "HK-30D-20G").await;
        // Greater Bay Area plan, auto-renew on.
        let gba = subscriber(&app, 2, "GBA-7D-10G").await;
        let reply = app
            .request(
                Method::PUT,
                &format!("/api/v1/lines/{}/auto-renew", gba.iccid),
                Some(json!({ "enabled": true, "method": "wallet" })),
                &[("authorization", &gba.auth())],
            )
            .await;
        assert_eq!(reply.0, StatusCode::OK, "{}", reply.2);
        // Hong Kong plan, suspended.
        let stopped = subscriber(&app, 3, "HK-7D-5G").await;
        suspend(&app, &stopped.iccid).await;

        let by_zone = post(
            &app,
            &admin,
            banner("GBA", json!({ "zones": ["cn_hk_mo"] })),
        )
        .await;
        let by_plan = post(
            &app,
            &admin,
            banner("30 days", json!({ "plans": ["HK-30D-20G"] })),
        )
        .await;
        let by_status = post(
            &app,
            &admin,
            banner("Suspended", json!({ "line_status": ["suspended"] })),
        )
        .await;
        let by_auto_renew = post(
            &app,
            &admin,
            banner("Auto-renew", json!({ "auto_renew": false })),
        )
        .await;
        let hk_and_on = post(
            &app,
            &admin,
            banner(
                "HK with auto-renew",
                json!({ "zones": ["hk"], "auto_renew": true }),
            ),
        )
        .await;
        let everyone = post(&app, &admin, banner("Everyone", json!({}))).await;

        let expected = [
            (&hk, vec![&by_plan, &by_auto_renew, &everyone]),
            (&gba, vec![&by_zone, &everyone]),
            (&stopped, vec![&by_status, &by_auto_renew, &everyone]),
        ];
        for (sub, wanted) in &expected {
            let mut seen = ids(&current(&app, Some(&sub.token)).await);
            seen.sort();
            let mut wanted: Vec<String> = wanted.iter().map(|id| (*id).clone()).collect();
            wanted.sort();
            assert_eq!(seen, wanted, "API for {}", sub.email);
            // The same banners on every portal page.
            let (_, cookie) = app.portal_log_in(&sub.phone, PASSWORD).await;
            for path in ["/account", "/plans", "/orders"] {
                let mut shown = banners(&page(&app, path, &cookie).await);
                shown.sort();
                assert_eq!(shown, wanted, "{path} for {}", sub.email);
            }
        }
        assert!(!ids(&current(&app, None).await).contains(&hk_and_on));
        // A visitor sees only the one for everyone.
        assert_eq!(ids(&current(&app, None).await), vec![everyone.clone()]);
        assert_eq!(
            banners(&page(&app, "/plans", "").await),
            vec![everyone.clone()]
        );

        // Dismissed by the API: read, and gone from the pages.
        let read = format!("/api/v1/announcements/{by_plan}/read");
        let reply = app
            .post_json(&read, json!({}), &[("authorization", &hk.auth())])
            .await;
        assert_eq!(reply.0, StatusCode::NO_CONTENT, "{}", reply.2);
        let again = app
            .post_json(&read, json!({}), &[("authorization", &hk.auth())])
            .await;
        assert_eq!(again.0, StatusCode::NO_CONTENT);
        let listed = current(&app, Some(&hk.token)).await;
        let plan_one = listed
            .iter()
            .find(|a| a["id"] == by_plan.as_str())
            .expect("still listed");
        assert_eq!(plan_one["read"], true);
        let (csrf, cookie) = app.portal_log_in(&hk.phone, PASSWORD).await;
        assert!(!banners(&page(&app, "/account", &cookie).await).contains(&by_plan));

        // Dismissed from a page: back to that page, and gone.
        let (status, headers, _) = app
            .console_post(
                &format!("/announcements/{everyone}/read"),
                &cookie,
                &[("csrf", &csrf), ("next", "/plans?lang=en")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers.get("location").unwrap(), "/plans?lang=en");
        assert_eq!(
            banners(&page(&app, "/plans", &cookie).await),
            vec![by_auto_renew.clone()]
        );

        // Not for them: not found, nothing marked.
        let before = app.count_rows("announcement_reads").await;
        let reply = app
            .post_json(
                &format!("/api/v1/announcements/{by_zone}/read"),
                json!({}),
                &[("authorization", &hk.auth())],
            )
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "announcement_not_found");
        let reply = app
            .post_json(
                "/api/v1/announcements/ann_none/read",
                json!({}),
                &[("authorization", &hk.auth())],
            )
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "announcement_not_found");
        let reply = app.post_json(&read, json!({}), &[]).await;
        assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthenticated");
        assert_eq!(app.count_rows("announcement_reads").await, before);
    }
);

story!(a_targeted_announcement_is_sent_only_to_its_lines, |app| {
    let admin = admin(&app).await;
    let hk = subscriber(&app, 1, "HK-30D-20G").await;
    let gba = subscriber(&app, 2, "GBA-30D-40G").await;
    post(
        &app,
        &admin,
        json!({
            "title": { "en": "Mainland roaming change" },
            "audience": { "zones": ["cn_hk_mo"] },
            "send": { "sms": true, "email": true },
        }),
    )
    .await;
    send_due(&app).await;
    assert_eq!(announcements_to(&app, &gba.email).await.len(), 1);
    assert_eq!(announcements_to(&app, &gba.phone).await.len(), 1);
    assert!(announcements_to(&app, &hk.email).await.is_empty());
    assert!(announcements_to(&app, &hk.phone).await.is_empty());
});
