//! The API takes and answers zh-CN where it takes a language.

use super::helpers::*;

story!(the_api_takes_zh_cn_where_it_takes_a_language, |app| {
    datacard::demo::seed(&app).await.expect("the demo catalog");

    // The document lists it.
    let (status, _, document) = app.get_json("/api/v1/openapi.json", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let languages = &document["components"]["schemas"]["Locale"]["enum"];
    assert!(
        languages
            .as_array()
            .is_some_and(|tags| tags.contains(&json!("zh-CN"))),
        "{languages}"
    );

    // Plans and refusals answer in it.
    let (status, _, plans) = app
        .get_json("/api/v1/plans", &[("accept-language", "zh-CN")])
        .await;
    assert_eq!(status, StatusCode::OK, "{plans}");
    let unlimited = plans
        .as_array()
        .or_else(|| plans["plans"].as_array())
        .and_then(|list| list.iter().find(|p| p["code"] == "HK-30D-UNL"))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(unlimited["name"], "香港 30 天 不限量", "{plans}");
    let refused = app
        .request(
            Method::POST,
            "/api/v1/sessions",
            Some(json!({ "login": "+85261390009", "password": "not the password" })),
            &[("accept-language", "zh-CN")],
        )
        .await;
    assert_error(&refused, StatusCode::UNAUTHORIZED, "invalid_credentials");
    assert_eq!(refused.2["error"]["message"], "账号或密码不正确。");

    // Only the tags it lists: a script name is refused, and nothing is made.
    app.request_code("+85261390002", "register", &[]).await;
    let code = app.last_code("+85261390002").await;
    let accounts_before = app.count_rows("accounts").await;
    let refused = app
        .post_json(
            "/api/v1/accounts",
            json!({ "phone": "+85261390002", "email": "hans@example.com",
                    "password": PASSWORD, "code": code, "language": "zh-Hans" }),
            &[],
        )
        .await;
    assert_error(&refused, StatusCode::BAD_REQUEST, "invalid_body");
    assert_eq!(app.count_rows("accounts").await, accounts_before);
});
