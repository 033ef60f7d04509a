//! What the announcement stories share: subscribers with a line, an admin key, posting
//! announcements, consent by the API, and the messages the sending jobs leave.

pub(super) use axum::http::{Method, StatusCode};
pub(super) use chrono::Duration;
pub(super) use serde_json::{Value, json};

pub(super) use datacard::messages::OutboxEntry;
pub(super) use datacard::staff::Role;

pub(super) use crate::support::*;

/// This subject's subscribers: +852 613…, news…@example.com, ICCIDs 89852098….
pub(super) const NEWS: Numbering = Numbering {
    phone: "+852613",
    email: "news",
    iccid: "89852098",
};

/// Subscriber `n` (English), whose one line runs `plan` from an hour ago.
pub(super) async fn subscriber(app: &TestApp, n: u32, plan: &str) -> Subscriber {
    let start = app.now() - Duration::hours(1);
    app.subscriber_with_line(&NEWS, n, plan, start, Used::Nothing)
        .await
}

/// An operator key with the admin role, as the `Authorization` header's value.
pub(super) async fn admin(app: &TestApp) -> String {
    let key = datacard::api_keys::create_operator(app, "news-admin", Role::Admin)
        .await
        .expect("an admin key");
    bearer(&key)
}

/// Posts an announcement; its id.
pub(super) async fn post(app: &TestApp, admin: &str, body: Value) -> String {
    let reply = post_reply(app, admin, body).await;
    assert_eq!(reply.0, StatusCode::CREATED, "{}", reply.2);
    reply.2["id"].as_str().expect("an id").to_owned()
}

pub(super) async fn post_reply(app: &TestApp, admin: &str, body: Value) -> Reply {
    app.post_json(
        "/api/v1/admin/announcements",
        body,
        &[("authorization", admin)],
    )
    .await
}

/// `PUT /api/v1/me/preferences`.
pub(super) async fn put_preferences(app: &TestApp, sub: &Subscriber, body: Value) -> Reply {
    app.request(
        Method::PUT,
        "/api/v1/me/preferences",
        Some(body),
        &[("authorization", &sub.auth())],
    )
    .await
}

pub(super) async fn preferences(app: &TestApp, sub: &Subscriber) -> Value {
    let (status, _, body) = app
        .get_json("/api/v1/me/preferences", &[("authorization", &sub.auth())])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Opts in to marketing by the channels given (through the API).
pub(super) async fn opt_in(app: &TestApp, sub: &Subscriber, sms: bool, email: bool) {
    let reply = put_preferences(
        app,
        sub,
        json!({ "marketing": { "sms": sms, "email": email } }),
    )
    .await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.2);
}

/// Runs the announcement jobs that are due until none is left (a page of subscribers
/// queues the next page and the deliveries).
pub(super) async fn send_due(app: &TestApp) {
    loop {
        let mut ran = 0;
        for kind in [
            datacard::announcements::SEND_JOB,
            datacard::announcements::DELIVER_JOB,
        ] {
            ran += datacard::jobs::run_due_of_kind(app, "news-story", kind)
                .await
                .expect("announcement jobs run");
        }
        if ran == 0 {
            return;
        }
    }
}

/// The announcement messages sent so far to `to` (a phone or an email address).
pub(super) async fn announcements_to(app: &TestApp, to: &str) -> Vec<OutboxEntry> {
    app.outbox_as_sent()
        .await
        .into_iter()
        .filter(|entry| entry.message.to == to && entry.message.kind.starts_with("announcement"))
        .collect()
}

/// The current announcements the subscriber (or, without a token, a visitor) sees.
pub(super) async fn current(app: &TestApp, token: Option<&str>) -> Vec<Value> {
    let auth = token.map(bearer);
    let headers: Vec<(&str, &str)> = auth
        .as_deref()
        .map(|auth| vec![("authorization", auth)])
        .unwrap_or_default();
    let (status, _, body) = app.get_json("/api/v1/announcements", &headers).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().expect("a list").clone()
}

/// The ids among `list`.
pub(super) fn ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|a| a["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A portal page with the subscriber's browser session: its HTML.
pub(super) async fn page(app: &TestApp, path: &str, cookie: &str) -> String {
    let (status, _, body) = app.console_get(path, cookie).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    body
}

/// The ids of the banners a page shows.
pub(super) fn banners(page: &str) -> Vec<String> {
    page.match_indices("data-testid=\"banner\" data-id=\"")
        .map(|(at, found)| {
            let rest = &page[at + found.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_owned()
        })
        .collect()
}

/// The link in `text` that starts with `prefix` (up to the next space or line end).
pub(super) fn link_in(text: &str, prefix: &str) -> Option<String> {
    let at = text.find(prefix)?;
    let rest = &text[at..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ')' || c == '"' || c == '<')
        .unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}
