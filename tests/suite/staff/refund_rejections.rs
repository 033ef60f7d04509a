//! A refund waiting for approval turned down by a second member, or withdrawn by the
//! one who asked (with a reason; audited; nothing moves), and a refund the provider
//! refuses for good: marked `failed`, its books moved back, the payment flagged for a
//! person who may refund it again.

use axum::http::StatusCode;
use datacard::orders::staff_refund::{GIVE_UP_AFTER, SEND_JOB};
use datacard::staff::Role;
use serde_json::{Value, json};

use super::*;

const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852659",
    email: "turned",
    iccid: "89852069",
};

async fn start(backend: Backend) -> Option<TestApp> {
    // Above HK$10 a refund waits for a second member.
    TestApp::start_with(backend, |config| config.console.approval_above = 1_000).await
}

/// A subscriber whose renewal by card at the sandbox is paid and fulfilled: the
/// payment's id and amount.
async fn paid_renewal(app: &TestApp, n: u32) -> (Subscriber, String, i64) {
    let sub = app
        .subscriber_with_line(&SUBSCRIBERS, n, "HK-30D-20G", app.now(), Used::Nothing)
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
    let payment = order["payment"]["id"].as_str().unwrap().to_owned();
    let (amount,): (i64,) = sqlx::query_as("SELECT amount FROM payments WHERE id = $1")
        .bind(&payment)
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    (sub, payment, amount)
}

async fn key(app: &TestApp, name: &str, role: Role) -> String {
    bearer(
        &datacard::api_keys::create_operator(app, name, role)
            .await
            .unwrap(),
    )
}

async fn ask(app: &TestApp, auth: &str, payment: &str, amount: i64, to: &str) -> Value {
    let (status, _, asked) = app
        .post_json(
            &format!("/api/v1/admin/payments/{payment}/refunds"),
            json!({ "amount": { "amount": amount, "currency": "HKD" }, "reason": "service_problem", "to": to }),
            &[("authorization", auth)],
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{asked}");
    asked
}

async fn refund_state(app: &TestApp, id: &str) -> (String, Option<String>, Option<String>) {
    sqlx::query_as("SELECT state, closed_by, close_reason FROM refunds WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.reader())
        .await
        .unwrap()
}

story_with!(
    a_waiting_refund_is_turned_down_by_another_or_withdrawn_by_its_asker,
    start,
    |app| {
        let (_, payment, paid) = paid_renewal(&app, 1).await;
        let first = key(&app, "finance-first", Role::Finance).await;
        let second = key(&app, "finance-second", Role::Finance).await;
        let support = key(&app, "support-desk", Role::Support).await;
        let half = paid / 2;
        let ledger_before = app.count_rows("ledger_transactions").await;

        // Withdrawn by the one who asked.
        let asked = ask(&app, &first, &payment, half, "provider").await;
        assert_eq!(asked["state"], "pending_approval");
        let id = asked["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/admin/refunds/{id}/reject");
        for (auth, body, status, code) in [
            (
                &support,
                json!({ "reason": "no" }),
                StatusCode::FORBIDDEN,
                "role_forbidden",
            ),
            (
                &first,
                json!({ "reason": "" }),
                StatusCode::BAD_REQUEST,
                "reason_required",
            ),
            (&first, json!({}), StatusCode::BAD_REQUEST, "invalid_body"),
        ] {
            let reply = app.post_json(&path, body, &[("authorization", auth)]).await;
            assert_error(&reply, status, code);
        }
        let reply = app
            .post_json(
                "/api/v1/admin/refunds/rfd_nothing/reject",
                json!({ "reason": "x" }),
                &[("authorization", &first)],
            )
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "refund_not_found");
        assert_eq!(refund_state(&app, &id).await.0, "pending_approval");
        let (status, _, done) = app
            .post_json(
                &path,
                json!({ "reason": "Wrong payment chosen" }),
                &[("authorization", &first)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["state"], "cancelled");
        assert_eq!(
            refund_state(&app, &id).await,
            (
                "cancelled".to_owned(),
                Some("finance-first".to_owned()),
                Some("Wrong payment chosen".to_owned())
            )
        );
        // Once decided it stays decided: no approval, no second rejection.
        let reply = app
            .post_json(
                &path,
                json!({ "reason": "again" }),
                &[("authorization", &second)],
            )
            .await;
        assert_error(&reply, StatusCode::CONFLICT, "refund_not_pending");
        let (status, _, approved) = app
            .post_json(
                &format!("/api/v1/admin/refunds/{id}/approve"),
                json!({}),
                &[("authorization", &second)],
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(approved["state"], "cancelled", "approving changes nothing");

        // Turned down by another member.
        let asked = ask(&app, &first, &payment, half, "provider").await;
        let id = asked["id"].as_str().unwrap().to_owned();
        let (status, _, done) = app
            .post_json(
                &format!("/api/v1/admin/refunds/{id}/reject"),
                json!({ "reason": "Service was fine; see ticket 7" }),
                &[("authorization", &second)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["state"], "rejected");
        assert_eq!(app.count_rows("ledger_transactions").await, ledger_before);
        let log = datacard::audit::list(&app, Some(&id), None, 10)
            .await
            .unwrap();
        assert!(log.entries.iter().any(|e| e.action == "refund.reject"
            && e.actor == "finance-second"
            && e.detail.contains("ticket 7")));

        // Nothing was taken back: all of it can still be refunded.
        let asked = ask(&app, &first, &payment, paid, "wallet").await;
        assert_eq!(asked["state"], "pending_approval");
        let (_, _, pending) = app
            .get_json("/api/v1/admin/refunds", &[("authorization", &second)])
            .await;
        assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    }
);

story_with!(
    the_console_offers_withdraw_to_the_asker_and_turn_down_to_others,
    start,
    |app| {
        let (sub, payment, paid) = paid_renewal(&app, 2).await;
        let asker = app.enrolled_staff("asker@example.com", Role::Finance).await;
        let other = app.enrolled_staff("other@example.com", Role::Admin).await;
        let (status, headers, _) = app
            .console_post(
                &format!("/admin/customers/{}/refunds", sub.account_id),
                &asker.cookie,
                &[
                    ("csrf", &asker.csrf),
                    ("payment", &payment),
                    ("amount", &format!("{}.{:02}", paid / 200, (paid / 2) % 100)),
                    ("to", "provider"),
                    ("reason", "service_problem"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(
            headers
                .get("location")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("done=pending_approval")
        );
        let (id,): (String,) = sqlx::query_as("SELECT id FROM refunds")
            .fetch_one(app.db.reader())
            .await
            .unwrap();
        let reject = format!("action=\"/admin/refunds/{id}/reject\"");
        let approve = format!("action=\"/admin/refunds/{id}/approve\"");
        let (_, _, mine) = app.console_get("/admin/refunds", &asker.cookie).await;
        assert!(mine.contains(&reject) && !mine.contains(&approve), "{mine}");
        let (_, _, theirs) = app.console_get("/admin/refunds", &other.cookie).await;
        assert!(
            theirs.contains(&reject) && theirs.contains(&approve),
            "{theirs}"
        );

        // No reason: said on the list, nothing changed.
        let (status, _, page) = app
            .console_post(
                &format!("/admin/refunds/{id}/reject"),
                &other.cookie,
                &[("csrf", &other.csrf), ("reason", " ")],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("data-code=\"reason_required\""), "{page}");
        assert_eq!(refund_state(&app, &id).await.0, "pending_approval");

        let (status, headers, _) = app
            .console_post(
                &format!("/admin/refunds/{id}/reject"),
                &other.cookie,
                &[
                    ("csrf", &other.csrf),
                    ("reason", "Not our fault <b>really</b>"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            headers.get("location").unwrap(),
            "/admin/refunds?done=rejected"
        );
        let (_, _, page) = app
            .console_get(
                &format!("/admin/customers/{}", sub.account_id),
                &asker.cookie,
            )
            .await;
        assert!(
            page.contains("Not our fault &lt;b&gt;really&lt;/b&gt;"),
            "who turned it down and why, on the customer's page: {page}"
        );
        assert!(
            page.contains("data-kind=\"refund.requested\""),
            "in the timeline"
        );
    }
);

story!(
    a_refund_the_provider_refuses_for_good_is_failed_and_undone,
    |app| {
        let (sub, payment, paid) = paid_renewal(&app, 3).await;
        let finance = key(&app, "finance-desk", Role::Finance).await;
        // All of it back to the payer: below the (default) approval amount, queued at once.
        let asked = ask(&app, &finance, &payment, paid, "provider").await;
        assert_eq!(asked["state"], "queued");
        let id = asked["id"].as_str().unwrap().to_owned();
        let order_state = |app: &TestApp| {
            let payment = payment.clone();
            let db = app.db.clone();
            async move {
                sqlx::query_scalar::<_, String>(
                "SELECT o.state FROM orders o JOIN payments p ON p.order_id = o.id WHERE p.id = $1",
            )
            .bind(payment)
            .fetch_one(db.reader())
            .await
            .unwrap()
            }
        };
        assert_eq!(order_state(&app).await, "refunded");
        // The provider no longer knows the payment: every refund attempt fails.
        sqlx::query("UPDATE sandbox_payments SET merchant_ref = 'gone-' || merchant_ref WHERE merchant_ref = $1")
        .bind(&payment)
        .execute(app.db.reader())
        .await
        .unwrap();
        for attempt in 1..=GIVE_UP_AFTER {
            datacard::jobs::run_due_of_kind(&app, "test", SEND_JOB)
                .await
                .unwrap();
            let (state, _, _) = refund_state(&app, &id).await;
            let expected = if attempt < GIVE_UP_AFTER {
                "queued"
            } else {
                "failed"
            };
            assert_eq!(state, expected, "after attempt {attempt}");
            app.advance(chrono::Duration::hours(2));
        }
        assert_eq!(
            datacard::jobs::pending(&app, SEND_JOB).await.unwrap(),
            0,
            "given up: no more attempts"
        );
        let report = datacard::orders::store::check_books(&app.db).await.unwrap();
        assert!(report.is_clean(), "{report:?}");
        let due: i64 = sqlx::query_scalar(
            "SELECT balance FROM ledger_accounts WHERE code = 'liability:refunds_due:HKD'",
        )
        .fetch_one(app.db.reader())
        .await
        .unwrap();
        assert_eq!(due, 0, "nothing is owed to the payer any more");
        assert_eq!(
            order_state(&app).await,
            "fulfilled",
            "the sale stands again"
        );
        let (attention,): (Option<String>,) =
            sqlx::query_as("SELECT attention FROM payments WHERE id = $1")
                .bind(&payment)
                .fetch_one(app.db.reader())
                .await
                .unwrap();
        assert_eq!(attention.as_deref(), Some("refund_failed"));

        // A person refunds it again, to the wallet this time.
        let asked = ask(&app, &finance, &payment, paid, "wallet").await;
        assert_eq!(asked["state"], "applied");
        let (_, _, me) = app
            .get_json("/api/v1/me", &[("authorization", &sub.auth())])
            .await;
        assert_eq!(me["wallet"]["balance"]["amount"], paid, "{me}");
    }
);
