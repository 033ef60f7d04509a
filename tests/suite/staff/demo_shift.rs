//! The demo's back office seed: the demo subscriber's card payment stuck by a lost
//! notification (on the attention list, not repaired by the scheduled queries before
//! a person asks) and a paid order large enough that refunding half waits for a
//! second member. Seeding twice changes nothing.

use axum::http::StatusCode;
use datacard::staff::Role;
use serde_json::{Value, json};

use super::*;

async fn seeded(app: &TestApp) {
    datacard::demo::seed_with_back_office(app)
        .await
        .expect("demo seed");
}

async fn demo_orders(app: &TestApp, auth: &str) -> (Value, Vec<Value>) {
    let (_, _, hits) = app
        .get_json(
            "/api/v1/admin/customers?q=9123%204567",
            &[("authorization", auth)],
        )
        .await;
    let account = hits[0]["id"].as_str().unwrap().to_owned();
    let (status, _, customer) = app
        .get_json(
            &format!("/api/v1/admin/customers/{account}"),
            &[("authorization", auth)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{customer}");
    let orders = customer["orders"].as_array().unwrap().clone();
    (customer, orders)
}

story!(
    the_demo_leaves_a_stuck_payment_and_an_order_to_refund,
    |app| {
        seeded(&app).await;
        seeded(&app).await;
        let support = bearer(
            &datacard::api_keys::create_operator(&app, "desk", Role::Support)
                .await
                .unwrap(),
        );
        let (_, orders) = demo_orders(&app, &support).await;
        assert_eq!(orders.len(), 2, "seeded once: {orders:?}");
        let stuck = orders
            .iter()
            .find(|o| o["state"] == "pending_payment")
            .expect("the stuck order");
        let paid = orders
            .iter()
            .find(|o| o["state"] == "fulfilled")
            .expect("the paid order");
        let stuck_payment = stuck["payments"][0]["id"].as_str().unwrap().to_owned();

        // The scheduled queries do not find it first.
        datacard::orders::reconcile::run_due(&app, "worker")
            .await
            .unwrap();
        let (_, _, list) = app
            .get_json(
                "/api/v1/admin/payments/attention",
                &[("authorization", &support)],
            )
            .await;
        let item = list
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == stuck_payment.as_str())
            .unwrap_or_else(|| panic!("listed for a person: {list}"));
        assert_eq!(item["reasons"], json!(["no_word_from_provider"]));

        // Asking the provider fulfils it.
        let (status, _, asked) = app
            .post_json(
                &format!("/api/v1/admin/payments/{stuck_payment}/query"),
                json!({}),
                &[("authorization", &support)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{asked}");
        assert_eq!(asked["state"], "succeeded");
        let (_, orders) = demo_orders(&app, &support).await;
        assert!(
            orders.iter().all(|o| o["state"] == "fulfilled"),
            "{orders:?}"
        );

        // Half of the paid order is above the default approval amount.
        let finance = bearer(
            &datacard::api_keys::create_operator(&app, "books", Role::Finance)
                .await
                .unwrap(),
        );
        let payment = paid["payments"][0]["id"].as_str().unwrap();
        let half = paid["payments"][0]["amount"]["amount"].as_i64().unwrap() / 2;
        let (status, _, asked) = app
        .post_json(
            &format!("/api/v1/admin/payments/{payment}/refunds"),
            json!({ "amount": { "amount": half, "currency": "HKD" }, "reason": "service_problem" }),
            &[("authorization", &finance)],
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{asked}");
        assert_eq!(asked["state"], "pending_approval");
    }
);
