//! The help centre: the starter articles found by Chinese without word spaces and by
//! English, shown in the reader's language or the nearest written; articles written
//! through the admin API shown safely, bad ones refused with nothing stored.

use super::helpers::*;

async fn search(app: &TestApp, q: &str, lang: &str) -> Vec<Value> {
    let query = serde_urlencoded::to_string([("q", q), ("lang", lang)]).unwrap();
    let (status, _, hits) = app
        .get_json(&format!("/api/v1/help/articles?{query}"), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{hits}");
    hits.as_array().cloned().unwrap_or_default()
}

fn slugs(hits: &[Value]) -> Vec<&str> {
    hits.iter().filter_map(|h| h["slug"].as_str()).collect()
}

story!(
    chinese_and_english_searches_find_the_starter_articles,
    |app| {
        assert_eq!(datacard::help::starter::seed(&app).await.unwrap(), 8);
        assert_eq!(
            datacard::help::starter::seed(&app).await.unwrap(),
            0,
            "once only"
        );

        let found = search(&app, "密碼", "zh-HK").await;
        assert!(slugs(&found).contains(&"forgot-password"), "{found:?}");
        let found = search(&app, "忘記密碼", "zh-HK").await;
        assert_eq!(slugs(&found).first(), Some(&"forgot-password"), "{found:?}");
        assert_eq!(found[0]["title"], "忘記密碼");
        assert_eq!(found[0]["topic"], "account");
        assert!(
            found[0]["excerpt"].as_str().unwrap().contains("密碼"),
            "{found:?}"
        );
        let found = search(&app, "忘记密码", "zh-CN").await;
        assert_eq!(slugs(&found).first(), Some(&"forgot-password"), "{found:?}");
        assert_eq!(found[0]["title"], "忘记密码");
        let found = search(&app, "forgot password", "en").await;
        assert_eq!(slugs(&found).first(), Some(&"forgot-password"), "{found:?}");
        assert_eq!(found[0]["title"], "Forgot your password");
        // An English search from a Chinese page still finds it, shown in Chinese.
        let found = search(&app, "forgotten passwords", "zh-HK").await;
        assert_eq!(found[0]["title"], "忘記密碼");
        let found = search(&app, "eSIM iPhone", "en").await;
        assert_eq!(
            slugs(&found).first(),
            Some(&"install-esim-iphone"),
            "{found:?}"
        );
        assert!(search(&app, "xylophone quartz", "en").await.is_empty());
        assert_eq!(
            search(&app, "", "en").await.len(),
            8,
            "every article without a query"
        );

        let (status, _, article) = app
            .get_json("/api/v1/help/articles/paid-not-updated?lang=en", &[])
            .await;
        assert_eq!(status, StatusCode::OK, "{article}");
        assert_eq!(article["language"], "en");
        let html = article["body_html"].as_str().unwrap();
        assert!(
            html.contains("<h2>") && html.contains("<a href=\"/orders\">"),
            "{html}"
        );
        let reply = app
            .get_json("/api/v1/help/articles/no-such-article", &[])
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "article_not_found");
        let long = "密".repeat(201);
        let reply = app
            .get_json(&format!("/api/v1/help/articles?q={long}"), &[])
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_query");

        // The pages: search, an article, and the way to a case on each.
        let query = serde_urlencoded::to_string([("q", "忘記密碼"), ("lang", "zh-HK")]).unwrap();
        let (status, _, page) = app.page(&format!("/help?{query}"), "").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("href=\"/help/forgot-password\""), "{page}");
        assert!(page.contains("href=\"/support/new\""), "{page}");
        let (status, _, page) = app.page("/help/forgot-password?lang=en", "").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("<h1 lang=\"en\">Forgot your password</h1>"),
            "{page}"
        );
        assert!(page.contains("/support/new?category=account"), "{page}");
        let (status, _, page) = app.page("/help/no-such-article?lang=en", "").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(
            page.contains("data-testid=\"help-links\""),
            "every error page leads to help: {page}"
        );
    }
);

story!(
    an_article_falls_back_to_the_nearest_language_written,
    |app| {
        let admin = key(&app, "writer", Role::Admin).await;
        let headers = [("authorization", admin.as_str())];
        let entry = json!({ "slug": "roaming", "topic": "data",
        "title": { "zh-CN": "漫游" }, "body": { "zh-CN": "打开**数据漫游**。" } });
        let (status, _, _) = app
            .post_json("/api/v1/admin/help/articles", entry, &headers)
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, _, shown) = app
            .get_json("/api/v1/help/articles/roaming?lang=zh-HK", &[])
            .await;
        assert_eq!(
            (shown["language"].as_str(), shown["title"].as_str()),
            (Some("zh-CN"), Some("漫游"))
        );
        let (_, _, shown) = app
            .get_json("/api/v1/help/articles/roaming?lang=en", &[])
            .await;
        assert_eq!(
            shown["language"], "zh-CN",
            "English reads what is written: {shown}"
        );
        let (_, _, page) = app.page("/help/roaming?lang=zh-HK", "").await;
        assert!(page.contains("暫未有你所選語言的版本"), "{page}");

        // Written in English too: English readers get it; Hong Kong still the other Chinese.
        let entry = json!({ "slug": "roaming", "topic": "data",
        "title": { "zh-CN": "漫游", "en": "Roaming" },
        "body": { "zh-CN": "打开**数据漫游**。", "en": "Switch on **data roaming**." } });
        let (status, _, saved) = app
            .request(
                Method::PUT,
                "/api/v1/admin/help/articles/roaming",
                Some(entry),
                &headers,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        let (_, _, shown) = app
            .get_json("/api/v1/help/articles/roaming?lang=en", &[])
            .await;
        assert_eq!(shown["title"], "Roaming");
        let (_, _, shown) = app
            .get_json("/api/v1/help/articles/roaming?lang=zh-HK", &[])
            .await;
        assert_eq!(shown["language"], "zh-CN");
        let found = search(&app, "漫遊", "zh-HK").await;
        assert!(
            found.is_empty(),
            "Traditional 漫遊 is not Simplified 漫游: {found:?}"
        );
        let found = search(&app, "roaming", "zh-HK").await;
        assert_eq!(slugs(&found), ["roaming"]);

        // Hidden: gone from the help centre, kept for the operator.
        let hidden = json!({ "slug": "roaming", "topic": "data", "published": false,
        "title": { "en": "Roaming" }, "body": { "en": "Switch on data roaming." } });
        app.request(
            Method::PUT,
            "/api/v1/admin/help/articles/roaming",
            Some(hidden),
            &headers,
        )
        .await;
        assert!(search(&app, "roaming", "en").await.is_empty());
        let reply = app.get_json("/api/v1/help/articles/roaming", &[]).await;
        assert_error(&reply, StatusCode::NOT_FOUND, "article_not_found");
        let (_, _, all) = app.get_json("/api/v1/admin/help/articles", &headers).await;
        assert_eq!(all[0]["published"], false, "{all}");
    }
);

story!(
    hostile_articles_are_shown_as_text_and_bad_ones_refused,
    |app| {
        let admin = key(&app, "writer", Role::Admin).await;
        let headers = [("authorization", admin.as_str())];
        let entry = json!({ "slug": "hostile", "topic": "other",
        "title": { "en": "<img src=x onerror=alert(1)>" },
        "body": { "en": "Hi <script>alert(1)</script>\n\n[click](javascript:alert(1)) <iframe src=//evil.example>" } });
        let (status, _, saved) = app
            .post_json("/api/v1/admin/help/articles", entry, &headers)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{saved}");
        let (_, _, shown) = app
            .get_json("/api/v1/help/articles/hostile?lang=en", &[])
            .await;
        let html = shown["body_html"].as_str().unwrap();
        assert!(
            !html.contains("<script") && !html.contains("<iframe") && !html.contains("javascript:"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;"), "{html}");
        let (_, _, page) = app.page("/help/hostile?lang=en", "").await;
        assert!(
            !page.contains("<script>alert") && !page.contains("<img src=x"),
            "{page}"
        );
        assert!(
            page.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{page}"
        );

        let before = app.count_rows("help_articles").await;
        let audit_before = app.count_rows("audit_log").await;
        for (entry, why) in [
            (
                json!({ "slug": "Bad Slug", "topic": "other", "title": { "en": "T" }, "body": { "en": "B" } }),
                "slug",
            ),
            (
                json!({ "slug": "ok-slug", "topic": "jokes", "title": { "en": "T" }, "body": { "en": "B" } }),
                "topic",
            ),
            (
                json!({ "slug": "ok-slug", "topic": "other", "title": { "zh-Hans": "T" }, "body": { "zh-Hans": "B" } }),
                "zh-Hans",
            ),
            (
                json!({ "slug": "ok-slug", "topic": "other", "title": { "en": "T" }, "body": {} }),
                "body",
            ),
            (
                json!({ "slug": "ok-slug", "topic": "other", "title": {}, "body": {} }),
                "title",
            ),
        ] {
            let reply = app
                .post_json("/api/v1/admin/help/articles", entry, &headers)
                .await;
            assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_article");
            let details = reply.2["error"]["details"].to_string();
            assert!(details.contains(why), "{why}: {details}");
        }
        let again = json!({ "slug": "hostile", "topic": "other", "title": { "en": "T" }, "body": { "en": "B" } });
        let reply = app
            .post_json("/api/v1/admin/help/articles", again.clone(), &headers)
            .await;
        assert_error(&reply, StatusCode::CONFLICT, "article_exists");
        let reply = app.request(Method::PUT, "/api/v1/admin/help/articles/nope", Some(json!({ "slug": "nope", "topic": "other", "title": { "en": "T" }, "body": { "en": "B" } })), &headers).await;
        assert_error(&reply, StatusCode::NOT_FOUND, "article_not_found");
        let reply = app
            .request(
                Method::PUT,
                "/api/v1/admin/help/articles/other-slug",
                Some(again),
                &headers,
            )
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "code_mismatch");
        assert_eq!(
            app.count_rows("help_articles").await,
            before,
            "nothing stored"
        );
        assert_eq!(
            app.count_rows("audit_log").await,
            audit_before,
            "nothing audited"
        );
    }
);
