//! Staff in the console: the queue with its SLA clock (overdue marked), a case's
//! page with internal notes, answering from a saved reply in the customer's
//! language, assignment and state, the customer page's cases, and the help
//! articles' editor.

use super::helpers::*;

story!(support_answers_a_case_in_the_console, |app| {
    let chan = Sub::register(&app, "+85261234567", "chan@example.com").await;
    let case = chan
        .open_case(&app, case_body("No data in Macau", "Roaming is on"))
        .await;
    let id = case["id"].as_str().unwrap();
    let (_, _, listed) = app
        .get_json(
            "/api/v1/admin/tickets",
            &[("authorization", &key(&app, "reader", Role::Viewer).await)],
        )
        .await;
    assert!(listed[0]["overdue"].is_null(), "{listed}");
    // Nine hours later, past [support] first_response_hours (8), nobody has answered.
    app.advance(chrono::Duration::hours(9));
    let admin = app.enrolled_staff("boss@example.com", Role::Admin).await;
    let support = app.enrolled_staff("desk@example.com", Role::Support).await;

    // An admin writes a saved reply in the customer's language (zh-HK: the default
    // language, the one they registered in).
    let (status, _, page) = app
        .console_post(
            "/admin/canned-replies",
            &admin.cookie,
            &[
                ("csrf", &admin.csrf),
                ("language", "zh-HK"),
                ("title", "已確認"),
                ("body", "你好！我們已處理。"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let (status, _, page) = app
        .console_post(
            "/admin/canned-replies",
            &admin.cookie,
            &[
                ("csrf", &admin.csrf),
                ("language", "zh-HK"),
                ("title", ""),
                ("body", "x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert_eq!(app.count_rows("ticket_canned_replies").await, 1);

    let (status, _, queue) = app
        .console_get("/admin/tickets?lang=en", &support.cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        queue.contains("C-000001") && queue.contains("No data in Macau"),
        "{queue}"
    );
    assert!(queue.contains("Overdue: first response"), "{queue}");
    let (_, _, filtered) = app
        .console_get("/admin/tickets?category=install&lang=en", &support.cookie)
        .await;
    assert!(!filtered.contains("C-000001"), "{filtered}");
    let (status, _, _) = app
        .console_get("/admin/tickets?state=nonsense", &support.cookie)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (_, _, page) = app
        .console_get(&format!("/admin/tickets/{id}?lang=en"), &support.cookie)
        .await;
    assert!(
        page.contains(&format!("href=\"/admin/customers/{}\"", chan.id)),
        "{page}"
    );
    let canned = page
        .split("<option value=\"cnr_")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|rest| format!("cnr_{rest}"))
        .expect("the saved reply is offered");
    let (_, _, page) = app
        .console_get(
            &format!("/admin/tickets/{id}?canned={canned}&lang=en"),
            &support.cookie,
        )
        .await;
    assert!(
        page.contains("你好！我們已處理。</textarea>"),
        "the answer starts from it: {page}"
    );

    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let cookie = support.cookie.clone();
        let csrf = support.csrf.clone();
        let app = &app;
        async move {
            let mut all: Vec<(&str, String)> = vec![("csrf", csrf)];
            all.extend(fields);
            let borrowed: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.console_post(&path, &cookie, &borrowed).await
        }
    };
    let (status, location, _) = post(
        format!("/admin/tickets/{id}/messages"),
        vec![
            ("body", "Internal: check roaming partner".into()),
            ("internal", "1".into()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location[header::LOCATION],
        format!("/admin/tickets/{id}?done=note").as_str()
    );
    let (status, _, _) = post(
        format!("/admin/tickets/{id}/messages"),
        vec![("body", "Please restart the phone and try again.".into())],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, page) = post(
        format!("/admin/tickets/{id}/messages"),
        vec![("body", "   ".into())],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    let (status, _, _) = post(
        format!("/admin/tickets/{id}/assign"),
        vec![("assignee", "desk@example.com".into())],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, page) = post(
        format!("/admin/tickets/{id}/assign"),
        vec![("assignee", "boss@example.com.evil".into())],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    let (status, _, _) = post(
        format!("/admin/tickets/{id}/state"),
        vec![("state", "resolved".into())],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let (_, _, page) = app
        .console_get(&format!("/admin/tickets/{id}?lang=en"), &support.cookie)
        .await;
    assert!(
        page.contains("Internal: check roaming partner") && page.contains("data-internal=\"true\""),
        "{page}"
    );
    assert!(page.contains("Please restart the phone"), "{page}");
    assert!(page.contains("desk@example.com"), "{page}");
    assert!(page.contains("data-testid=\"state\">Resolved"), "{page}");
    let (_, _, mine) = chan.get(&app, &format!("/api/v1/me/tickets/{id}")).await;
    assert!(!mine.to_string().contains("roaming partner"), "{mine}");
    assert_eq!(mine["state"], "resolved");
    app.send_case_notifications().await;
    assert!(
        app.outbox()
            .await
            .iter()
            .any(|e| e.message.to == chan.email
                && e.message.body.contains("Please restart the phone"))
    );

    let (_, _, customer) = app
        .console_get(
            &format!("/admin/customers/{}?lang=en", chan.id),
            &support.cookie,
        )
        .await;
    assert!(
        customer.contains("data-testid=\"customer-tickets\"") && customer.contains("C-000001"),
        "{customer}"
    );
    let (_, _, body) = app
        .get_json(
            &format!("/api/v1/admin/customers/{}", chan.id),
            &[("cookie", &support.cookie)],
        )
        .await;
    assert_eq!(body["tickets"][0]["number"], "C-000001", "{body}");
});

story!(admins_write_help_articles_in_the_console, |app| {
    datacard::help::starter::seed(&app).await.unwrap();
    let admin = app.enrolled_staff("boss@example.com", Role::Admin).await;
    let (status, _, list) = app.console_get("/admin/help?lang=en", &admin.cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("Forgot your password"), "{list}");
    let (status, _, page) = app
        .console_get("/admin/help/forgot-password?lang=en", &admin.cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("name=\"title_zh_hk\"") && page.contains("忘記密碼"),
        "{page}"
    );

    let fields = [
        ("csrf", admin.csrf.as_str()),
        ("slug", "top-up-wallet"),
        ("topic", "payment"),
        ("published", "1"),
        ("title_zh_hk", "為錢包增值"),
        ("body_zh_hk", "到**帳戶**按「增值」。"),
        ("title_zh_cn", ""),
        ("body_zh_cn", ""),
        ("title_en", "Top up your wallet"),
        ("body_en", "Press **Top up** on your account."),
    ];
    let (status, headers, page) = app
        .console_post("/admin/help", &admin.cookie, &fields)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(
        headers[header::LOCATION],
        "/admin/help/top-up-wallet?saved=1"
    );
    let (_, _, shown) = app
        .get_json("/api/v1/help/articles/top-up-wallet?lang=zh-CN", &[])
        .await;
    assert_eq!(
        shown["title"], "為錢包增值",
        "zh-CN reads the other Chinese: {shown}"
    );
    let query = serde_urlencoded::to_string([("q", "增值"), ("lang", "zh-HK")]).unwrap();
    let (_, _, hits) = app
        .get_json(&format!("/api/v1/help/articles?{query}"), &[])
        .await;
    assert_eq!(hits[0]["slug"], "top-up-wallet", "{hits}");

    let before = app.count_rows("help_articles").await;
    let bad = [
        ("csrf", admin.csrf.as_str()),
        ("slug", "../etc"),
        ("topic", "payment"),
        ("title_en", "T"),
        ("body_en", "B"),
    ];
    let (status, _, page) = app.console_post("/admin/help", &admin.cookie, &bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert_eq!(app.count_rows("help_articles").await, before);
});
