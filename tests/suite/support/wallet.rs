//! Wallet top-ups as a subscriber orders them, and the payer who pays an order at the
//! sandbox provider.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use datacard::demo::sandbox::bank;

use super::{PASSWORD, Subscriber, TestApp, bearer};

impl TestApp {
    /// Orders a wallet top-up of `amount` (HKD minor units) paid by `method`, signed in
    /// with the `Authorization` header `auth`; returns the order as created.
    pub async fn order_top_up(&self, auth: &str, amount: i64, method: &str) -> Value {
        let (status, _, order) = self
            .post_json(
                "/api/v1/orders",
                json!({ "kind": "wallet_topup", "amount": { "amount": amount, "currency": "HKD" },
                        "payment_method": method }),
                &[("authorization", auth)],
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        order
    }

    /// Registers a subscriber on `phone` (email `<phone's digits>@example.com`) who
    /// orders a HK$100 wallet top-up paid by `method`: `(Authorization header, order)`.
    pub async fn register_and_order_top_up(&self, phone: &str, method: &str) -> (String, Value) {
        let email = format!("{}@example.com", &phone[1..]);
        let auth = bearer(&self.register(phone, &email, PASSWORD).await);
        let order = self.order_top_up(&auth, 10_000, method).await;
        (auth, order)
    }

    /// Adds `amount` (HKD minor units) to the wallet: a card top-up paid at the
    /// sandbox.
    pub async fn top_up_by_card(&self, sub: &Subscriber, amount: i64) {
        let order = self.order_top_up(&sub.auth(), amount, "card").await;
        self.pay_at_sandbox(&order).await;
    }

    /// The payer presses "Pay" at the sandbox for `order`, and its notifications
    /// arrive.
    pub async fn pay_at_sandbox(&self, order: &Value) {
        let payment = order["payment"]["id"].as_str().expect("a payment");
        let (status, _, body) = self
            .post_raw(
                &format!("/sandbox/pay/{payment}"),
                Some("application/x-www-form-urlencoded"),
                b"outcome=succeed".to_vec(),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        self.advance_secs(1);
        for outgoing in bank::due_notifications(self).await.expect("notifications") {
            let request = Request::post("/api/v1/webhooks/sandbox")
                .header(header::CONTENT_TYPE, "application/json")
                .header(bank::SIGNATURE_HEADER, outgoing.signature.as_str())
                .body(Body::from(outgoing.body.clone()))
                .expect("a valid request");
            let (status, _, body) = self.send(request).await;
            assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
            bank::mark_delivered(self, &outgoing.id, true)
                .await
                .expect("mark delivered");
        }
    }
}
