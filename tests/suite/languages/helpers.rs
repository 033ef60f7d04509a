//! What the language stories share: pages as a browser asks for them, and what makes
//! a page wholly Simplified Chinese.

pub(super) use axum::body::Body;
pub(super) use axum::http::{HeaderMap, Method, Request, StatusCode, header};
pub(super) use chrono::Duration;
pub(super) use serde_json::{Value, json};

pub(super) use datacard::i18n::Locale;
pub(super) use datacard::messages::Channel;

pub(super) use crate::support::*;

/// Subscribers of these stories: +852 613…, zh…@example.com, ICCIDs 89852098….
pub(super) const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852613",
    email: "zh",
    iccid: "89852098",
};

/// Words the Traditional catalog uses where the Simplified one must not.
pub(super) const TRADITIONAL: &[&str] = &[
    "計劃",
    "數據",
    "續費",
    "登入",
    "帳戶",
    "電郵",
    "驗證碼",
    "錢包",
];

pub(super) async fn page(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (HeaderMap, String) {
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

pub(super) fn lang_of(page: &str) -> &str {
    let start = page.find("<html lang=\"").expect("an <html lang>") + "<html lang=\"".len();
    let end = page[start..].find('"').expect("a closing quote");
    &page[start..start + end]
}

/// What a reader sees of a page: its text without tags, styles or scripts.
pub(super) fn visible_text(page: &str) -> String {
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

/// Checks that `page` is in Simplified Chinese, whole: the language on `<html>`, the
/// switch showing 简体中文 as the current one, no catalog key in place of a text and
/// no Traditional-only word.
pub(super) fn assert_simplified(path: &str, page: &str) {
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
    // A key shown in place of its text is a missing text.
    let raw: Vec<&str> = datacard::i18n::keys(Locale::En)
        .into_iter()
        .filter(|key| key.contains('.') && text.contains(key))
        .collect();
    assert!(raw.is_empty(), "{path} shows keys instead of text: {raw:?}");
    let traditional: Vec<&&str> = TRADITIONAL.iter().filter(|w| text.contains(**w)).collect();
    assert!(
        traditional.is_empty(),
        "{path} has Traditional {traditional:?}"
    );
}

pub(super) async fn page_404(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, String) {
    let request = Request::get(path)
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("a request");
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "GET {path}");
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Subscriber `n` of these stories, reading English, with a line on HK-7D-5G whose
/// period started at `starts_at`.
pub(super) async fn subscriber(
    app: &TestApp,
    n: u32,
    starts_at: chrono::DateTime<chrono::Utc>,
) -> Subscriber {
    app.subscriber_with_line(&SUBSCRIBERS, n, "HK-7D-5G", starts_at, Used::Nothing)
        .await
}
