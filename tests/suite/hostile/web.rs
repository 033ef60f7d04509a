//! The web edge: another site cannot use a subscriber's browser (its cookie) to act
//! for them, a login cannot send them elsewhere, and every answer tells the browser
//! to keep to HTTPS and not to leak our addresses.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::json;

use crate::support::*;

const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852615",
    email: "edge",
    iccid: "89852079",
};
const PLAN: &str = "HK-30D-20G";
const EVIL: &str = "https://evil.example";

async fn subscriber(app: &TestApp, n: u32) -> (Subscriber, String, String) {
    let sub = app
        .subscriber_with_line(&SUBSCRIBERS, n, PLAN, app.now(), Used::Nothing)
        .await;
    let (csrf, cookie) = app.portal_log_in(&sub.phone, PASSWORD).await;
    (sub, csrf, cookie)
}

/// A form POST as a browser sends it: the cookie, the fields, and `headers`.
async fn post_form(
    app: &TestApp,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, String) {
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, cookie);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = serde_urlencoded::to_string(fields).expect("a form");
    let (status, headers, body) = app
        .send(request.body(Body::from(body)).expect("a request"))
        .await;
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// Whether the portal still knows the cookie's session: its account page, not a
/// redirect to log in.
async fn signed_in(app: &TestApp, cookie: &str) -> bool {
    let (status, _, _) = app.get_json("/account", &[("cookie", cookie)]).await;
    status == StatusCode::OK
}

fn location(headers: &HeaderMap) -> &str {
    headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

// ----- the JSON API takes bearer tokens only ----------------------------------------

story!(
    a_cross_origin_form_cannot_refresh_an_order_with_the_portal_cookie,
    |app| {
        let (sub, _, cookie) = subscriber(&app, 1).await;
        let renewal = json!({ "kind": "renewal", "iccid": sub.iccid, "plan_code": PLAN,
                          "periods": 1, "payment_method": "card" });
        let (status, _, order) = app
            .post_json("/api/v1/orders", renewal, &[("authorization", &sub.auth())])
            .await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        let order_id = order["id"].as_str().expect("an order id").to_owned();
        let payment_id = order["payment"]["id"]
            .as_str()
            .expect("a payment")
            .to_owned();
        // The payer pays at the provider; its notification has not arrived yet, so only
        // a status query would find out.
        let (status, _, _) = app
            .post_raw(
                &format!("/sandbox/pay/{payment_id}"),
                Some("application/x-www-form-urlencoded"),
                b"outcome=succeed".to_vec(),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        let refresh = format!("/api/v1/orders/{order_id}/refresh");
        let (status, _, body) = post_form(&app, &refresh, &cookie, &[], &[("origin", EVIL)]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(error_code(&json_of(body.as_bytes())), "unauthenticated");
        let (status, _, body) = app
            .request(
                axum::http::Method::GET,
                &format!("/api/v1/orders/{order_id}"),
                None,
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "the cookie reads nothing either: {body}"
        );

        let (_, _, shown) = app
            .get_json(
                &format!("/api/v1/orders/{order_id}"),
                &[("authorization", &sub.auth())],
            )
            .await;
        assert_eq!(
            shown["state"], "pending_payment",
            "the provider was not asked: {shown}"
        );
        // The subscriber's own refresh, with the bearer token, asks and finds it paid.
        let (status, _, refreshed) = app
            .post_json(&refresh, json!({}), &[("authorization", &sub.auth())])
            .await;
        assert_eq!(status, StatusCode::OK, "{refreshed}");
        assert_eq!(refreshed["state"], "fulfilled", "{refreshed}");
    }
);

// ----- portal forms: Origin, Referer and a token bound to the session ----------------

story!(a_portal_form_posted_from_another_site_is_refused, |app| {
    let (_, csrf, cookie) = subscriber(&app, 1).await;
    let fields = [("csrf", csrf.as_str())];
    for headers in [
        vec![("origin", EVIL)],
        vec![("origin", "null")],
        vec![("origin", "http://datacard.test")],
        vec![("referer", "https://evil.example/win-a-prize")],
        vec![
            ("origin", EVIL),
            ("referer", "https://datacard.test/logout"),
        ],
    ] {
        let (status, _, page) =
            post_form(&app, "/logout?lang=en", &cookie, &fields, &headers).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}: {page}");
        assert!(
            page.contains("another site"),
            "{headers:?}: the page says why: {page}"
        );
        assert!(
            signed_in(&app, &cookie).await,
            "{headers:?} logged the subscriber out"
        );
    }

    // The portal's own pages post with our origin (or, from older browsers, none).
    let (status, _, page) = post_form(
        &app,
        "/logout",
        &cookie,
        &fields,
        &[("origin", "https://datacard.test")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(!signed_in(&app, &cookie).await);
});

story!(a_form_with_the_referer_of_our_own_page_is_accepted, |app| {
    let (_, csrf, cookie) = subscriber(&app, 1).await;
    let (status, _, page) = post_form(
        &app,
        "/logout",
        &cookie,
        &[("csrf", &csrf)],
        &[("referer", "https://datacard.test/logout")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(!signed_in(&app, &cookie).await);
});

/// The session cookie out of a `Cookie` header.
fn session_of(cookie: &str) -> &str {
    cookie
        .split(';')
        .find_map(|pair| pair.trim().strip_prefix("dc_session="))
        .expect("a session cookie")
}

story!(a_csrf_token_from_another_session_is_refused, |app| {
    let (_, attacker_csrf, _) = subscriber(&app, 1).await;
    let (_, victim_csrf, victim_cookie) = subscriber(&app, 2).await;
    assert_ne!(attacker_csrf, victim_csrf);
    // The attacker's token, and (planted in the victim's browser) the attacker's own
    // CSRF cookie beside the victim's session.
    let planted = format!(
        "dc_csrf={attacker_csrf}; dc_session={}",
        session_of(&victim_cookie)
    );
    let (status, _, page) =
        post_form(&app, "/logout", &planted, &[("csrf", &attacker_csrf)], &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(signed_in(&app, &victim_cookie).await);
    let (status, _, page) = post_form(
        &app,
        "/logout",
        &victim_cookie,
        &[("csrf", &attacker_csrf)],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(signed_in(&app, &victim_cookie).await);
});

story!(a_made_up_token_pair_does_not_log_anyone_in, |app| {
    let (sub, _, _) = subscriber(&app, 1).await;
    // Before a session, the token is the server's MAC of the browser's pre-session
    // cookie: a cookie and a field that merely agree are not enough.
    let made_up = "attacker-chosen-value-0123456789-abcdefghijk";
    let cookie = format!("dc_csrf={made_up}; dc_pre={made_up}");
    let (status, headers, page) = post_form(
        &app,
        "/login",
        &cookie,
        &[
            ("csrf", made_up),
            ("login", &sub.phone),
            ("password", PASSWORD),
        ],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(set_cookie(&headers, "dc_session").is_none());
});

// ----- where a login sends the subscriber ---------------------------------------------

story!(next_after_login_stays_on_our_site, |app| {
    let (sub, _, _) = subscriber(&app, 1).await;
    for (next, expected) in [
        ("/orders", "/orders"),
        (
            "/lines/89852079/usage?lang=en",
            "/lines/89852079/usage?lang=en",
        ),
        ("/\t/evil.example", "/account"),
        ("/\u{b}/evil.example", "/account"),
        ("/\\evil.example", "/account"),
        ("//evil.example", "/account"),
        ("/orders//evil.example", "/account"),
        ("https://evil.example", "/account"),
        ("/account\r\nSet-Cookie: x=1", "/account"),
        ("/evil", "/account"),
        ("/orders\u{0}", "/account"),
    ] {
        let (status, headers, page) = app
            .send(
                Request::get("/login")
                    .body(Body::empty())
                    .expect("a request"),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let page_cookies = cookies_of(&headers);
        let csrf = csrf_of(&String::from_utf8_lossy(&page)).expect("a CSRF field");
        let (status, headers, page) = post_form(
            &app,
            "/login",
            &page_cookies,
            &[
                ("csrf", &csrf),
                ("login", &sub.phone),
                ("password", PASSWORD),
                ("next", next),
            ],
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "next={next:?}: {page}");
        assert_eq!(location(&headers), expected, "next={next:?}");
    }
    // The login page does not carry a foreign `next` into its form either.
    let (status, _, page) = app
        .send(
            Request::get("/login?next=%2F%0B%2Fevil.example")
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!String::from_utf8_lossy(&page).contains("evil.example"));
});

/// The `Cookie` header a browser sends back after an answer's `Set-Cookie`s.
fn cookies_of(headers: &HeaderMap) -> String {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

// ----- headers on every answer --------------------------------------------------------

story!(every_answer_keeps_referrers_to_our_site, |app| {
    for path in ["/", "/login", "/api/v1/plans", "/healthz", "/no-such-page"] {
        let (_, headers, _) = app.get_json(path, &[]).await;
        assert_eq!(
            headers.get("referrer-policy").and_then(|v| v.to_str().ok()),
            Some("same-origin"),
            "{path}"
        );
        assert_eq!(
            headers
                .get(header::STRICT_TRANSPORT_SECURITY)
                .and_then(|v| v.to_str().ok()),
            Some("max-age=31536000; includeSubDomains"),
            "{path}: the public address is https"
        );
    }
});

story!(only_the_way_to_a_payment_page_names_our_origin, |app| {
    // WeChat Pay's H5 page wants our domain as the Referer: the redirect to a
    // provider's page, and the order page's link to it, let the browser say our
    // origin (never the page).
    let (sub, csrf, cookie) = subscriber(&app, 1).await;
    let (status, headers, page) = post_form(
        &app,
        "/checkout",
        &cookie,
        &[
            ("csrf", &csrf),
            ("plan", PLAN),
            ("target", &sub.iccid),
            ("method", "card"),
            ("periods", "1"),
        ],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(location(&headers).contains("/sandbox/pay/"), "{headers:?}");
    assert_eq!(
        headers.get("referrer-policy").and_then(|v| v.to_str().ok()),
        Some("strict-origin")
    );
    let (_, _, orders) = app
        .get_json("/api/v1/orders", &[("authorization", &sub.auth())])
        .await;
    let order_id = orders[0]["id"].as_str().expect("the order");
    let (_, headers, page) = app
        .get_json(&format!("/orders/{order_id}"), &[("cookie", &cookie)])
        .await;
    let page = page.as_str().unwrap_or_default();
    assert!(page.contains("referrerpolicy=\"strict-origin\""), "{page}");
    assert_eq!(
        headers.get("referrer-policy").and_then(|v| v.to_str().ok()),
        Some("same-origin")
    );
});

story_with!(
    no_hsts_when_the_public_address_is_plain_http,
    |backend| TestApp::start_with(backend, |config| {
        config.server.public_url = "http://datacard.test".into();
    }),
    |app| {
        let (_, headers, _) = app.get_json("/login", &[]).await;
        assert!(headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
        assert!(headers.get("referrer-policy").is_some());
    }
);
