//! Refunds and wallet adjustments in the back office: part of a payment then the rest,
//! never more than was paid; a wallet never below zero; four-eyes above
//! `[console] approval_above` (nobody approves their own, approving twice changes
//! nothing); a support member's finance action refused with nothing changed; the
//! books clean after each.

use axum::http::StatusCode;
use datacard::orders::staff_refund::SEND_JOB;
use datacard::staff::Role;
use serde_json::{Value, json};

use super::*;

const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852656",
    email: "refunds",
    iccid: "89852066",
};

/// A subscriber with a line who renewed it for one period, paid by card at the sandbox.
async fn paid_renewal(app: &TestApp) -> (Subscriber, Value) {
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
    let (_, _, paid) = app
        .get_json(
            &format!("/api/v1/orders/{}", order["id"].as_str().unwrap()),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(paid["state"], "fulfilled", "{paid}");
    (sub, paid)
}

async fn key(app: &TestApp, name: &str, role: Role) -> String {
    bearer(
        &datacard::api_keys::create_operator(app, name, role)
            .await
            .unwrap(),
    )
}

async fn books_clean(app: &TestApp) {
    let report = datacard::orders::store::check_books(&app.db).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
}

async fn ledger_transactions(app: &TestApp) -> i64 {
    app.count_rows("ledger_transactions").await
}

async fn wallet(app: &TestApp, auth: &str, account: &str) -> i64 {
    let (status, _, customer) = app
        .get_json(
            &format!("/api/v1/admin/customers/{account}"),
            &[("authorization", auth)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{customer}");
    customer["wallet"]["amount"].as_i64().unwrap()
}

async fn send_refunds(app: &TestApp) {
    datacard::jobs::run_due_of_kind(app, "test", SEND_JOB)
        .await
        .unwrap();
}

story!(
    part_of_a_payment_is_refunded_then_the_rest_and_never_more,
    |app| {
        let (_, order) = paid_renewal(&app).await;
        let finance = key(&app, "finance-desk", Role::Finance).await;
        let auth = [("authorization", finance.as_str())];
        let payment = order["payment"]["id"].as_str().unwrap().to_owned();
        let (paid,): (i64,) = sqlx::query_as("SELECT amount FROM payments WHERE id = $1")
            .bind(&payment)
            .fetch_one(app.db.reader())
            .await
            .unwrap();
        let path = format!("/api/v1/admin/payments/{payment}/refunds");
        let half = paid / 2;

        let (status, _, first) = app
        .post_json(
            &path,
            json!({ "amount": { "amount": half, "currency": "HKD" }, "reason": "service_problem",
                    "note": "no data for two days" }),
            &auth,
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{first}");
        assert_eq!(first["state"], "queued", "below the approval amount");
        send_refunds(&app).await;
        books_clean(&app).await;
        let (refunded,): (String,) = sqlx::query_as("SELECT state FROM refunds WHERE id = $1")
            .bind(first["id"].as_str().unwrap())
            .fetch_one(app.db.reader())
            .await
            .unwrap();
        assert_eq!(refunded, "refunded", "the provider took it back");

        // More than is left: refused, nothing changed.
        let before = (
            app.count_rows("refunds").await,
            ledger_transactions(&app).await,
        );
        let reply = app
        .post_json(
            &path,
            json!({ "amount": { "amount": paid - half + 1, "currency": "HKD" }, "reason": "duplicate" }),
            &auth,
        )
        .await;
        assert_error(&reply, StatusCode::CONFLICT, "refund_exceeds_paid");
        assert_eq!(
            before,
            (
                app.count_rows("refunds").await,
                ledger_transactions(&app).await
            )
        );

        // The rest, with no amount: all that is left; the order is refunded.
        let (status, _, rest) = app
            .post_json(&path, json!({ "reason": "customer_request" }), &auth)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{rest}");
        send_refunds(&app).await;
        let (state,): (String,) = sqlx::query_as("SELECT state FROM orders WHERE id = $1")
            .bind(order["id"].as_str().unwrap())
            .fetch_one(app.db.reader())
            .await
            .unwrap();
        assert_eq!(state, "refunded");
        let (total,): (i64,) =
            sqlx::query_as("SELECT CAST(SUM(amount) AS BIGINT) FROM refunds WHERE payment_id = $1")
                .bind(&payment)
                .fetch_one(app.db.reader())
                .await
                .unwrap();
        assert_eq!(total, paid, "all of it, not a cent more");

        // Nothing left: even one cent is refused.
        let reply = app
            .post_json(
                &path,
                json!({ "amount": { "amount": 1, "currency": "HKD" }, "reason": "goodwill" }),
                &auth,
            )
            .await;
        assert_error(&reply, StatusCode::CONFLICT, "refund_exceeds_paid");
        books_clean(&app).await;
    }
);

story!(a_refund_to_the_wallet_credits_it_at_once, |app| {
    let (sub, order) = paid_renewal(&app).await;
    let finance = key(&app, "finance-desk", Role::Finance).await;
    let payment = order["payment"]["id"].as_str().unwrap();
    let before = wallet(&app, &finance, &sub.account_id).await;
    let (status, _, reply) = app
        .post_json(
            &format!("/api/v1/admin/payments/{payment}/refunds"),
            json!({ "amount": { "amount": 1000, "currency": "HKD" }, "reason": "goodwill", "to": "wallet" }),
            &[("authorization", &finance)],
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{reply}");
    assert_eq!(reply["state"], "applied");
    assert_eq!(wallet(&app, &finance, &sub.account_id).await, before + 1000);
    books_clean(&app).await;
});

story!(
    bad_reasons_and_currencies_are_refused_with_nothing_changed,
    |app| {
        let (sub, order) = paid_renewal(&app).await;
        let finance = key(&app, "finance-desk", Role::Finance).await;
        let auth = [("authorization", finance.as_str())];
        let payment = order["payment"]["id"].as_str().unwrap();
        let path = format!("/api/v1/admin/payments/{payment}/refunds");
        for (body, code) in [
            (json!({ "reason": "because" }), "invalid_refund_reason"),
            (json!({ "reason": "other" }), "invalid_refund_reason"),
            (
                json!({ "reason": "<script>alert(1)</script>'; DROP TABLE refunds; --" }),
                "invalid_refund_reason",
            ),
            (
                json!({ "reason": "other", "note": "x".repeat(501) }),
                "invalid_refund_reason",
            ),
            (
                json!({ "amount": { "amount": -5, "currency": "HKD" }, "reason": "goodwill" }),
                "invalid_amount",
            ),
            (
                json!({ "amount": { "amount": 5, "currency": "CNY" }, "reason": "goodwill" }),
                "invalid_amount",
            ),
            (json!({ "reason": "goodwill", "extra": 1 }), "invalid_body"),
        ] {
            let reply = app.post_json(&path, body.clone(), &auth).await;
            assert_error(&reply, StatusCode::BAD_REQUEST, code);
        }
        let reply = app
            .post_json(
                "/api/v1/admin/payments/pay_nope/refunds",
                json!({ "reason": "goodwill" }),
                &auth,
            )
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "payment_not_found");
        let reply = app
            .post_json(
                &format!(
                    "/api/v1/admin/customers/{}/wallet-adjustments",
                    sub.account_id
                ),
                json!({ "amount": { "amount": 0, "currency": "HKD" }, "reason": "correction" }),
                &auth,
            )
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_amount");
        assert_eq!(app.count_rows("refunds").await, 0);
    }
);

story!(
    a_wallet_adjustment_never_leaves_the_wallet_below_zero,
    |app| {
        let (sub, _) = paid_renewal(&app).await;
        let finance = key(&app, "finance-desk", Role::Finance).await;
        let auth = [("authorization", finance.as_str())];
        let path = format!(
            "/api/v1/admin/customers/{}/wallet-adjustments",
            sub.account_id
        );
        let credit = wallet(&app, &finance, &sub.account_id).await;
        let (status, _, given) = app
            .post_json(
                &path,
                json!({ "amount": { "amount": 2000, "currency": "HKD" }, "reason": "goodwill",
                    "note": "sorry for the outage" }),
                &auth,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{given}");
        assert_eq!(given["state"], "applied");
        assert_eq!(wallet(&app, &finance, &sub.account_id).await, credit + 2000);
        let before = (
            app.count_rows("refunds").await,
            ledger_transactions(&app).await,
        );
        let reply = app
        .post_json(
            &path,
            json!({ "amount": { "amount": -(credit + 2001), "currency": "HKD" }, "reason": "correction" }),
            &auth,
        )
        .await;
        assert_error(&reply, StatusCode::CONFLICT, "wallet_would_go_negative");
        assert_eq!(
            before,
            (
                app.count_rows("refunds").await,
                ledger_transactions(&app).await
            )
        );
        assert_eq!(wallet(&app, &finance, &sub.account_id).await, credit + 2000);
        let (status, _, taken) = app
        .post_json(
            &path,
            json!({ "amount": { "amount": -(credit + 2000), "currency": "HKD" }, "reason": "correction" }),
            &auth,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{taken}");
        assert_eq!(wallet(&app, &finance, &sub.account_id).await, 0);
        books_clean(&app).await;
    }
);

story!(
    above_the_approval_amount_a_second_member_approves_and_never_their_own,
    |app| {
        let (sub, _) = paid_renewal(&app).await;
        let first = key(&app, "finance-first", Role::Finance).await;
        let second = key(&app, "finance-second", Role::Finance).await;
        let support = key(&app, "support-desk", Role::Support).await;
        let credit = wallet(&app, &first, &sub.account_id).await;
        let (status, _, asked) = app
            .post_json(
                &format!(
                    "/api/v1/admin/customers/{}/wallet-adjustments",
                    sub.account_id
                ),
                json!({ "amount": { "amount": 60_000, "currency": "HKD" }, "reason": "goodwill" }),
                &[("authorization", &first)],
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{asked}");
        assert_eq!(asked["state"], "pending_approval");
        assert_eq!(
            wallet(&app, &first, &sub.account_id).await,
            credit,
            "not yet"
        );
        let (_, _, pending) = app
            .get_json("/api/v1/admin/refunds", &[("authorization", &support)])
            .await;
        assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
        let approve = format!(
            "/api/v1/admin/refunds/{}/approve",
            asked["id"].as_str().unwrap()
        );
        let before = ledger_transactions(&app).await;
        let reply = app
            .post_json(&approve, json!({}), &[("authorization", &first)])
            .await;
        assert_error(&reply, StatusCode::FORBIDDEN, "own_approval");
        let reply = app
            .post_json(&approve, json!({}), &[("authorization", &support)])
            .await;
        assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");
        assert_eq!(ledger_transactions(&app).await, before);
        assert_eq!(wallet(&app, &first, &sub.account_id).await, credit);

        let (status, _, approved) = app
            .post_json(&approve, json!({}), &[("authorization", &second)])
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{approved}");
        assert_eq!(approved["state"], "applied");
        assert_eq!(wallet(&app, &first, &sub.account_id).await, credit + 60_000);
        // Again: nothing more moves.
        let (status, _, again) = app
            .post_json(&approve, json!({}), &[("authorization", &second)])
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{again}");
        assert_eq!(again["state"], "applied");
        assert_eq!(wallet(&app, &first, &sub.account_id).await, credit + 60_000);
        let (approver,): (Option<String>,) =
            sqlx::query_as("SELECT approved_by FROM refunds WHERE id = $1")
                .bind(asked["id"].as_str().unwrap())
                .fetch_one(app.db.reader())
                .await
                .unwrap();
        assert_eq!(approver.as_deref(), Some("finance-second"));
        let (_, _, audit) = app
            .get_json("/api/v1/admin/audit", &[("authorization", &first)])
            .await;
        let text = audit.to_string();
        assert!(
            text.contains("wallet.adjust") && text.contains("refund.approve"),
            "{text}"
        );
        books_clean(&app).await;
    }
);

story!(
    a_support_member_cannot_refund_or_adjust_and_nothing_changes,
    |app| {
        let (sub, order) = paid_renewal(&app).await;
        let support = key(&app, "support-desk", Role::Support).await;
        let payment = order["payment"]["id"].as_str().unwrap();
        let before = (
            app.count_rows("refunds").await,
            ledger_transactions(&app).await,
        );
        let reply = app
            .post_json(
                &format!("/api/v1/admin/payments/{payment}/refunds"),
                json!({ "reason": "goodwill" }),
                &[("authorization", &support)],
            )
            .await;
        assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");
        let reply = app
            .post_json(
                &format!(
                    "/api/v1/admin/customers/{}/wallet-adjustments",
                    sub.account_id
                ),
                json!({ "amount": { "amount": 100, "currency": "HKD" }, "reason": "goodwill" }),
                &[("authorization", &support)],
            )
            .await;
        assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");
        assert_eq!(
            before,
            (
                app.count_rows("refunds").await,
                ledger_transactions(&app).await
            )
        );
    }
);
