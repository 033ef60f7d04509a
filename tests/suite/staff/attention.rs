//! Payments that need a person: the seed's "I paid but it didn't update" call — the
//! provider's notification is lost, support finds the payment on the attention list,
//! asks the provider, and the order is fulfilled once; flags dismissed with a reason.

use axum::http::{Method, StatusCode};
use datacard::staff::Role;
use serde_json::{Value, json};

use super::*;

const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852656",
    email: "stuck",
    iccid: "89852066",
};

/// A card top-up the payer paid at the sandbox bank, whose notification never came.
async fn paid_but_not_heard(app: &TestApp) -> (Subscriber, Value) {
    let sub = app
        .subscriber_with_line(&SUBSCRIBERS, 1, "HK-30D-20G", app.now(), Used::Nothing)
        .await;
    let order = app.order_top_up(&sub.auth(), 10_000, "card").await;
    let payment = order["payment"]["id"].as_str().unwrap();
    let (status, _, body) = app
        .post_raw(
            &format!("/sandbox/pay/{payment}"),
            Some("application/x-www-form-urlencoded"),
            b"outcome=succeed".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    // The notification is lost: never delivered.
    (sub, order)
}

async fn order_state(app: &TestApp, sub: &Subscriber, order: &Value) -> String {
    let id = order["id"].as_str().unwrap();
    let (_, _, body) = app
        .get_json(
            &format!("/api/v1/orders/{id}"),
            &[("authorization", &sub.auth())],
        )
        .await;
    body["state"].as_str().unwrap_or_default().to_owned()
}

story!(
    support_asks_the_provider_about_a_payment_whose_news_was_lost,
    |app| {
        let (sub, order) = paid_but_not_heard(&app).await;
        let payment = order["payment"]["id"].as_str().unwrap().to_owned();
        let viewer = datacard::api_keys::create_operator(&app, "looker", Role::Viewer)
            .await
            .unwrap();
        let auth = bearer(&viewer);

        // Not listed while it is young; listed once the provider has been silent a while.
        let (_, _, list) = app
            .get_json(
                "/api/v1/admin/payments/attention",
                &[("authorization", &auth)],
            )
            .await;
        assert!(!list.to_string().contains(&payment), "{list}");
        app.advance(chrono::Duration::minutes(11));
        let (status, _, list) = app
            .get_json(
                "/api/v1/admin/payments/attention",
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let item = list
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == payment.as_str())
            .unwrap_or_else(|| panic!("{list}"))
            .clone();
        assert_eq!(item["reasons"], json!(["no_word_from_provider"]));
        assert_eq!(item["actions"], json!(["query", "fulfil"]));
        assert_eq!(item["customer_id"], sub.account_id.as_str());

        // A viewer may look but not ask.
        let reply = app
            .request(
                Method::POST,
                &format!("/api/v1/admin/payments/{payment}/query"),
                None,
                &[("authorization", &auth)],
            )
            .await;
        assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");
        assert_eq!(order_state(&app, &sub, &order).await, "pending_payment");

        // Support, in the console: the list, then "ask the provider now".
        let desk = app.enrolled_staff("desk@example.com", Role::Support).await;
        let (status, _, page) = app
            .console_get("/admin/payments/attention", &desk.cookie)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(&format!("data-id=\"{payment}\"")), "{page}");
        assert!(
            page.contains(&format!("href=\"/admin/customers/{}\"", sub.account_id)),
            "the evidence is a click away"
        );
        let (status, _, page) = app
            .console_post(
                &format!("/admin/payments/{payment}/query"),
                &desk.cookie,
                &[("csrf", &desk.csrf)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("succeeded"), "{page}");
        assert_eq!(order_state(&app, &sub, &order).await, "fulfilled");
        assert!(
            !page.contains(&format!("data-id=\"{payment}\"")),
            "no longer waiting for a person"
        );
        let (_, _, me) = app
            .get_json("/api/v1/me", &[("authorization", &sub.auth())])
            .await;
        assert_eq!(
            me["wallet"]["balance"]["amount"], 10_000,
            "credited once: {me}"
        );

        // Asking again changes nothing: fulfilled once.
        let (status, _, _) = app
            .console_post(
                &format!("/admin/payments/{payment}/query"),
                &desk.cookie,
                &[("csrf", &desk.csrf)],
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, _, me) = app
            .get_json("/api/v1/me", &[("authorization", &sub.auth())])
            .await;
        assert_eq!(me["wallet"]["balance"]["amount"], 10_000, "{me}");

        let log = datacard::audit::list(&app, Some(&payment), None, 10)
            .await
            .unwrap();
        assert!(
            log.entries
                .iter()
                .any(|e| e.action == "payment.query" && e.actor == "staff:desk@example.com")
        );
        // Unknown payments are refused clearly.
        let (status, _, _) = app
            .console_post(
                "/admin/payments/pay_nothing/query",
                &desk.cookie,
                &[("csrf", &desk.csrf)],
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

story!(a_flag_is_dismissed_only_with_a_reason, |app| {
    let (_, order) = paid_but_not_heard(&app).await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    // An order the settlement flagged (as a late success would be).
    sqlx::query("UPDATE orders SET attention = 'late_success' WHERE id = $1")
        .bind(&order_id)
        .execute(app.db.reader())
        .await
        .unwrap();
    let support = datacard::api_keys::create_operator(&app, "desk", Role::Support)
        .await
        .unwrap();
    let auth = bearer(&support);
    let dismiss = |reason: &str| json!({ "subject": "order", "id": order_id, "reason": reason });
    for (body, status, code) in [
        (dismiss("   "), StatusCode::BAD_REQUEST, "reason_required"),
        (
            dismiss(&"x".repeat(501)),
            StatusCode::BAD_REQUEST,
            "reason_required",
        ),
        (
            json!({ "subject": "pizza", "id": order_id, "reason": "x" }),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({ "subject": "order", "id": "ord_nothing", "reason": "x" }),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ] {
        let reply = app
            .post_json(
                "/api/v1/admin/payments/attention/dismiss",
                body,
                &[("authorization", &auth)],
            )
            .await;
        assert_error(&reply, status, code);
    }
    let (_, _, list) = app
        .get_json(
            "/api/v1/admin/payments/attention",
            &[("authorization", &auth)],
        )
        .await;
    assert!(
        list.to_string().contains(&order_id),
        "still listed after the refusals: {list}"
    );

    let reply = app
        .post_json(
            "/api/v1/admin/payments/attention/dismiss",
            dismiss("Refunded by hand at the bank, ticket 42"),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(reply.0, StatusCode::NO_CONTENT, "{:?}", reply.2);
    let (_, _, list) = app
        .get_json(
            "/api/v1/admin/payments/attention",
            &[("authorization", &auth)],
        )
        .await;
    let flagged_order = list
        .as_array()
        .unwrap()
        .iter()
        .any(|item| item["subject"] == "order" && item["id"] == order_id.as_str());
    assert!(!flagged_order, "the order's flag is gone: {list}");
    let log = datacard::audit::list(&app, Some(&order_id), None, 10)
        .await
        .unwrap();
    assert!(log.entries.iter().any(|e| e.action == "attention.dismiss"
        && e.actor == "desk"
        && e.detail.contains("ticket 42")));
});

story!(
    support_asks_from_the_customers_page_and_stays_on_it,
    |app| {
        let (sub, order) = paid_but_not_heard(&app).await;
        let payment = order["payment"]["id"].as_str().unwrap().to_owned();
        app.advance(chrono::Duration::minutes(11));
        let button = format!("action=\"/admin/payments/{payment}/query\"");
        let page = format!("/admin/customers/{}", sub.account_id);
        let viewer = app.enrolled_staff("looker@example.com", Role::Viewer).await;
        let (_, _, html) = app.console_get(&page, &viewer.cookie).await;
        assert!(!html.contains(&button), "a viewer may not ask");
        assert!(
            html.contains("class=\"attention\""),
            "the silence is pointed out: {html}"
        );
        let desk = app.enrolled_staff("desk@example.com", Role::Support).await;
        let (_, _, html) = app.console_get(&page, &desk.cookie).await;
        assert!(html.contains(&button), "{html}");
        let (status, headers, _) = app
            .console_post(
                &format!("/admin/payments/{payment}/query"),
                &desk.cookie,
                &[("csrf", &desk.csrf), ("back", &sub.account_id)],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            headers.get("location").unwrap(),
            &format!("{page}?said=queried&at=orders#orders")
        );
        assert_eq!(order_state(&app, &sub, &order).await, "fulfilled");
        let (_, _, html) = app.console_get(&page, &desk.cookie).await;
        assert!(!html.contains(&button), "nothing left to ask about");
    }
);
