//! The subscriber's alert page and the order page's dispute, and the operator's
//! "needs a person" page with the findings, as a browser and a staff member use them.

use axum::body::Body;
use axum::http::{HeaderMap, Request, header};
use datacard::staff::Role;

use super::helpers::*;

async fn get(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, String) {
    let request = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = app.send(request).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn post(
    app: &TestApp,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, HeaderMap, String) {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(serde_urlencoded::to_string(fields).unwrap()))
        .unwrap();
    let (status, headers, body) = app.send(request).await;
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

story!(the_alert_page_disputes_a_charge_and_sets_the_cap, |app| {
    let sub = subscriber(&app, 60, 3).await;
    let order = paid_top_up(&app, &sub, 10_000).await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let unpaid = app.order_top_up(&sub.auth(), 5_000, "card").await;
    pay_again(&app, &order).await;
    scan_twice(&app).await;
    let finding = findings_of(&app, Kind::DoublePayment).await.remove(0);
    let (csrf, cookie) = app.portal_log_in(&sub.phone, PASSWORD).await;

    let (_, account) = get(&app, "/account", &cookie).await;
    assert!(
        account.contains("href=\"/alerts\""),
        "linked from the account page"
    );
    let (status, page) = get(&app, "/alerts", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("id=\"f-{}\"", finding.id)), "{page}");
    // The portal speaks the operator's language (zh-HK) until asked for another.
    assert!(page.contains("你的訂單付了兩次款"));
    assert!(page.contains(&format!("action=\"/orders/{order_id}/dispute\"")));
    assert!(page.contains("未設上限"));

    // The order page of a paid order offers the dispute; an unpaid one does not.
    let (_, paid_page) = get(&app, &format!("/orders/{order_id}"), &cookie).await;
    assert!(paid_page.contains("data-testid=\"dispute-order\""));
    let (_, unpaid_page) = get(
        &app,
        &format!("/orders/{}", unpaid["id"].as_str().unwrap()),
        &cookie,
    )
    .await;
    assert!(!unpaid_page.contains("data-testid=\"dispute-order\""));
    // Posted anyway: refused in words, nothing opened.
    let (status, _, refused) = post(
        &app,
        &format!("/orders/{}/dispute", unpaid["id"].as_str().unwrap()),
        &cookie,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(refused.contains("此訂單未付款"), "{refused}");
    // Without the form's token: refused.
    let (status, _, _) = post(
        &app,
        &format!("/orders/{order_id}/dispute"),
        &cookie,
        &[("csrf", "forged")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.count_rows("tickets").await, 0);

    let (status, headers, _) = post(
        &app,
        &format!("/orders/{order_id}/dispute"),
        &cookie,
        &[("csrf", &csrf), ("finding", &finding.id)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let to = headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(to.starts_with("/support/tkt_"), "{to}");
    let (status, _) = get(&app, &to, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = get(&app, "/alerts", &cookie).await;
    assert!(page.contains("data-testid=\"disputed\""), "{page}");

    // The cap: a bad amount is said at the field, a good one saved.
    for bad in ["0", "-5", "abc", "12.345"] {
        let (status, _, page) = post(
            &app,
            "/alerts/spend-cap",
            &cookie,
            &[("csrf", &csrf), ("monthly", bad), ("action", "save")],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(page.contains("aria-invalid=\"true\""), "{page}");
    }
    assert_eq!(app.count_rows("spend_caps").await, 0);
    let (status, headers, _) = post(
        &app,
        "/alerts/spend-cap",
        &cookie,
        &[("csrf", &csrf), ("monthly", "300"), ("action", "save")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers.get("location").unwrap(), "/alerts?cap=saved");
    let (_, page) = get(&app, "/alerts?cap=saved", &cookie).await;
    assert!(page.contains("你的上限為每月 HK$300.00"), "{page}");
    let (_, page) = get(&app, "/alerts?lang=en", &cookie).await;
    assert!(page.contains("Your cap is HK$300.00 a month"), "{page}");
    assert!(page.contains("Your order was paid twice"));
    let (status, _, _) = post(
        &app,
        "/alerts/spend-cap",
        &cookie,
        &[("csrf", &csrf), ("monthly", "300"), ("action", "remove")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.count_rows("spend_caps").await, 0);
});

story!(the_operator_dismisses_a_finding_with_a_reason, |app| {
    let sub = subscriber(&app, 61, 3).await;
    let order = paid_top_up(&app, &sub, 10_000).await;
    pay_again(&app, &order).await;
    scan_twice(&app).await;
    let finding = findings_of(&app, Kind::DoublePayment).await.remove(0);
    let marker = format!("data-id=\"{}\"", finding.id);

    let viewer = app.enrolled_staff("looker@example.com", Role::Viewer).await;
    let (status, _, page) = app
        .console_get("/admin/payments/attention", &viewer.cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&marker), "a viewer sees it");
    assert!(
        page.contains("你的訂單付了兩次款"),
        "in the console's language"
    );
    let (status, _, _) = app
        .console_post(
            "/admin/attention/dismiss",
            &viewer.cookie,
            &[
                ("csrf", &viewer.csrf),
                ("subject", "finding"),
                ("id", &finding.id),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "but may not dismiss");

    let desk = app.enrolled_staff("desk@example.com", Role::Support).await;
    let dismiss = |reason: &'static str| {
        let (cookie, csrf, id) = (desk.cookie.clone(), desk.csrf.clone(), finding.id.clone());
        let app = &app;
        async move {
            app.console_post(
                "/admin/attention/dismiss",
                &cookie,
                &[
                    ("csrf", &csrf),
                    ("subject", "finding"),
                    ("id", &id),
                    ("reason", reason),
                ],
            )
            .await
        }
    };
    let (status, _, page) = dismiss("  ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains(&marker), "still there");
    let (status, _, _) = dismiss("refund sent by the job; customer told").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = app
        .console_get("/admin/payments/attention", &desk.cookie)
        .await;
    assert!(!page.contains(&marker), "dealt with");
    assert!(flags(&app).await.is_empty());
    let log = datacard::audit::list(&app, Some(&finding.id), None, 10)
        .await
        .unwrap();
    assert!(log.entries.iter().any(|e| e.action == "finding.dismiss"
        && e.actor == "staff:desk@example.com"
        && e.detail.contains("refund sent")));
    // Again: nothing to dismiss. The subscriber's alert page still shows it.
    let (status, _, _) = dismiss("again").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, alerts) = app
        .get_json("/api/v1/me/alerts", &[("authorization", &sub.auth())])
        .await;
    assert_eq!(alerts[0]["id"], finding.id.as_str());
    // Scanning again does not bring it back.
    assert_eq!(scan_twice(&app).await, 0);
    assert!(flags(&app).await.is_empty());
});
