//! The portal's card page, as its script (our fake Stripe.js's caller) uses it.

use axum::body::Body;
use axum::http::Request;

use super::*;

pub(super) async fn page(
    app: &TestApp,
    sub: &PortalSubscriber,
    path: &str,
) -> (StatusCode, String) {
    let request = Request::get(path)
        .header(header::COOKIE, &sub.cookie)
        .body(Body::empty())
        .expect("a request");
    let (status, _, body) = app.send(request).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// A form post with the subscriber's CSRF token (or `csrf` instead); the answer.
pub(super) async fn post_form(
    app: &TestApp,
    sub: &PortalSubscriber,
    path: &str,
    fields: &[(&str, &str)],
    csrf: Option<&str>,
) -> Reply {
    let mut pairs = vec![("csrf", csrf.unwrap_or(&sub.csrf))];
    pairs.extend_from_slice(fields);
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &sub.cookie)
        .body(Body::from(
            serde_urlencoded::to_string(&pairs).expect("a form"),
        ))
        .expect("a request");
    let (status, headers, body) = app.send(request).await;
    (status, headers, json_of(&body))
}

/// `POST /pay/stripe/{payment}/setup`: the SetupIntent's client secret.
pub(super) async fn begin_setup(
    app: &TestApp,
    sub: &PortalSubscriber,
    payment: &str,
    save: bool,
) -> String {
    let fields: &[(&str, &str)] = if save { &[("save", "on")] } else { &[] };
    let (status, _, body) = post_form(
        app,
        sub,
        &format!("/pay/stripe/{payment}/setup"),
        fields,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["client_secret"]
        .as_str()
        .expect("a client secret")
        .to_owned()
}

pub(super) async fn confirm(
    app: &TestApp,
    sub: &PortalSubscriber,
    payment: &str,
    setup_intent: &str,
) -> Reply {
    post_form(
        app,
        sub,
        &format!("/pay/stripe/{payment}/confirm"),
        &[("setup_intent", setup_intent)],
        None,
    )
    .await
}

/// The whole card page: Pay with `number` (3-D Secure completed when asked), saving
/// the card or not. The SetupIntent and the last answer of our confirm.
pub(super) async fn pay_on_card_page(
    app: &TestApp,
    stripe: &LocalStripe,
    sub: &PortalSubscriber,
    payment: &str,
    number: &str,
    save: bool,
) -> (String, Value) {
    let (status, html) = page(app, sub, &format!("/pay/stripe/{payment}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains(&format!("data-key=\"{PUBLISHABLE_KEY}\"")),
        "{html}"
    );
    assert!(
        html.contains(&format!("<script src=\"{}\">", stripe.js_url())),
        "the page loads Stripe.js from js_url: {html}"
    );
    let secret = begin_setup(app, sub, payment, save).await;
    let (status, mut setup) = stripe.confirm_card_setup(&secret, number).await;
    assert_eq!(status, 200, "confirmCardSetup: {setup}");
    if setup["status"] == "requires_action" {
        let (status, authenticated) = stripe.authenticate_setup(&secret).await;
        assert_eq!(status, 200, "{authenticated}");
        setup = authenticated;
    }
    assert_eq!(setup["status"], "succeeded", "{setup}");
    let setup_intent = setup["id"].as_str().expect("an id").to_owned();
    let (status, _, mut answer) = confirm(app, sub, payment, &setup_intent).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    if answer["next"] == "authenticate" {
        let secret = answer["client_secret"].as_str().expect("a client secret");
        let (status, authenticated) = stripe.authenticate_payment(secret, true).await;
        assert_eq!(status, 200, "{authenticated}");
        let (status, _, again) = confirm(app, sub, payment, &setup_intent).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        answer = again;
    }
    assert_eq!(answer["next"], "order", "{answer}");
    (setup_intent, answer)
}
