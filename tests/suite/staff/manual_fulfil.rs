//! Fulfilling by hand: the provider confirmed a payment out of band; a finance member
//! gives its reference and why, the payment turns succeeded with that evidence and
//! the order is fulfilled once (the books clean). Twice, or for a payment that is
//! settled (paid, expired, refunded), it is refused and nothing changes; support may
//! ask the provider but not fulfil by hand.

use axum::http::StatusCode;
use chrono::Duration;
use datacard::staff::Role;
use serde_json::{Value, json};

use super::*;

const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852658",
    email: "byhand",
    iccid: "89852068",
};

/// A card top-up of HK$100 waiting at the sandbox: nobody has paid it as far as we
/// know.
async fn waiting_top_up(app: &TestApp, n: u32) -> (Subscriber, Value) {
    let sub = app
        .subscriber_with_line(&SUBSCRIBERS, n, "HK-30D-20G", app.now(), Used::Nothing)
        .await;
    let order = app.order_top_up(&sub.auth(), 10_000, "card").await;
    (sub, order)
}

async fn key(app: &TestApp, name: &str, role: Role) -> String {
    bearer(
        &datacard::api_keys::create_operator(app, name, role)
            .await
            .unwrap(),
    )
}

async fn wallet(app: &TestApp, sub: &Subscriber) -> Value {
    let (_, _, me) = app
        .get_json("/api/v1/me", &[("authorization", &sub.auth())])
        .await;
    me["wallet"]["balance"]["amount"].clone()
}

fn fulfil_body(reference: &str, reason: &str) -> Value {
    json!({ "reference": reference, "reason": reason })
}

story!(
    finance_fulfils_a_payment_the_provider_confirmed_once,
    |app| {
        let (sub, order) = waiting_top_up(&app, 1).await;
        let payment = order["payment"]["id"].as_str().unwrap().to_owned();
        let order_id = order["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/admin/payments/{payment}/fulfil");
        let finance = key(&app, "books-desk", Role::Finance).await;
        let auth = [("authorization", finance.as_str())];

        // Support asks the provider; fulfilling by hand is finance's.
        let support = key(&app, "desk", Role::Support).await;
        let reply = app
            .post_json(
                &path,
                fulfil_body("ch_1", "confirmed"),
                &[("authorization", &support)],
            )
            .await;
        assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");

        // Each part of the evidence is needed.
        for (body, code) in [
            (fulfil_body("", "confirmed by phone"), "reference_required"),
            (fulfil_body("ch_1", " "), "reason_required"),
            (fulfil_body("ch\n1", "confirmed"), "reference_required"),
            (
                fulfil_body(&"r".repeat(201), "confirmed"),
                "reference_required",
            ),
            (json!({ "reference": "ch_1" }), "invalid_body"),
        ] {
            let reply = app.post_json(&path, body, &auth).await;
            assert_error(&reply, StatusCode::BAD_REQUEST, code);
        }
        let reply = app
            .post_json(
                "/api/v1/admin/payments/pay_nothing/fulfil",
                fulfil_body("ch_1", "x"),
                &auth,
            )
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "payment_not_found");
        assert_eq!(wallet(&app, &sub).await, 0, "nothing changed");

        let (status, _, done) = app
            .post_json(
                &path,
                fulfil_body(
                    "SBX-20260101-7781",
                    "Provider's dashboard shows it paid; their support confirmed by phone",
                ),
                &auth,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["state"], "succeeded");
        assert_eq!(done["order_id"], order_id.as_str());
        assert_eq!(done["order_state"], "fulfilled");
        assert_eq!(wallet(&app, &sub).await, 10_000, "credited");

        // The evidence is the payment's, with who gave it.
        let (source, evidence): (String, String) = sqlx::query_as(
        "SELECT source, evidence FROM payment_events WHERE payment_id = $1 AND source = 'manual'",
    )
    .bind(&payment)
    .fetch_one(app.db.reader())
    .await
    .unwrap();
        assert_eq!(source, "manual");
        let evidence: Value = serde_json::from_str(&evidence).unwrap();
        assert_eq!(evidence["reference"], "SBX-20260101-7781");
        assert_eq!(evidence["by"], "books-desk");

        // Again, by hand or by the provider's late word: fulfilled once.
        let reply = app
            .post_json(&path, fulfil_body("SBX-1", "again"), &auth)
            .await;
        assert_error(&reply, StatusCode::CONFLICT, "payment_not_open");
        app.pay_at_sandbox(&order).await;
        assert_eq!(wallet(&app, &sub).await, 10_000, "still once");
        let (fulfilled, receipts) = datacard::orders::store::fulfilled_and_receipts(
            &app,
            datacard::orders::OrderKind::WalletTopup,
        )
        .await
        .unwrap();
        assert_eq!((fulfilled, receipts), (1, 1));
        let log = datacard::audit::list(&app, Some(&payment), None, 10)
            .await
            .unwrap();
        let entry = log
            .entries
            .iter()
            .find(|e| e.action == "payment.fulfil_manually")
            .expect("audited");
        assert_eq!(entry.actor, "books-desk");
        assert!(
            entry.detail.contains("SBX-20260101-7781"),
            "{}",
            entry.detail
        );
        assert!(entry.detail.contains(&order_id));
    }
);

story!(a_settled_payment_is_not_fulfilled_by_hand, |app| {
    let finance = key(&app, "books-desk", Role::Finance).await;
    let auth = [("authorization", finance.as_str())];

    // Expired: nobody paid in time, the payment was closed at the provider.
    let (_, expired) = waiting_top_up(&app, 2).await;
    app.advance(Duration::minutes(31));
    datacard::orders::reconcile::run_due(&app, "worker")
        .await
        .unwrap();
    let expired_payment = expired["payment"]["id"].as_str().unwrap().to_owned();
    let (state,): (String,) = sqlx::query_as("SELECT state FROM payments WHERE id = $1")
        .bind(&expired_payment)
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(state, "cancelled");

    // Refunded: paid, fulfilled, then refunded by the operator.
    let (_, paid) = waiting_top_up(&app, 3).await;
    app.pay_at_sandbox(&paid).await;
    let refunded_payment = paid["payment"]["id"].as_str().unwrap().to_owned();
    datacard::orders::refund::refund(&app, &refunded_payment, "operator")
        .await
        .unwrap();

    let before = app.count_rows("ledger_transactions").await;
    for payment in [&expired_payment, &refunded_payment] {
        let reply = app
            .post_json(
                &format!("/api/v1/admin/payments/{payment}/fulfil"),
                fulfil_body("REF-1", "They say it was paid"),
                &auth,
            )
            .await;
        assert_error(&reply, StatusCode::CONFLICT, "payment_not_open");
    }
    assert_eq!(
        app.count_rows("ledger_transactions").await,
        before,
        "nothing moved in the books"
    );
    let (state,): (String,) = sqlx::query_as("SELECT state FROM orders WHERE id = $1")
        .bind(expired["id"].as_str().unwrap())
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(state, "expired");
});

story!(the_console_offers_fulfil_by_hand_to_finance_only, |app| {
    let (sub, order) = waiting_top_up(&app, 4).await;
    let payment = order["payment"]["id"].as_str().unwrap().to_owned();
    app.advance(Duration::minutes(11));
    let desk = app.enrolled_staff("desk@example.com", Role::Support).await;
    let books = app.enrolled_staff("books@example.com", Role::Finance).await;
    let form = format!("action=\"/admin/payments/{payment}/fulfil\"");
    for (member, offered) in [(&desk, false), (&books, true)] {
        for page in [
            "/admin/payments/attention".to_owned(),
            format!("/admin/customers/{}", sub.account_id),
        ] {
            let (status, _, html) = app.console_get(&page, &member.cookie).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(html.contains(&form), offered, "{page} as {}", member.email);
        }
    }
    // Support posting it anyway is refused, nothing changed.
    let (status, _, _) = post_fulfil(&app, &desk, &payment).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(wallet(&app, &sub).await, 0);
    let (status, headers, _) = post_fulfil(&app, &books, &payment).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers.get("location").unwrap(),
        "/admin/payments/attention?said=fulfilled&at=attention#attention"
    );
    assert_eq!(wallet(&app, &sub).await, 10_000);
    let (_, _, html) = app
        .console_get("/admin/payments/attention", &books.cookie)
        .await;
    assert!(
        !html.contains(&format!("data-id=\"{payment}\"")),
        "dealt with"
    );
    // Twice from the console: said on the page, nothing more.
    let (status, headers, _) = post_fulfil(&app, &books, &payment).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        headers
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("problem=payment_not_open")
    );
    assert_eq!(wallet(&app, &sub).await, 10_000);
});

async fn post_fulfil(
    app: &TestApp,
    member: &Staff,
    payment: &str,
) -> (StatusCode, axum::http::HeaderMap, String) {
    app.console_post(
        &format!("/admin/payments/{payment}/fulfil"),
        &member.cookie,
        &[
            ("csrf", &member.csrf),
            ("back", "attention"),
            ("reference", "SBX-9"),
            ("reason", "confirmed on the phone"),
        ],
    )
    .await
}
