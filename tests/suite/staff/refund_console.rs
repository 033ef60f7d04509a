//! Refunds and adjustments in the console: a finance member refunds half of an order
//! from the customer page; an adjustment above the approval amount waits, its asker
//! sees no Approve on it, a second member approves; a malformed amount is refused on
//! the same page; a support member's post is refused with nothing changed.

use axum::http::StatusCode;
use datacard::orders::staff_refund::SEND_JOB;
use datacard::staff::Role;
use serde_json::json;

use super::*;

const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852657",
    email: "refundconsole",
    iccid: "89852067",
};

/// Follows the form's redirect back to the customer page.
async fn follow(
    app: &TestApp,
    status: StatusCode,
    headers: &axum::http::HeaderMap,
    cookie: &str,
) -> String {
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers.get("location").unwrap().to_str().unwrap();
    let path = location.split('#').next().unwrap();
    let (status, _, page) = app.console_get(path, cookie).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

story!(
    a_finance_member_refunds_half_and_a_second_member_approves_a_credit,
    |app| {
        let sub = app
            .subscriber_with_line(&SUBSCRIBERS, 1, "HK-30D-20G", app.now(), Used::Nothing)
            .await;
        let (status, _, order) = app
            .post_json(
                "/api/v1/orders",
                json!({ "kind": "renewal", "iccid": sub.iccid, "plan_code": "HK-30D-20G",
                    "periods": 1, "payment_method": "card" }),
                &[("authorization", &sub.auth())],
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        app.pay_at_sandbox(&order).await;
        let payment = order["payment"]["id"].as_str().unwrap();
        let (paid,): (i64,) = sqlx::query_as("SELECT amount FROM payments WHERE id = $1")
            .bind(payment)
            .fetch_one(app.db.reader())
            .await
            .unwrap();
        let first = app.enrolled_staff("first@example.com", Role::Finance).await;
        let second = app.enrolled_staff("second@example.com", Role::Admin).await;
        let support = app.enrolled_staff("desk@example.com", Role::Support).await;
        let customer = format!("/admin/customers/{}", sub.account_id);

        let (_, _, page) = app.console_get(&customer, &first.cookie).await;
        assert!(page.contains("data-testid=\"refunds\""), "the section");
        assert!(
            page.contains(&format!("action=\"{customer}/refunds\"")),
            "the refund form for finance"
        );
        let (_, _, page) = app.console_get(&customer, &support.cookie).await;
        assert!(
            !page.contains(&format!("action=\"{customer}/refunds\"")),
            "no refund form for support"
        );

        // A malformed amount: refused on the customer page, nothing changed.
        let (status, headers, _) = app
            .console_post(
                &format!("{customer}/refunds"),
                &first.cookie,
                &[
                    ("csrf", &first.csrf),
                    ("payment", payment),
                    ("amount", "12abc"),
                    ("to", "provider"),
                    ("reason", "service_problem"),
                    ("note", ""),
                ],
            )
            .await;
        let page = follow(&app, status, &headers, &first.cookie).await;
        assert!(page.contains("data-code=\"invalid_amount\""), "{page}");
        assert_eq!(app.count_rows("refunds").await, 0);

        // Half, in dollars.
        let half = format!("{}.{:02}", paid / 2 / 100, paid / 2 % 100);
        let (status, headers, _) = app
            .console_post(
                &format!("{customer}/refunds"),
                &first.cookie,
                &[
                    ("csrf", &first.csrf),
                    ("payment", payment),
                    ("amount", &half),
                    ("to", "provider"),
                    ("reason", "service_problem"),
                    ("note", "slow data"),
                ],
            )
            .await;
        let page = follow(&app, status, &headers, &first.cookie).await;
        assert!(
            page.contains("role=\"status\""),
            "the outcome is said: {page}"
        );
        assert!(page.contains("slow data"), "the refund is listed");
        datacard::jobs::run_due_of_kind(&app, "test", SEND_JOB)
            .await
            .unwrap();
        let (taken,): (i64,) = sqlx::query_as(
            "SELECT amount FROM refunds WHERE payment_id = $1 AND state = 'refunded'",
        )
        .bind(payment)
        .fetch_one(app.db.reader())
        .await
        .unwrap();
        assert_eq!(taken, paid / 2);

        // Support may not: 403, nothing changed.
        let before = app.count_rows("refunds").await;
        let (status, _, _) = app
            .console_post(
                &format!("{customer}/wallet-adjustments"),
                &support.cookie,
                &[
                    ("csrf", &support.csrf),
                    ("amount", "10.00"),
                    ("reason", "goodwill"),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(app.count_rows("refunds").await, before);

        // HK$600 goodwill: above the approval amount, it waits.
        let (status, headers, _) = app
            .console_post(
                &format!("{customer}/wallet-adjustments"),
                &first.cookie,
                &[
                    ("csrf", &first.csrf),
                    ("amount", "600.00"),
                    ("reason", "goodwill"),
                    ("note", "long outage"),
                ],
            )
            .await;
        let page = follow(&app, status, &headers, &first.cookie).await;
        assert!(page.contains("long outage"), "{page}");
        let (_, _, list) = app.console_get("/admin/refunds", &first.cookie).await;
        assert!(list.contains("long outage"), "{list}");
        assert!(
            !list.contains("/approve\""),
            "no Approve on one's own: {list}"
        );
        let (id,): (String,) =
            sqlx::query_as("SELECT id FROM refunds WHERE state = 'pending_approval'")
                .fetch_one(app.db.reader())
                .await
                .unwrap();
        let approve = format!("/admin/refunds/{id}/approve");
        // Posted anyway by its asker: refused, said on the page.
        let (status, _, page) = app
            .console_post(&approve, &first.cookie, &[("csrf", &first.csrf)])
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(page.contains("data-code=\"own_approval\""), "{page}");
        let (_, _, list) = app.console_get("/admin/refunds", &second.cookie).await;
        assert!(list.contains(&format!("action=\"{approve}\"")), "{list}");
        let (status, headers, _) = app
            .console_post(&approve, &second.cookie, &[("csrf", &second.csrf)])
            .await;
        let page = follow(&app, status, &headers, &second.cookie).await;
        assert!(
            page.contains("role=\"status\""),
            "the outcome is said: {page}"
        );
        assert!(page.contains("data-testid=\"none-pending\""), "{page}");
        let (_, _, page) = app.console_get(&customer, &first.cookie).await;
        assert!(page.contains("second@example.com"), "the approver is shown");
    }
);
