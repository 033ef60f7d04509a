//! What the order stories share: the demo shopper, paying at the sandbox, its
//! notifications delivered by hand, and reading back periods, receipts and the books.

pub(super) use axum::body::Body;
pub(super) use axum::http::{Request, StatusCode, header};
pub(super) use chrono::{DateTime, Duration, Utc};
pub(super) use serde_json::{Value, json};
pub(super) use sqlx::Row;

pub(super) use datacard::demo::sandbox::{SandboxProvider, bank};
pub(super) use datacard::lines::Iccid;
pub(super) use datacard::money::{Currency, Money};
pub(super) use datacard::orders::Applied;
pub(super) use datacard::orders::expire::EXPIRE_JOB;
pub(super) use datacard::orders::reconcile::{self, RECONCILE_JOB};
pub(super) use datacard::payments::provider::{CreateRequest, Provider};
pub(super) use datacard::payments::{Observation, PaymentState, ProviderStatus};

pub(super) use crate::support::*;

pub(super) const PLAN: &str = "HK-30D-20G";
pub(super) const PLAN_PRICE: i64 = 8800;
pub(super) const PLAN_DAYS: i64 = 30;
pub(super) const TWENTY_GB: u64 = 20 * 1024 * 1024 * 1024;
/// The demo wallet's welcome credit.
pub(super) const DEMO_BALANCE: i64 = 5000;

pub(super) fn demo_iccid() -> String {
    Iccid::with_check_digit("898520000000000001")
        .expect("the demo ICCID")
        .to_string()
}

pub(super) fn hkd(amount: i64) -> Value {
    json!({ "amount": amount, "currency": "HKD" })
}

/// The card fee: 2.5 % of the subtotal, rounded half up to the cent.
pub(super) fn card_fee(subtotal: i64) -> i64 {
    (subtotal * 250 + 5_000) / 10_000
}

pub(super) fn renewal(plan: &str, periods: u32, method: &str) -> Value {
    json!({ "kind": "renewal", "iccid": demo_iccid(), "plan_code": plan,
            "periods": periods, "payment_method": method })
}

pub(super) fn new_esim(plan: &str, method: &str) -> Value {
    json!({ "kind": "new_esim", "plan_code": plan, "periods": 1, "payment_method": method })
}

pub(super) fn top_up(amount: i64, method: &str) -> Value {
    json!({ "kind": "wallet_topup", "amount": hkd(amount), "payment_method": method })
}

pub(super) fn at(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("not a timestamp: {value}"))
}

pub(super) fn id_of(order: &Value) -> String {
    order["id"].as_str().expect("an order id").to_owned()
}

pub(super) fn payment_of(order: &Value) -> String {
    order["payment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no payment on {order}"))
        .to_owned()
}

// ----- a subscriber at the API -----------------------------------------------------

pub(super) struct Shopper<'a> {
    pub(super) app: &'a TestApp,
    pub(super) auth: String,
}

impl<'a> Shopper<'a> {
    /// The demo subscriber, after the demo seed.
    pub(super) async fn demo(app: &'a TestApp) -> Shopper<'a> {
        datacard::demo::seed(app).await.expect("demo seed");
        let token = app
            .log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        Shopper {
            app,
            auth: bearer(&token),
        }
    }

    pub(super) async fn registered(app: &'a TestApp, phone: &str, email: &str) -> Shopper<'a> {
        let token = app.register(phone, email, "harbour lights 88").await;
        Shopper {
            app,
            auth: bearer(&token),
        }
    }

    pub(super) fn headers(&self) -> [(&str, &str); 1] {
        [("authorization", self.auth.as_str())]
    }

    pub(super) async fn post(&self, path: &str, body: Value) -> Reply {
        self.app.post_json(path, body, &self.headers()).await
    }

    pub(super) async fn get(&self, path: &str) -> Value {
        let (status, _, body) = self.app.get_json(path, &self.headers()).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    pub(super) async fn quote(&self, body: Value) -> Value {
        let (status, _, quote) = self.post("/api/v1/quotes", body).await;
        assert_eq!(status, StatusCode::OK, "{quote}");
        quote
    }

    pub(super) async fn try_order(&self, body: Value) -> Reply {
        self.post("/api/v1/orders", body).await
    }

    pub(super) async fn order(&self, body: Value) -> Value {
        let (status, _, order) = self.try_order(body).await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        order
    }

    pub(super) async fn show(&self, order_id: &str) -> Value {
        self.get(&format!("/api/v1/orders/{order_id}")).await
    }

    pub(super) async fn refresh(&self, order_id: &str) -> Value {
        let (status, _, order) = self
            .post(&format!("/api/v1/orders/{order_id}/refresh"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{order}");
        order
    }

    pub(super) async fn orders(&self) -> Vec<Value> {
        match self.get("/api/v1/orders").await {
            Value::Array(orders) => orders,
            other => panic!("orders are not a list: {other}"),
        }
    }

    pub(super) async fn me(&self) -> Value {
        self.get("/api/v1/me").await
    }

    pub(super) async fn balance(&self) -> i64 {
        let me = self.me().await;
        assert_eq!(me["wallet"]["balance"]["currency"], "HKD", "{me}");
        me["wallet"]["balance"]["amount"]
            .as_i64()
            .expect("a balance")
    }

    pub(super) async fn line(&self, iccid: &str) -> Value {
        let me = self.me().await;
        me["lines"]
            .as_array()
            .and_then(|lines| lines.iter().find(|line| line["iccid"] == iccid))
            .cloned()
            .unwrap_or_else(|| panic!("no line {iccid} in {me}"))
    }

    pub(super) async fn state_of(&self, order_id: &str) -> String {
        let order = self.show(order_id).await;
        order["state"].as_str().expect("a state").to_owned()
    }
}

// ----- the sandbox provider's side ---------------------------------------------------

/// The payer presses "Pay" (`succeed`) or "Decline" (`fail`) on the hosted page.
pub(super) async fn press(app: &TestApp, payment_id: &str, outcome: &str) -> Reply {
    app.post_raw(
        &format!("/sandbox/pay/{payment_id}"),
        Some("application/x-www-form-urlencoded"),
        format!("outcome={outcome}").into_bytes(),
    )
    .await
}

pub(super) async fn pay(app: &TestApp, order: &Value) {
    let (status, headers, body) = press(app, &payment_of(order), "succeed").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let back = headers[header::LOCATION].to_str().expect("a location");
    let order_page = format!("https://datacard.test/orders/{}", id_of(order));
    assert!(
        back == order_page || back.starts_with(&format!("{order_page}?")),
        "the payer is sent back to the order, not to {back}"
    );
}

pub(super) async fn post_webhook(app: &TestApp, body: &str, signature: Option<&str>) -> Reply {
    let mut request =
        Request::post("/api/v1/webhooks/sandbox").header(header::CONTENT_TYPE, "application/json");
    if let Some(signature) = signature {
        request = request.header(bank::SIGNATURE_HEADER, signature);
    }
    let request = request
        .body(Body::from(body.to_owned()))
        .expect("a valid request");
    let (status, headers, bytes) = app.send(request).await;
    (status, headers, json_of(&bytes))
}

pub(super) async fn due(app: &TestApp) -> Vec<bank::Outgoing> {
    bank::due_notifications(app)
        .await
        .expect("due notifications")
}

/// Posts one notification as the provider would; marks it delivered when we said 200.
pub(super) async fn deliver(app: &TestApp, outgoing: &bank::Outgoing) -> Reply {
    let reply = post_webhook(app, &outgoing.body, Some(&outgoing.signature)).await;
    bank::mark_delivered(app, &outgoing.id, reply.0.is_success())
        .await
        .expect("mark delivered");
    reply
}

/// Lets the notification delay pass, then delivers everything due, once, in order.
pub(super) async fn deliver_notifications(app: &TestApp) -> Vec<Value> {
    app.advance_secs(1);
    let mut answers = Vec::new();
    for outgoing in due(app).await {
        let (status, _, body) = deliver(app, &outgoing).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        answers.push(body);
    }
    answers
}

pub(super) fn secret(app: &TestApp) -> Vec<u8> {
    datacard::demo::sandbox::webhook_secret(app)
}

/// What the provider would send about `payment_id`, signed now with the real secret.
pub(super) fn provider_event(
    app: &TestApp,
    event_id: &str,
    payment_id: &str,
    status: &str,
    amount: i64,
) -> (String, String) {
    let body = json!({
        "id": event_id,
        "type": format!("payment.{status}"),
        "created": app.now().timestamp(),
        "data": { "id": format!("sbx_for_{payment_id}"), "merchant_ref": payment_id,
                  "status": status, "amount": amount, "currency": "HKD" },
    })
    .to_string();
    let signature = bank::sign(&secret(app), app.now().timestamp(), &body);
    (body, signature)
}

/// The payer's payment crossed our close at the provider, which took the money and
/// says so in a signed notification: the webhook's answer.
pub(super) async fn money_after_the_close(
    app: &TestApp,
    payment_id: &str,
    event_id: &str,
) -> Reply {
    sqlx::query("UPDATE sandbox_payments SET status = 'succeeded' WHERE merchant_ref = $1")
        .bind(payment_id.to_owned())
        .execute(app.db.reader())
        .await
        .expect("the provider's books");
    let total = PLAN_PRICE + card_fee(PLAN_PRICE);
    let (body, signature) = provider_event(app, event_id, payment_id, "succeeded", total);
    post_webhook(app, &body, Some(&signature)).await
}

pub(super) async fn run_jobs(app: &TestApp, worker: &str) -> usize {
    reconcile::run_due(app, worker).await.expect("jobs run")
}

// ----- what the operator sees in the database ---------------------------------------

pub(super) async fn count(app: &TestApp, sql: &str, arg: &str) -> i64 {
    sqlx::query(sql)
        .bind(arg.to_owned())
        .fetch_one(app.db.reader())
        .await
        .and_then(|row| row.try_get::<i64, _>(0))
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

pub(super) async fn periods_of(app: &TestApp, order_id: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM line_periods WHERE order_id = $1",
        order_id,
    )
    .await
}

pub(super) async fn receipts_of(app: &TestApp, order_id: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM receipts WHERE order_id = $1",
        order_id,
    )
    .await
}

pub(super) async fn sales_of(app: &TestApp, order_id: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM ledger_transactions WHERE reference = $1",
        &format!("order:{order_id}:fulfil"),
    )
    .await
}

/// The order's `attention` flags for the operator, "" when none.
pub(super) async fn attention(app: &TestApp, order_id: &str) -> String {
    sqlx::query("SELECT attention FROM orders WHERE id = $1")
        .bind(order_id.to_owned())
        .fetch_one(app.db.reader())
        .await
        .and_then(|row| row.try_get::<Option<String>, _>("attention"))
        .expect("the order's attention")
        .unwrap_or_default()
}

/// A house account's balance in the ledger (debit positive), 0 when never used.
pub(super) async fn house_balance(app: &TestApp, code: &str) -> i64 {
    sqlx::query("SELECT balance FROM ledger_accounts WHERE code = $1")
        .bind(code.to_owned())
        .fetch_optional(app.db.reader())
        .await
        .expect("ledger account")
        .map(|row| row.try_get::<i64, _>("balance").expect("a balance"))
        .unwrap_or(0)
}

pub(super) async fn payment_state(app: &TestApp, payment_id: &str) -> PaymentState {
    datacard::payments::store::find(app, payment_id)
        .await
        .expect("payment")
        .expect("the payment exists")
        .state
}

/// The queued periods are end to end after the running one: no gap, no overlap.
pub(super) fn assert_end_to_end(line: &Value) {
    let mut end = at(&line["current_period"]["ends_at"]);
    for period in line["queued_periods"].as_array().expect("queued periods") {
        assert_eq!(
            at(&period["starts_at"]),
            end,
            "periods overlap or leave a gap: {line}"
        );
        end = at(&period["ends_at"]);
    }
}
