//! Simplified Chinese (zh-CN), the third language: chosen from the address, the cookie
//! and `Accept-Language` like the others, kept on the account, and used for its pages,
//! its API answers, its SMS and its email.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::Duration;
use serde_json::{Value, json};

use datacard::i18n::Locale;
use datacard::messages::Channel;

use crate::support::*;

/// Subscribers of these stories: +852 613…, zh…@example.com, ICCIDs 89852098….
const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852613",
    email: "zh",
    iccid: "89852098",
};

/// Words the Traditional catalog uses where the Simplified one must not.
const TRADITIONAL: &[&str] = &[
    "計劃",
    "數據",
    "續費",
    "登入",
    "帳戶",
    "電郵",
    "驗證碼",
    "錢包",
];

async fn page(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (HeaderMap, String) {
    let mut request = Request::get(path).header(header::ACCEPT, "text/html");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (status, headers, body) = app
        .send(request.body(Body::empty()).expect("a request"))
        .await;
    let body = String::from_utf8_lossy(&body).into_owned();
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    (headers, body)
}

fn lang_of(page: &str) -> &str {
    let start = page.find("<html lang=\"").expect("an <html lang>") + "<html lang=\"".len();
    let end = page[start..].find('"').expect("a closing quote");
    &page[start..start + end]
}

/// What a reader sees of a page: its text without tags, styles or scripts.
fn visible_text(page: &str) -> String {
    let mut text = String::new();
    let mut rest = page;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        text.push(' ');
        rest = &rest[open..];
        let skip_to = ["<style", "<script"]
            .iter()
            .find(|tag| rest.starts_with(**tag))
            .map(|tag| format!("</{}>", &tag[1..]));
        let end = match skip_to {
            Some(close) => rest.find(&close).map(|i| i + close.len()),
            None => rest.find('>').map(|i| i + 1),
        };
        rest = &rest[end.unwrap_or(rest.len())..];
    }
    text.push_str(rest);
    text
}

/// Every key of the English catalog: a page that shows one shows a missing text.
fn catalog_keys() -> Vec<String> {
    fn flatten(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
        for (key, value) in table {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::Table(inner) => flatten(inner, &path, out),
                _ => out.push(path),
            }
        }
    }
    let en: toml::Table =
        toml::from_str(include_str!("../../src/i18n/en.toml")).expect("en.toml parses");
    let mut keys = Vec::new();
    flatten(&en, "", &mut keys);
    keys
}

/// Checks that `page` is in Simplified Chinese, whole: the language on `<html>`, the
/// switch showing 简体中文 as the current one, no catalog key in place of a text and
/// no Traditional-only word.
fn assert_simplified(path: &str, page: &str) {
    assert_eq!(lang_of(page), "zh-CN", "{path}");
    assert!(
        page.contains(r#"<span aria-current="true" lang="zh-CN">简体中文</span>"#),
        "{path}: the switch does not show 简体中文 as chosen"
    );
    for other in ["zh-HK", "en"] {
        assert!(
            page.contains(&format!(r#"?lang={other}" lang="{other}""#)),
            "{path}: no link to {other}"
        );
    }
    let text = visible_text(page);
    let raw: Vec<String> = catalog_keys()
        .into_iter()
        .filter(|key| key.contains('.') && text.contains(key.as_str()))
        .collect();
    assert!(raw.is_empty(), "{path} shows keys instead of text: {raw:?}");
    let traditional: Vec<&&str> = TRADITIONAL.iter().filter(|w| text.contains(**w)).collect();
    assert!(
        traditional.is_empty(),
        "{path} has Traditional {traditional:?}"
    );
}

story!(
    pages_are_in_simplified_chinese_by_address_cookie_or_browser,
    |app| {
        datacard::demo::seed(&app).await.expect("the demo catalog");

        // Chosen in the address: the page, and a cookie that remembers it.
        let (headers, plans) = page(&app, "/plans?lang=zh-CN", &[]).await;
        assert_simplified("/plans", &plans);
        assert!(plans.contains("<h1>套餐</h1>"), "{plans}");
        assert!(
            plans.contains("香港 30 天 不限量"),
            "the plan's own zh-CN name"
        );
        assert!(plans.contains("不限量") && plans.contains("覆盖地区"));
        assert_eq!(set_cookie(&headers, "dc_lang").as_deref(), Some("zh-CN"));
        // A close relative is remembered as the language served.
        let (headers, _) = page(&app, "/plans?lang=zh-SG", &[]).await;
        assert_eq!(set_cookie(&headers, "dc_lang").as_deref(), Some("zh-CN"));

        // Remembered by the cookie, on every page a visitor meets first.
        for (path, h1) in [
            ("/", "流量不断，随心畅联"),
            ("/register", "注册账户"),
            ("/login", "登录"),
            ("/password-reset", "重置密码"),
        ] {
            let (_, body) = page(&app, path, &[("cookie", "dc_lang=zh-CN")]).await;
            assert_simplified(path, &body);
            assert!(body.contains(&format!("{h1}</h1>")), "{path}: {body}");
        }
        let (_, not_found) = app_page_404(&app, "/no-such-page", "dc_lang=zh-CN").await;
        assert_simplified("/no-such-page", &not_found);
        assert!(not_found.contains("页面不存在"));

        // From the browser's languages, by quality; Traditional stays Traditional.
        for (accept, lang) in [
            ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
            ("zh-Hans-HK", "zh-CN"),
            ("zh", "zh-CN"),
            ("en;q=0.5, zh-SG;q=0.8", "zh-CN"),
            ("zh-TW,zh;q=0.9", "zh-HK"),
            ("zh-Hant", "zh-HK"),
            ("zh-CN;q=0.3, en", "en"),
        ] {
            let (_, body) = page(&app, "/", &[("accept-language", accept)]).await;
            assert_eq!(lang_of(&body), lang, "Accept-Language: {accept}");
        }
        // The address wins over the cookie, the cookie over the browser.
        let (_, body) = page(
            &app,
            "/?lang=zh-CN",
            &[("cookie", "dc_lang=en"), ("accept-language", "zh-HK")],
        )
        .await;
        assert_eq!(lang_of(&body), "zh-CN");
        let (_, body) = page(
            &app,
            "/",
            &[("cookie", "dc_lang=zh-CN"), ("accept-language", "en")],
        )
        .await;
        assert_eq!(lang_of(&body), "zh-CN");
    }
);

async fn app_page_404(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, String) {
    let request = Request::get(path)
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("a request");
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "GET {path}");
    (status, String::from_utf8_lossy(&body).into_owned())
}

story!(
    a_subscriber_who_registers_in_simplified_chinese_is_written_to_in_it,
    |app| {
        let phone = "+85261390001";
        let email = "zh.cn@example.com";
        app.request_code(phone, "register", &[("accept-language", "zh-CN")])
            .await;
        let sms = app.last_message(phone).await.message;
        assert_eq!((sms.channel, sms.locale), (Channel::Sms, Locale::ZhCn));
        assert!(sms.body.contains("你的验证码是"), "{}", sms.body);
        assert!(
            sms.body.chars().count() <= 70,
            "one SMS: {} characters",
            sms.body.chars().count()
        );
        let code = app.last_code(phone).await;

        // The API takes zh-CN as a language; nothing in the request asks for it otherwise.
        let (status, _, account) = app
            .post_json(
                "/api/v1/accounts",
                json!({ "phone": phone, "email": email, "password": PASSWORD,
                    "code": code, "language": "zh-CN" }),
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{account}");

        let mail = app.last_message(email).await.message;
        assert_eq!((mail.channel, mail.locale), (Channel::Email, Locale::ZhCn));
        assert_eq!(mail.kind, "email_verification");
        assert_eq!(mail.subject, "验证你的 datacard 邮箱");
        assert!(mail.body.contains("以验证此邮箱"), "{}", mail.body);

        let token = app.log_in(phone, PASSWORD).await;
        let (status, _, me) = app.me(&token).await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["language"], "zh-CN");

        // A code for the account's owner is in the owner's language, whatever the request's.
        app.advance_secs(app.config.accounts.code_resend_cooldown_secs + 1);
        app.request_code(phone, "reset_password", &[("accept-language", "en")])
            .await;
        let reset = app.last_message(phone).await.message;
        assert_eq!(reset.locale, Locale::ZhCn);
        assert!(reset.body.contains("验证码"), "{}", reset.body);
    }
);

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
            axum::http::Method::POST,
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

story!(
    a_subscriber_who_switches_to_simplified_chinese_gets_alerts_in_it,
    |app| {
        let sub = app
            .subscriber_with_line(
                &SUBSCRIBERS,
                1,
                "HK-7D-5G",
                app.now() - Duration::days(1),
                Used::Nothing,
            )
            .await;
        let (_, cookie) = app.portal_log_in(&sub.phone, PASSWORD).await;
        // The subscriber reads English, then picks 简体中文 from the switch.
        let (_, account) = page(&app, "/account", &[("cookie", &cookie)]).await;
        assert_ne!(lang_of(&account), "zh-CN");
        let (_, account) = page(&app, "/account?lang=zh-CN", &[("cookie", &cookie)]).await;
        assert_simplified("/account", &account);
        for text in ["我的账户", "剩余流量", "香港 7 天 5GB", "续费", "使用中"] {
            assert!(account.contains(text), "/account has no {text}");
        }
        let (_, orders) = page(
            &app,
            "/orders",
            &[("cookie", &format!("{cookie}; dc_lang=zh-CN"))],
        )
        .await;
        assert_simplified("/orders", &orders);

        // Usage past 75 %: the SMS and the email are in the language chosen on the page.
        let key = datacard::usage::keys::create(&app, "tower-zh")
            .await
            .expect("a network key");
        let at = app.now() - Duration::hours(1);
        let (status, _, body) = app
            .post_json(
                "/api/v1/usage",
                json!({ "records": [{ "id": "zh-1", "iccid": sub.iccid, "bytes": 4 * (1_i64 << 30),
                                  "started_at": at, "ended_at": at + Duration::minutes(1) }] }),
                &[("authorization", &bearer(&key))],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        datacard::jobs::run_due(&app, "languages-story")
            .await
            .expect("jobs run");
        let sms = app.last_message(&sub.phone).await.message;
        assert_eq!(
            (sms.kind.as_str(), sms.locale),
            ("alert_used_75", Locale::ZhCn)
        );
        assert!(sms.body.contains("的流量已用 75%"), "{}", sms.body);
        let mail = app.last_message(&sub.email).await.message;
        assert_eq!(
            (mail.kind.as_str(), mail.locale),
            ("alert_used_75", Locale::ZhCn)
        );
        assert_eq!(mail.subject, "你的流量已用 75%");
    }
);
