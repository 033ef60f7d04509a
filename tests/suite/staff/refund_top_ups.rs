//! A wallet top-up refunded by staff: its credit leaves the wallet with the money,
//! never more than the wallet still holds, never back into the wallet; and a payment
//! staff refunded in part is not refunded in full again by the older whole-payment
//! refund.

use axum::http::StatusCode;
use datacard::orders::staff_refund::SEND_JOB;
use datacard::staff::Role;
use serde_json::json;

use super::*;

const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852658",
    email: "refundtopup",
    iccid: "89852068",
};

story!(
    a_top_up_refund_takes_its_credit_back_and_no_more_than_is_left,
    |app| {
        let sub = app
            .subscriber_with_line(&SUBSCRIBERS, 1, "HK-30D-20G", app.now(), Used::Nothing)
            .await;
        let order = app.order_top_up(&sub.auth(), 10_000, "card").await;
        app.pay_at_sandbox(&order).await;
        let payment = order["payment"]["id"].as_str().unwrap();
        let finance = bearer(
            &datacard::api_keys::create_operator(&app, "finance-desk", Role::Finance)
                .await
                .unwrap(),
        );
        let auth = [("authorization", finance.as_str())];
        let wallet = async || {
            let (_, _, customer) = app
                .get_json(
                    &format!("/api/v1/admin/customers/{}", sub.account_id),
                    &auth,
                )
                .await;
            customer["wallet"]["amount"].as_i64().unwrap()
        };
        let credit = wallet().await;
        let path = format!("/api/v1/admin/payments/{payment}/refunds");

        // Back into the wallet it came from: refused.
        let reply = app
            .post_json(
                &path,
                json!({ "reason": "duplicate", "to": "wallet" }),
                &auth,
            )
            .await;
        assert_error(
            &reply,
            StatusCode::BAD_REQUEST,
            "invalid_refund_destination",
        );

        // HK$30 to the payer: the wallet gives it up at once.
        let (status, _, refund) = app
        .post_json(
            &path,
            json!({ "amount": { "amount": 3000, "currency": "HKD" }, "reason": "customer_request" }),
            &auth,
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{refund}");
        assert_eq!(wallet().await, credit - 3000);
        datacard::jobs::run_due_of_kind(&app, "test", SEND_JOB)
            .await
            .unwrap();

        // The older whole-payment refund does not refund it all again.
        let error = datacard::orders::refund::refund(&app, payment, "cli")
            .await
            .unwrap_err();
        assert_eq!(error.code.as_str(), "payment_not_refundable");

        // A second top-up refunded whole: the wallet gives up the HK$100 it credited, the
        // card fee goes back from the fees.
        let second = app.order_top_up(&sub.auth(), 10_000, "card").await;
        app.pay_at_sandbox(&second).await;
        let before = wallet().await;
        let (status, _, whole) = app
            .post_json(
                &format!(
                    "/api/v1/admin/payments/{}/refunds",
                    second["payment"]["id"].as_str().unwrap()
                ),
                json!({ "reason": "duplicate" }),
                &auth,
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{whole}");
        assert_eq!(wallet().await, before - 10_000);
        datacard::jobs::run_due_of_kind(&app, "test", SEND_JOB)
            .await
            .unwrap();

        // Spend the wallet down (a correction), then the rest of the top-up is refused:
        // its credit is no longer there.
        let left = wallet().await;
        let (status, _, _) = app
            .post_json(
                &format!(
                    "/api/v1/admin/customers/{}/wallet-adjustments",
                    sub.account_id
                ),
                json!({ "amount": { "amount": -left, "currency": "HKD" }, "reason": "correction" }),
                &auth,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let before = app.count_rows("refunds").await;
        let reply = app
            .post_json(&path, json!({ "reason": "goodwill" }), &auth)
            .await;
        assert_error(&reply, StatusCode::CONFLICT, "top_up_spent");
        assert_eq!(app.count_rows("refunds").await, before, "nothing changed");
        assert_eq!(wallet().await, 0);
        let report = datacard::orders::store::check_books(&app.db).await.unwrap();
        assert!(report.is_clean(), "{report:?}");
    }
);
