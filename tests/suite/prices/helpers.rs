//! Pages as the portal serves them, and the figures the stories read off them.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

pub use crate::support::TestApp;
pub use axum::http::StatusCode as Status;

/// `GET path` with the session `cookie` (may be empty): the status and the page.
pub async fn page(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String) {
    let mut request = Request::get(path);
    if !cookie.is_empty() {
        request = request.header(header::COOKIE, cookie);
    }
    let (status, _, body) = app
        .send(request.body(Body::empty()).expect("request"))
        .await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Posts the review's form (`fields` besides the CSRF token) to `/checkout`.
pub async fn pay(
    app: &TestApp,
    csrf: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut all = vec![("csrf", csrf)];
    all.extend_from_slice(fields);
    let form = serde_urlencoded::to_string(all).expect("form");
    let request = Request::post("/checkout?lang=en")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(form))
        .expect("request");
    let (status, _, body) = app.send(request).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// The value of the attribute `attr` on each element that has `marker`.
pub fn attr_after(page: &str, marker: &str, attr: &str) -> Vec<String> {
    page.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &page[at..];
            let tag_end = rest.find('>')?;
            let tag = &rest[..tag_end];
            let start = tag.find(&format!("{attr}=\""))? + attr.len() + 2;
            let end = tag[start..].find('"')?;
            Some(tag[start..start + end].to_owned())
        })
        .collect()
}

/// Each plan on the plans page with the total it shows: [(code, minor units)].
pub fn plan_totals(page: &str) -> Vec<(String, i64)> {
    page.split("data-plan=\"")
        .skip(1)
        .filter_map(|card| {
            let code = card[..card.find('"')?].to_owned();
            let total = attr_after(card, "data-testid=\"plan-total\"", "data-total")
                .into_iter()
                .next()?
                .parse()
                .ok()?;
            Some((code, total))
        })
        .collect()
}

/// The review page's total, in minor units.
pub fn review_total(page: &str) -> Option<i64> {
    attr_after(page, "data-testid=\"order-total\"", "data-total")
        .into_iter()
        .next()?
        .parse()
        .ok()
}

/// The text inside the first element carrying `marker`, each tag read as a space.
pub fn text_of(page: &str, marker: &str) -> Option<String> {
    let at = page.find(marker)?;
    let rest = &page[at..];
    let open = rest.find('>')? + 1;
    let tag_start = page[..at].rfind('<')?;
    let name: String = page[tag_start + 1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let close = rest.find(&format!("</{name}>"))?;
    let inner = &rest[open..close];
    let mut text = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// `at` as the portal writes it in English, in Hong Kong time.
pub fn en_datetime(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono_tz::Asia::Hong_Kong)
        .format("%-d %b %Y, %H:%M")
        .to_string()
}
