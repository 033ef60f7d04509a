//! Orders and payments as a subscriber and an operator meet them: quotes, orders paid
//! by card at the sandbox provider, its notifications (late, lost, repeated,
//! reordered, forged), reconciliation, expiry, refunds and the wallet. Every story
//! runs on SQLite and on PostgreSQL and ends with the ledger check.
//!
//! Nothing delivers the sandbox's notifications in tests: the stories take them from
//! [`bank::due_notifications`] and post them to the webhook themselves, once, twice,
//! backwards or never.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::Row;

use datacard::demo::sandbox::{SandboxProvider, bank};
use datacard::lines::Iccid;
use datacard::money::{Currency, Money};
use datacard::orders::Applied;
use datacard::orders::expire::EXPIRE_JOB;
use datacard::orders::reconcile::{self, RECONCILE_JOB};
use datacard::payments::provider::{CreateRequest, Provider};
use datacard::payments::{Observation, PaymentState, ProviderStatus};

use crate::support::*;

const PLAN: &str = "HK-30D-20G";
const PLAN_PRICE: i64 = 8800;
const PLAN_DAYS: i64 = 30;
const TWENTY_GB: u64 = 20 * 1024 * 1024 * 1024;
/// The demo wallet's welcome credit.
const DEMO_BALANCE: i64 = 5000;

fn demo_iccid() -> String {
    Iccid::with_check_digit("898520000000000001")
        .expect("the demo ICCID")
        .to_string()
}

fn hkd(amount: i64) -> Value {
    json!({ "amount": amount, "currency": "HKD" })
}

/// The card fee: 2.5 % of the subtotal, rounded half up to the cent.
fn card_fee(subtotal: i64) -> i64 {
    (subtotal * 250 + 5_000) / 10_000
}

fn renewal(plan: &str, periods: u32, method: &str) -> Value {
    json!({ "kind": "renewal", "iccid": demo_iccid(), "plan_code": plan,
            "periods": periods, "payment_method": method })
}

fn new_esim(plan: &str, method: &str) -> Value {
    json!({ "kind": "new_esim", "plan_code": plan, "periods": 1, "payment_method": method })
}

fn top_up(amount: i64, method: &str) -> Value {
    json!({ "kind": "wallet_topup", "amount": hkd(amount), "payment_method": method })
}

fn at(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("not a timestamp: {value}"))
}

fn id_of(order: &Value) -> String {
    order["id"].as_str().expect("an order id").to_owned()
}

fn payment_of(order: &Value) -> String {
    order["payment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no payment on {order}"))
        .to_owned()
}

// ----- a subscriber at the API -----------------------------------------------------

struct Shopper<'a> {
    app: &'a TestApp,
    auth: String,
}

impl<'a> Shopper<'a> {
    /// The demo subscriber, after the demo seed.
    async fn demo(app: &'a TestApp) -> Shopper<'a> {
        datacard::demo::seed(app).await.expect("demo seed");
        let token = app
            .log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        Shopper {
            app,
            auth: bearer(&token),
        }
    }

    async fn registered(app: &'a TestApp, phone: &str, email: &str) -> Shopper<'a> {
        let token = app.register(phone, email, "harbour lights 88").await;
        Shopper {
            app,
            auth: bearer(&token),
        }
    }

    fn headers(&self) -> [(&str, &str); 1] {
        [("authorization", self.auth.as_str())]
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.app.post_json(path, body, &self.headers()).await
    }

    async fn get(&self, path: &str) -> Value {
        let (status, _, body) = self.app.get_json(path, &self.headers()).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    async fn quote(&self, body: Value) -> Value {
        let (status, _, quote) = self.post("/api/v1/quotes", body).await;
        assert_eq!(status, StatusCode::OK, "{quote}");
        quote
    }

    async fn try_order(&self, body: Value) -> Reply {
        self.post("/api/v1/orders", body).await
    }

    async fn order(&self, body: Value) -> Value {
        let (status, _, order) = self.try_order(body).await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        order
    }

    async fn show(&self, order_id: &str) -> Value {
        self.get(&format!("/api/v1/orders/{order_id}")).await
    }

    async fn refresh(&self, order_id: &str) -> Value {
        let (status, _, order) = self
            .post(&format!("/api/v1/orders/{order_id}/refresh"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{order}");
        order
    }

    async fn orders(&self) -> Vec<Value> {
        match self.get("/api/v1/orders").await {
            Value::Array(orders) => orders,
            other => panic!("orders are not a list: {other}"),
        }
    }

    async fn me(&self) -> Value {
        self.get("/api/v1/me").await
    }

    async fn balance(&self) -> i64 {
        let me = self.me().await;
        assert_eq!(me["wallet"]["balance"]["currency"], "HKD", "{me}");
        me["wallet"]["balance"]["amount"]
            .as_i64()
            .expect("a balance")
    }

    async fn line(&self, iccid: &str) -> Value {
        let me = self.me().await;
        me["lines"]
            .as_array()
            .and_then(|lines| lines.iter().find(|line| line["iccid"] == iccid))
            .cloned()
            .unwrap_or_else(|| panic!("no line {iccid} in {me}"))
    }

    async fn state_of(&self, order_id: &str) -> String {
        let order = self.show(order_id).await;
        order["state"].as_str().expect("a state").to_owned()
    }
}

// ----- the sandbox provider's side ---------------------------------------------------

/// The payer presses "Pay" (`succeed`) or "Decline" (`fail`) on the hosted page.
async fn press(app: &TestApp, payment_id: &str, outcome: &str) -> Reply {
    app.post_raw(
        &format!("/sandbox/pay/{payment_id}"),
        Some("application/x-www-form-urlencoded"),
        format!("outcome={outcome}").into_bytes(),
    )
    .await
}

async fn pay(app: &TestApp, order: &Value) {
    let (status, headers, body) = press(app, &payment_of(order), "succeed").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let back = headers[header::LOCATION].to_str().expect("a location");
    let order_page = format!("https://datacard.test/orders/{}", id_of(order));
    assert!(
        back == order_page || back.starts_with(&format!("{order_page}?")),
        "the payer is sent back to the order, not to {back}"
    );
}

async fn post_webhook(app: &TestApp, body: &str, signature: Option<&str>) -> Reply {
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

async fn due(app: &TestApp) -> Vec<bank::Outgoing> {
    bank::due_notifications(app)
        .await
        .expect("due notifications")
}

/// Posts one notification as the provider would; marks it delivered when we said 200.
async fn deliver(app: &TestApp, outgoing: &bank::Outgoing) -> Reply {
    let reply = post_webhook(app, &outgoing.body, Some(&outgoing.signature)).await;
    bank::mark_delivered(app, &outgoing.id, reply.0.is_success())
        .await
        .expect("mark delivered");
    reply
}

/// Lets the notification delay pass, then delivers everything due, once, in order.
async fn deliver_notifications(app: &TestApp) -> Vec<Value> {
    app.advance_secs(1);
    let mut answers = Vec::new();
    for outgoing in due(app).await {
        let (status, _, body) = deliver(app, &outgoing).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        answers.push(body);
    }
    answers
}

fn secret(app: &TestApp) -> Vec<u8> {
    datacard::demo::sandbox::webhook_secret(app)
}

/// What the provider would send about `payment_id`, signed now with the real secret.
fn provider_event(
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

async fn run_jobs(app: &TestApp, worker: &str) -> usize {
    reconcile::run_due(app, worker).await.expect("jobs run")
}

// ----- what the operator sees in the database ---------------------------------------

async fn count(app: &TestApp, sql: &str, arg: &str) -> i64 {
    sqlx::query(sql)
        .bind(arg.to_owned())
        .fetch_one(app.db.reader())
        .await
        .and_then(|row| row.try_get::<i64, _>(0))
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

async fn periods_of(app: &TestApp, order_id: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM line_periods WHERE order_id = $1",
        order_id,
    )
    .await
}

async fn receipts_of(app: &TestApp, order_id: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM receipts WHERE order_id = $1",
        order_id,
    )
    .await
}

async fn sales_of(app: &TestApp, order_id: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM ledger_transactions WHERE reference = $1",
        &format!("order:{order_id}:fulfil"),
    )
    .await
}

/// The order's `attention` flags for the operator, "" when none.
async fn attention(app: &TestApp, order_id: &str) -> String {
    sqlx::query("SELECT attention FROM orders WHERE id = $1")
        .bind(order_id.to_owned())
        .fetch_one(app.db.reader())
        .await
        .and_then(|row| row.try_get::<Option<String>, _>("attention"))
        .expect("the order's attention")
        .unwrap_or_default()
}

/// A house account's balance in the ledger (debit positive), 0 when never used.
async fn house_balance(app: &TestApp, code: &str) -> i64 {
    sqlx::query("SELECT balance FROM ledger_accounts WHERE code = $1")
        .bind(code.to_owned())
        .fetch_optional(app.db.reader())
        .await
        .expect("ledger account")
        .map(|row| row.try_get::<i64, _>("balance").expect("a balance"))
        .unwrap_or(0)
}

async fn payment_state(app: &TestApp, payment_id: &str) -> PaymentState {
    datacard::payments::store::find(app, payment_id)
        .await
        .expect("payment")
        .expect("the payment exists")
        .state
}

/// The queued periods are end to end after the running one: no gap, no overlap.
fn assert_end_to_end(line: &Value) {
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

// ----- 1. a renewal by card, end to end ----------------------------------------------

story!(a_renewal_paid_by_card_is_fulfilled_once, |app| {
    let demo = Shopper::demo(&app).await;
    let before = demo.line(&demo_iccid()).await;
    let current_end = at(&before["current_period"]["ends_at"]);
    assert_eq!(before["queued_periods"], json!([]));

    let quote = demo.quote(renewal(PLAN, 2, "card")).await;
    let list_price = 2 * PLAN_PRICE;
    let fee = card_fee(list_price);
    assert_eq!(fee, 440);
    let breakdown = json!({ "list_price": hkd(list_price), "discounts": [],
                            "fee": hkd(fee), "total": hkd(list_price + fee) });
    assert_eq!(quote["breakdown"], breakdown, "{quote}");
    assert_eq!(quote["periods"], 2);
    assert_eq!(
        app.count_rows("orders").await,
        0,
        "a quote has no side effects"
    );

    // The percentage fee rounds half up to the cent: 2.5 % of HK$10.20 is 25.5 cents.
    for (amount, expected_fee) in [(1_020, 26), (1_019, 25), (1_000, 25)] {
        let quote = demo.quote(top_up(amount, "card")).await;
        assert_eq!(card_fee(amount), expected_fee);
        assert_eq!(quote["breakdown"]["fee"], hkd(expected_fee), "{quote}");
        assert_eq!(quote["breakdown"]["total"], hkd(amount + expected_fee));
    }

    let order = demo.order(renewal(PLAN, 2, "card")).await;
    let order_id = id_of(&order);
    assert!(order_id.starts_with("ord_"), "{order}");
    assert_eq!(order["state"], "pending_payment");
    assert_eq!(order["kind"], "renewal");
    assert_eq!(order["iccid"], demo_iccid());
    assert_eq!(order["plan_code"], PLAN);
    assert_eq!(order["periods"], 2);
    assert_eq!(order["breakdown"], breakdown);
    assert_eq!(order["paid_at"], Value::Null);
    assert_eq!(order["fulfilled_at"], Value::Null);
    let payment_id = payment_of(&order);
    assert!(payment_id.starts_with("pay_"), "{order}");
    assert_eq!(order["payment"]["provider"], "sandbox");
    assert_eq!(order["payment"]["method"], "card");
    assert_eq!(order["payment"]["state"], "pending");
    assert_eq!(
        order["payment"]["next_action"],
        json!({ "type": "redirect", "url": format!("https://datacard.test/sandbox/pay/{payment_id}") })
    );

    // The provider's page shows what is to be paid.
    let (status, _, page) = app
        .get_json(&format!("/sandbox/pay/{payment_id}"), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.as_str().is_some_and(|html| html.contains("HK$180.40")),
        "{page}"
    );

    pay(&app, &order).await;
    assert_eq!(
        demo.state_of(&order_id).await,
        "pending_payment",
        "nothing is fulfilled before the provider's word arrives"
    );
    let answers = deliver_notifications(&app).await;
    assert_eq!(
        answers,
        vec![json!({ "received": true, "duplicate": false })]
    );

    let paid = demo.show(&order_id).await;
    assert_eq!(paid["state"], "fulfilled", "{paid}");
    assert_eq!(paid["payment"]["state"], "succeeded");
    assert_eq!(at(&paid["paid_at"]), app.now());
    assert_eq!(at(&paid["fulfilled_at"]), app.now());
    assert_eq!(receipts_of(&app, &order_id).await, 1);
    assert_eq!(sales_of(&app, &order_id).await, 1);
    assert_eq!(periods_of(&app, &order_id).await, 2);

    let line = demo.line(&demo_iccid()).await;
    assert_eq!(
        line["current_period"], before["current_period"],
        "the running period is untouched"
    );
    let queued = line["queued_periods"].as_array().expect("queued periods");
    assert_eq!(queued.len(), 2, "{line}");
    let mut start = current_end;
    for period in queued {
        assert_eq!(period["plan_code"], PLAN);
        assert_eq!(
            at(&period["starts_at"]),
            start,
            "queued after the current period"
        );
        assert_eq!(at(&period["ends_at"]), start + Duration::days(PLAN_DAYS));
        assert_eq!(period["data_allowance"], TWENTY_GB);
        assert_eq!(period["data_used"], 0);
        assert_eq!(period["data_remaining"], TWENTY_GB);
        start = at(&period["ends_at"]);
    }

    // A later order, by Alipay (a QR code), comes first in the list.
    app.advance_secs(60);
    let second = demo.order(renewal("HK-7D-5G", 1, "alipay")).await;
    assert_eq!(second["payment"]["next_action"]["type"], "qr", "{second}");
    assert_eq!(second["breakdown"]["fee"], hkd(72), "1.5 % of HK$48.00");
    let listed: Vec<Value> = demo
        .orders()
        .await
        .iter()
        .map(|o| o["id"].clone())
        .collect();
    assert_eq!(listed, vec![second["id"].clone(), json!(order_id)]);
});

// ----- 2. lost notifications -----------------------------------------------------------

story_with!(
    a_lost_notification_is_repaired_by_reconciliation,
    |backend| TestApp::start_with(backend, |config| {
        config.payments.sandbox.lose_notifications = true;
    }),
    |app| {
        let demo = Shopper::demo(&app).await;
        let order = demo.order(renewal(PLAN, 1, "card")).await;
        let order_id = id_of(&order);
        pay(&app, &order).await;
        app.advance_secs(5);
        assert!(due(&app).await.is_empty(), "the notification is lost");
        assert_eq!(
            run_jobs(&app, "worker-a").await,
            0,
            "the first status query is not due yet"
        );
        assert_eq!(demo.state_of(&order_id).await, "pending_payment");

        // A minute after the payment was created, reconciliation asks the provider.
        app.advance_secs(56);
        assert!(run_jobs(&app, "worker-a").await >= 1);
        let order = demo.show(&order_id).await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        assert_eq!(order["payment"]["state"], "succeeded");
        assert_eq!(periods_of(&app, &order_id).await, 1);
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM payment_events WHERE payment_id = $1 AND source = 'query' AND outcome = 'fulfilled'", &payment_of(&order)).await,
            1
        );

        // "Refresh" on the order page asks at once.
        let second = demo.order(renewal(PLAN, 1, "card")).await;
        let second_id = id_of(&second);
        pay(&app, &second).await;
        assert_eq!(demo.state_of(&second_id).await, "pending_payment");
        let refreshed = demo.refresh(&second_id).await;
        assert_eq!(refreshed["state"], "fulfilled", "{refreshed}");
        assert_eq!(refreshed["payment"]["state"], "succeeded");
        let again = demo.refresh(&second_id).await;
        assert_eq!(again["state"], "fulfilled");
        assert_eq!(
            periods_of(&app, &second_id).await,
            1,
            "refreshing twice fulfils once"
        );
        assert_eq!(receipts_of(&app, &second_id).await, 1);

        let line = demo.line(&demo_iccid()).await;
        assert_eq!(line["queued_periods"].as_array().map(Vec::len), Some(2));
        assert_end_to_end(&line);

        // The remaining status queries and the expiries find nothing left to do.
        app.advance(Duration::minutes(31));
        run_jobs(&app, "worker-a").await;
        assert_eq!(
            datacard::jobs::pending(&app, RECONCILE_JOB)
                .await
                .expect("jobs"),
            0
        );
        assert_eq!(
            datacard::jobs::pending(&app, EXPIRE_JOB)
                .await
                .expect("jobs"),
            0
        );
        for id in [&order_id, &second_id] {
            assert_eq!(demo.state_of(id).await, "fulfilled");
            assert_eq!(periods_of(&app, id).await, 1);
        }
    }
);

// ----- 3. repeated and reordered notifications -----------------------------------------

story_with!(
    repeated_and_reordered_notifications_fulfil_once,
    |backend| TestApp::start_with(backend, |config| {
        config.payments.sandbox.notify_copies = 3;
        config.payments.sandbox.reorder_notifications = true;
    }),
    |app| {
        let demo = Shopper::demo(&app).await;
        let first = demo.order(renewal(PLAN, 2, "card")).await;
        let second = demo.order(renewal("HK-7D-5G", 1, "wechat_pay")).await;
        pay(&app, &first).await;
        pay(&app, &second).await;

        // The provider's synchronous answer, replayed: already seen.
        let first_payment = payment_of(&first);
        let total = Money::new(PLAN_PRICE * 2 + card_fee(PLAN_PRICE * 2), Currency::HKD);
        let pending = Observation {
            status: ProviderStatus::Pending,
            amount: Some(total),
            raw: "{}".into(),
        };
        let replay = datacard::orders::apply(
            &app,
            &first_payment,
            "sync",
            &format!("sync:{first_payment}"),
            &pending,
        )
        .await
        .expect("apply");
        assert_eq!(replay, Applied::Duplicate);

        app.advance_secs(2);
        let mut outgoing = due(&app).await;
        assert_eq!(outgoing.len(), 6, "three copies of each notification");
        outgoing.reverse();
        let (mut fresh, mut repeats) = (0, 0);
        for notification in &outgoing {
            for _ in 0..3 {
                let (status, _, body) = deliver(&app, notification).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                assert_eq!(body["received"], true);
                match body["duplicate"].as_bool() {
                    Some(false) => fresh += 1,
                    Some(true) => repeats += 1,
                    None => panic!("no duplicate flag in {body}"),
                }
            }
        }
        assert_eq!((fresh, repeats), (2, 16), "one new event per payment");

        // A late "pending" answer, after the success: the payment does not go back.
        let late = datacard::orders::apply(&app, &first_payment, "sync", "sync:late", &pending)
            .await
            .expect("apply");
        assert_eq!(late, Applied::NoChange);

        for (order, periods) in [(&first, 2), (&second, 1)] {
            let id = id_of(order);
            let shown = demo.show(&id).await;
            assert_eq!(shown["state"], "fulfilled", "{shown}");
            assert_eq!(shown["payment"]["state"], "succeeded");
            assert_eq!(periods_of(&app, &id).await, periods);
            assert_eq!(receipts_of(&app, &id).await, 1);
            assert_eq!(sales_of(&app, &id).await, 1);
            assert_eq!(
                count(&app, "SELECT COUNT(*) FROM payment_events WHERE payment_id = $1 AND source = 'notification'", &payment_of(order)).await,
                1,
                "repeats are not stored twice"
            );
        }
        let line = demo.line(&demo_iccid()).await;
        assert_eq!(
            line["queued_periods"].as_array().map(Vec::len),
            Some(3),
            "{line}"
        );
        assert_end_to_end(&line);
    }
);

// ----- 4. forged and wrong notifications -------------------------------------------------

story!(bad_notifications_change_nothing, |app| {
    let demo = Shopper::demo(&app).await;
    let order = demo.order(renewal(PLAN, 1, "card")).await;
    let order_id = id_of(&order);
    let payment_id = payment_of(&order);
    let total = PLAN_PRICE + card_fee(PLAN_PRICE);
    pay(&app, &order).await;
    app.advance_secs(1);
    let genuine = due(&app).await.pop().expect("the success notification");
    let events_before = app.count_rows("payment_events").await;
    let now = app.now().timestamp();

    let refused = [
        ("no signature", None),
        ("garbage", Some(format!("t={now},v1=00ff"))),
        (
            "another key",
            Some(bank::sign(b"not-the-secret", now, &genuine.body)),
        ),
        (
            "ten minutes old",
            Some(bank::sign(&secret(&app), now - 600, &genuine.body)),
        ),
        (
            "ten minutes early",
            Some(bank::sign(&secret(&app), now + 600, &genuine.body)),
        ),
    ];
    for (what, signature) in refused {
        let reply = post_webhook(&app, &genuine.body, signature.as_deref()).await;
        assert_eq!(reply.0, StatusCode::BAD_REQUEST, "{what}: {}", reply.2);
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_signature");
    }
    // The genuine signature over a changed body.
    let tampered_body = genuine
        .body
        .replace(&format!("\"amount\":{total}"), "\"amount\":1");
    assert_ne!(tampered_body, genuine.body);
    let reply = post_webhook(&app, &tampered_body, Some(&genuine.signature)).await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_signature");
    assert_eq!(
        app.count_rows("payment_events").await,
        events_before,
        "nothing stored"
    );
    assert_eq!(demo.state_of(&order_id).await, "pending_payment");
    assert_eq!(attention(&app, &order_id).await, "");

    // Correctly signed, but for another amount: refused, kept, flagged.
    let (body, signature) = provider_event(&app, "evt_wrong_amount", &payment_id, "succeeded", 1);
    let reply = post_webhook(&app, &body, Some(&signature)).await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "amount_mismatch");
    let shown = demo.show(&order_id).await;
    assert_eq!(shown["state"], "pending_payment", "{shown}");
    assert_eq!(shown["payment"]["state"], "pending");
    assert_eq!(attention(&app, &order_id).await, "amount_mismatch");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM payment_events WHERE provider_event_id = $1 AND outcome = 'amount_mismatch'", "evt_wrong_amount").await,
        1
    );
    assert_eq!(periods_of(&app, &order_id).await, 0);

    // Correctly signed, about a payment we never made: refused, kept for the operator.
    let (body, signature) = provider_event(
        &app,
        "evt_stranger",
        "pay_NOSUCHPAYMENT",
        "succeeded",
        total,
    );
    let reply = post_webhook(&app, &body, Some(&signature)).await;
    assert_error(&reply, StatusCode::NOT_FOUND, "payment_not_found");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM payment_events WHERE provider_event_id = $1 AND payment_id IS NULL AND outcome = 'unknown_payment'", "evt_stranger").await,
        1
    );
    // Sent again: still refused, kept once.
    let reply = post_webhook(&app, &body, Some(&signature)).await;
    assert_error(&reply, StatusCode::NOT_FOUND, "payment_not_found");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM payment_events WHERE provider_event_id = $1",
            "evt_stranger"
        )
        .await,
        1
    );
    assert_eq!(demo.state_of(&order_id).await, "pending_payment");

    // The real notification still counts.
    let (status, _, body) = deliver(&app, &genuine).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(demo.state_of(&order_id).await, "fulfilled");
    assert_eq!(periods_of(&app, &order_id).await, 1);
    assert_eq!(demo.balance().await, DEMO_BALANCE);
});

// ----- 5. declined, expired, and late money ------------------------------------------------

story!(a_declined_payment_fails_the_order, |app| {
    let demo = Shopper::demo(&app).await;
    let order = demo.order(renewal(PLAN, 1, "card")).await;
    let order_id = id_of(&order);
    let (status, _, _) = press(&app, &payment_of(&order), "fail").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    deliver_notifications(&app).await;

    let failed = demo.show(&order_id).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(failed["payment"]["state"], "failed");
    assert_eq!(failed["fulfilled_at"], Value::Null);
    let (status, _, _) = press(&app, &payment_of(&order), "succeed").await;
    assert_eq!(status, StatusCode::CONFLICT, "a declined payment is over");

    app.advance(Duration::minutes(31));
    run_jobs(&app, "worker-a").await;
    assert_eq!(
        demo.state_of(&order_id).await,
        "failed",
        "expiry leaves it failed"
    );
    assert_eq!(periods_of(&app, &order_id).await, 0);
    assert_eq!(receipts_of(&app, &order_id).await, 0);
    assert_eq!(demo.line(&demo_iccid()).await["queued_periods"], json!([]));
});

story!(an_unpaid_order_expires_and_closes_the_payment, |app| {
    let demo = Shopper::demo(&app).await;
    let order = demo.order(renewal(PLAN, 1, "card")).await;
    let order_id = id_of(&order);
    let payment_id = payment_of(&order);
    assert_eq!(at(&order["expires_at"]), app.now() + Duration::minutes(30));

    app.advance(Duration::minutes(29));
    run_jobs(&app, "worker-a").await;
    assert_eq!(demo.state_of(&order_id).await, "pending_payment");

    app.advance(Duration::minutes(2));
    run_jobs(&app, "worker-a").await;
    let expired = demo.show(&order_id).await;
    assert_eq!(expired["state"], "expired", "{expired}");
    assert_eq!(expired["payment"]["state"], "cancelled");
    let at_bank = bank::find(&app, &payment_id)
        .await
        .expect("bank")
        .expect("payment");
    assert_eq!(at_bank.status, bank::BankStatus::Closed);
    let (status, _, _) = press(&app, &payment_id, "succeed").await;
    assert_eq!(status, StatusCode::CONFLICT, "too late to pay");

    // The provider's "closed" notification changes nothing more.
    let answers = deliver_notifications(&app).await;
    assert_eq!(answers.len(), 1);
    assert_eq!(demo.state_of(&order_id).await, "expired");
    assert_eq!(demo.refresh(&order_id).await["state"], "expired");
    assert_eq!(periods_of(&app, &order_id).await, 0);
    assert_eq!(receipts_of(&app, &order_id).await, 0);
});

story!(a_qr_payment_expires_after_fifteen_minutes, |app| {
    let demo = Shopper::demo(&app).await;
    let order = demo.order(renewal(PLAN, 1, "alipay")).await;
    let order_id = id_of(&order);
    assert_eq!(order["payment"]["next_action"]["type"], "qr", "{order}");
    assert_eq!(at(&order["expires_at"]), app.now() + Duration::minutes(15));

    app.advance(Duration::minutes(14));
    run_jobs(&app, "worker-a").await;
    assert_eq!(demo.state_of(&order_id).await, "pending_payment");
    app.advance(Duration::minutes(2));
    run_jobs(&app, "worker-a").await;
    let expired = demo.show(&order_id).await;
    assert_eq!(expired["state"], "expired", "{expired}");
    assert_eq!(expired["payment"]["state"], "cancelled");
    assert_eq!(periods_of(&app, &order_id).await, 0);
});

story!(expiry_finds_a_payment_made_just_before, |app| {
    let demo = Shopper::demo(&app).await;
    let order = demo.order(renewal(PLAN, 1, "card")).await;
    let order_id = id_of(&order);
    // The early status queries find nothing; the next one is an hour after creation.
    app.advance(Duration::minutes(16));
    run_jobs(&app, "worker-a").await;
    assert_eq!(demo.state_of(&order_id).await, "pending_payment");

    pay(&app, &order).await; // …and the notification never comes.
    app.advance(Duration::minutes(15));
    run_jobs(&app, "worker-a").await;
    let order = demo.show(&order_id).await;
    assert_eq!(
        order["state"], "fulfilled",
        "closing first, then asking, finds the money: {order}"
    );
    assert_eq!(order["payment"]["state"], "succeeded");
    assert_eq!(periods_of(&app, &order_id).await, 1);
    assert_eq!(receipts_of(&app, &order_id).await, 1);
});

story!(
    money_that_arrives_after_expiry_still_fulfils_and_is_flagged,
    |app| {
        let demo = Shopper::demo(&app).await;
        let order = demo.order(renewal(PLAN, 1, "card")).await;
        let order_id = id_of(&order);
        let payment_id = payment_of(&order);
        app.advance(Duration::minutes(31));
        run_jobs(&app, "worker-a").await;
        assert_eq!(demo.state_of(&order_id).await, "expired");

        // The payer's payment crossed our close at the provider, which took the money
        // and says so.
        sqlx::query("UPDATE sandbox_payments SET status = 'succeeded' WHERE merchant_ref = $1")
            .bind(payment_id.clone())
            .execute(app.db.reader())
            .await
            .expect("the provider's books");
        let total = PLAN_PRICE + card_fee(PLAN_PRICE);
        let (body, signature) =
            provider_event(&app, "evt_late_money", &payment_id, "succeeded", total);
        let (status, _, answer) = post_webhook(&app, &body, Some(&signature)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");

        let order = demo.show(&order_id).await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        assert_eq!(order["payment"]["state"], "succeeded");
        assert!(attention(&app, &order_id).await.contains("late_success"));
        assert_eq!(periods_of(&app, &order_id).await, 1);
        assert_eq!(receipts_of(&app, &order_id).await, 1);
        assert_end_to_end(&demo.line(&demo_iccid()).await);
    }
);

// ----- 6. a second payment for the same order --------------------------------------------

/// Another payment attempt for an order, opened at the provider like the first.
async fn second_attempt(app: &TestApp, order: &Value) -> String {
    use datacard::payments::store::{self, Payment};
    let now = app.now();
    let payment = Payment {
        id: datacard::ids::new_id("pay", now),
        order_id: id_of(order),
        provider: "sandbox".into(),
        method: datacard::payments::Method::Card,
        amount: Money::new(
            order["breakdown"]["total"]["amount"]
                .as_i64()
                .expect("a total"),
            Currency::HKD,
        ),
        state: PaymentState::Pending,
        queries: 0,
    };
    let mut tx = app.db.begin().await.expect("begin");
    store::insert(&mut tx, &payment, now)
        .await
        .expect("insert payment");
    tx.commit().await.expect("commit");
    let created = SandboxProvider::new(app)
        .create(&CreateRequest {
            payment_id: payment.id.clone(),
            amount: payment.amount,
            method: payment.method,
            description: PLAN.into(),
            return_url: format!("https://datacard.test/orders/{}", payment.order_id),
            expires_at: now + chrono::Duration::minutes(30),
            payer: Default::default(),
        })
        .await
        .expect("the provider opens it");
    let mut tx = app.db.begin().await.expect("begin");
    store::set_created(
        &mut tx,
        &payment.id,
        &created.provider_ref,
        &created.next_action,
    )
    .await
    .expect("set created");
    tx.commit().await.expect("commit");
    payment.id
}

story!(a_second_payment_for_a_fulfilled_order_is_refunded, |app| {
    let demo = Shopper::demo(&app).await;
    let order = demo.order(renewal(PLAN, 1, "card")).await;
    let order_id = id_of(&order);
    let total = PLAN_PRICE + card_fee(PLAN_PRICE);
    pay(&app, &order).await;
    deliver_notifications(&app).await;
    assert_eq!(demo.state_of(&order_id).await, "fulfilled");

    app.advance_secs(10);
    let second = second_attempt(&app, &order).await;
    assert!(bank::pay(&app, &second, true).await.expect("pay"));
    let answers = deliver_notifications(&app).await;
    assert_eq!(
        answers,
        vec![json!({ "received": true, "duplicate": false })]
    );

    let shown = demo.show(&order_id).await;
    assert_eq!(shown["state"], "fulfilled", "{shown}");
    assert_eq!(
        shown["payment"]["id"],
        second.as_str(),
        "the newest attempt is shown"
    );
    assert_eq!(shown["payment"]["state"], "refund_pending");
    assert!(
        attention(&app, &order_id)
            .await
            .contains("duplicate_payment")
    );
    assert_eq!(
        house_balance(&app, "liability:refunds_due:HKD").await,
        -total
    );

    assert!(
        run_jobs(&app, "worker-a").await >= 1,
        "the refund runs at once"
    );
    assert_eq!(payment_state(&app, &second).await, PaymentState::Refunded);
    let at_bank = bank::find(&app, &second)
        .await
        .expect("bank")
        .expect("payment");
    assert_eq!(at_bank.status, bank::BankStatus::Refunded);
    // The provider's "refunded" notification changes nothing more.
    deliver_notifications(&app).await;
    assert_eq!(payment_state(&app, &second).await, PaymentState::Refunded);

    let shown = demo.show(&order_id).await;
    assert_eq!(
        shown["state"], "fulfilled",
        "the first payment's sale stands"
    );
    assert_eq!(shown["payment"]["state"], "refunded");
    assert_eq!(periods_of(&app, &order_id).await, 1);
    assert_eq!(receipts_of(&app, &order_id).await, 1);
    assert_eq!(sales_of(&app, &order_id).await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM ledger_transactions WHERE reference = $1",
            &format!("payment:{second}:refund")
        )
        .await,
        1
    );
    assert_eq!(house_balance(&app, "liability:refunds_due:HKD").await, 0);
    // What the provider holds for us: the first payment, less its fee.
    assert_eq!(
        house_balance(&app, "asset:clearing:sandbox:HKD").await,
        PLAN_PRICE
    );
});

// ----- 7. the wallet ----------------------------------------------------------------------

story!(
    the_wallet_is_topped_up_by_card_and_pays_for_renewals,
    |app| {
        let demo = Shopper::demo(&app).await;
        assert_eq!(demo.balance().await, DEMO_BALANCE);

        let top_up_order = demo.order(top_up(10_000, "card")).await;
        assert_eq!(top_up_order["kind"], "wallet_topup");
        assert_eq!(top_up_order["plan_code"], Value::Null);
        assert_eq!(top_up_order["breakdown"]["list_price"], hkd(10_000));
        assert_eq!(top_up_order["breakdown"]["total"], hkd(10_250));
        pay(&app, &top_up_order).await;
        assert_eq!(
            demo.balance().await,
            DEMO_BALANCE,
            "not before the money arrives"
        );
        deliver_notifications(&app).await;
        assert_eq!(demo.state_of(&id_of(&top_up_order)).await, "fulfilled");
        let mut balance = DEMO_BALANCE + 10_000;
        assert_eq!(
            demo.balance().await,
            balance,
            "the card fee is not taken from the wallet"
        );

        // Paid from the wallet: no provider, fulfilled at once.
        let (status, _, order) = demo.try_order(renewal(PLAN, 1, "wallet")).await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        assert_eq!(order["state"], "fulfilled", "{order}");
        assert_eq!(order["payment"], Value::Null);
        assert_eq!(order["breakdown"]["fee"], hkd(0));
        assert_eq!(order["breakdown"]["total"], hkd(PLAN_PRICE));
        balance -= PLAN_PRICE;
        assert_eq!(demo.balance().await, balance);
        assert_eq!(periods_of(&app, &id_of(&order)).await, 1);
        assert_eq!(receipts_of(&app, &id_of(&order)).await, 1);

        // More than the wallet holds: refused, and nothing happened.
        let orders_before = demo.orders().await.len();
        let reply = demo.try_order(renewal(PLAN, 3, "wallet")).await;
        assert_error(&reply, StatusCode::CONFLICT, "insufficient_balance");
        assert_eq!(
            demo.orders().await.len(),
            orders_before,
            "no order is left behind"
        );
        assert_eq!(demo.balance().await, balance);
        assert_eq!(
            demo.line(&demo_iccid()).await["queued_periods"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );

        // Two at once that together exceed the balance: exactly one goes through.
        let plan_price = 4_800;
        assert!(2 * plan_price > balance && plan_price <= balance);
        let (a, b) = tokio::join!(
            demo.try_order(renewal("HK-7D-5G", 1, "wallet")),
            demo.try_order(renewal("HK-7D-5G", 1, "wallet")),
        );
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "{} / {}",
            a.2,
            b.2
        );
        let refused = if a.0 == StatusCode::CONFLICT { &a } else { &b };
        assert_error(refused, StatusCode::CONFLICT, "insufficient_balance");
        balance -= plan_price;
        assert_eq!(demo.balance().await, balance);
        assert_eq!(demo.orders().await.len(), orders_before + 1);
        let line = demo.line(&demo_iccid()).await;
        assert_eq!(
            line["queued_periods"].as_array().map(Vec::len),
            Some(2),
            "{line}"
        );
        assert_end_to_end(&line);
    }
);

story_with!(
    a_wallet_fee_is_charged_and_booked,
    |backend| TestApp::start_with(backend, |config| {
        config.payments.wallet.fee_basis_points = 100;
    }),
    |app| {
        let demo = Shopper::demo(&app).await;
        // 1 % of HK$18.00 is 18 cents.
        let quote = demo.quote(renewal("HK-1D-1G", 1, "wallet")).await;
        assert_eq!(quote["breakdown"]["total"], hkd(1_818), "{quote}");
        let (status, _, order) = demo.try_order(renewal("HK-1D-1G", 1, "wallet")).await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        assert_eq!(order["state"], "fulfilled");
        assert_eq!(demo.balance().await, DEMO_BALANCE - 1_818);
    }
);

story!(renewing_a_line_whose_time_ran_out_starts_now, |app| {
    let demo = Shopper::demo(&app).await;
    app.advance(Duration::days(21));
    datacard::lines::expire_lapsed(&app)
        .await
        .expect("expire lines");
    let line = demo.line(&demo_iccid()).await;
    assert_eq!(line["status"], "expired", "{line}");
    assert_eq!(line["current_period"], Value::Null);

    let order = demo.order(renewal("HK-7D-5G", 1, "wallet")).await;
    assert_eq!(order["state"], "fulfilled", "{order}");
    let line = demo.line(&demo_iccid()).await;
    assert_eq!(line["status"], "active", "{line}");
    assert_eq!(at(&line["current_period"]["starts_at"]), app.now());
    assert_eq!(
        at(&line["current_period"]["ends_at"]),
        app.now() + Duration::days(7)
    );
    assert_eq!(line["queued_periods"], json!([]));
});

// ----- 8. new eSIMs ---------------------------------------------------------------------

story!(a_new_esim_paid_by_card_arrives_ready_to_install, |app| {
    let demo = Shopper::demo(&app).await;
    let stock = datacard::inventory::available(&app).await.expect("stock");
    let reply = demo
        .try_order(
            json!({ "kind": "new_esim", "iccid": demo_iccid(), "plan_code": "HK-7D-5G",
                           "periods": 1, "payment_method": "card" }),
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_body");

    let order = demo.order(new_esim("HK-7D-5G", "card")).await;
    let order_id = id_of(&order);
    assert_eq!(order["iccid"], Value::Null);
    assert_eq!(order["activation_code"], Value::Null);
    pay(&app, &order).await;
    deliver_notifications(&app).await;

    let order = demo.show(&order_id).await;
    assert_eq!(order["state"], "fulfilled", "{order}");
    let code = order["activation_code"]
        .as_str()
        .expect("an activation code");
    assert!(code.starts_with("LPA:1$"), "{code}");
    assert_eq!(
        datacard::inventory::available(&app).await.expect("stock"),
        stock - 1
    );

    let me = demo.me().await;
    let lines = me["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2, "{me}");
    let new_line = lines
        .iter()
        .find(|line| line["iccid"] != demo_iccid().as_str())
        .expect("the new line");
    assert_eq!(new_line["status"], "pending_install");
    assert_eq!(new_line["activation_code"], code);
    let current = &new_line["current_period"];
    assert_eq!(current["plan_code"], "HK-7D-5G");
    assert_eq!(at(&current["starts_at"]), app.now());
    assert_eq!(at(&current["ends_at"]), app.now() + Duration::days(7));
    assert_eq!(current["data_allowance"], 5u64 * 1024 * 1024 * 1024);
    assert_eq!(new_line["queued_periods"], json!([]));
    assert_eq!(periods_of(&app, &order_id).await, 1);

    // The new line can be renewed like any other.
    let iccid = new_line["iccid"].as_str().expect("an ICCID");
    let renewal_order = demo
        .order(
            json!({ "kind": "renewal", "iccid": iccid, "plan_code": "HK-7D-5G",
                       "periods": 1, "payment_method": "wallet" }),
        )
        .await;
    assert_eq!(renewal_order["state"], "fulfilled", "{renewal_order}");
    assert_end_to_end(&demo.line(iccid).await);
});

story!(
    a_paid_new_esim_without_stock_is_refunded_and_flagged,
    |app| {
        // A catalog, but not a single eSIM in stock.
        let specs = datacard::catalog::parse(datacard::catalog::DEMO_CATALOG).expect("catalog");
        datacard::catalog::import(&app, &specs, "test")
            .await
            .expect("import");
        assert_eq!(
            datacard::inventory::available(&app).await.expect("stock"),
            0
        );
        let chan = Shopper::registered(&app, "+85261239001", "chan@example.com").await;

        let reply = chan.try_order(new_esim("HK-7D-5G", "wallet")).await;
        assert_eq!(reply.0, StatusCode::CONFLICT, "{}", reply.2);
        assert_eq!(app.count_rows("orders").await, 0);

        let order = chan.order(new_esim("HK-7D-5G", "card")).await;
        let order_id = id_of(&order);
        let payment_id = payment_of(&order);
        pay(&app, &order).await;
        deliver_notifications(&app).await;
        let shown = chan.show(&order_id).await;
        assert_eq!(
            shown["state"], "paid",
            "the money came, the eSIM cannot: {shown}"
        );
        assert_eq!(shown["activation_code"], Value::Null);
        assert!(
            attention(&app, &order_id)
                .await
                .contains("no_esim_in_inventory")
        );

        run_jobs(&app, "worker-a").await;
        assert_eq!(
            payment_state(&app, &payment_id).await,
            PaymentState::Refunded
        );
        let at_bank = bank::find(&app, &payment_id)
            .await
            .expect("bank")
            .expect("payment");
        assert_eq!(at_bank.status, bank::BankStatus::Refunded);
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM ledger_transactions WHERE reference = $1",
                &format!("payment:{payment_id}:refund")
            )
            .await,
            1
        );
        assert_eq!(receipts_of(&app, &order_id).await, 0);
        assert_eq!(chan.me().await["lines"], json!([]));
        let shown = chan.show(&order_id).await;
        assert_eq!(
            shown["state"], "refunded",
            "API.md: `refunded` after a refund: {shown}"
        );
        assert!(
            shown["paid_at"].is_string(),
            "the money did arrive, and when is on record: {shown}"
        );
    }
);

// ----- 9. bad input -------------------------------------------------------------------------

story!(orders_refuse_bad_input, |app| {
    let demo = Shopper::demo(&app).await;
    let chan = Shopper::registered(&app, "+85261239002", "chan.bad@example.com").await;

    let someone_elses = renewal(PLAN, 1, "card");
    let quote = chan.post("/api/v1/quotes", someone_elses.clone()).await;
    assert_error(&quote, StatusCode::NOT_FOUND, "line_not_found");
    assert_error(
        &chan.try_order(someone_elses).await,
        StatusCode::NOT_FOUND,
        "line_not_found",
    );
    let no_such_line = json!({ "kind": "renewal", "iccid": Iccid::with_check_digit("898520000000000999").expect("iccid").to_string(),
                               "plan_code": PLAN, "periods": 1, "payment_method": "card" });
    assert_error(
        &demo.try_order(no_such_line).await,
        StatusCode::NOT_FOUND,
        "line_not_found",
    );

    let cases = [
        (
            renewal("XX-NO-SUCH-PLAN", 1, "card"),
            StatusCode::NOT_FOUND,
            "plan_not_found",
        ),
        (
            renewal(PLAN, 0, "card"),
            StatusCode::BAD_REQUEST,
            "invalid_periods",
        ),
        (
            renewal(PLAN, 37, "card"),
            StatusCode::BAD_REQUEST,
            "invalid_periods",
        ),
        (
            top_up(10_000, "wallet"),
            StatusCode::BAD_REQUEST,
            "payment_method_unavailable",
        ),
        (top_up(1, "card"), StatusCode::BAD_REQUEST, "invalid_amount"),
        (
            json!({ "kind": "renewal", "plan_code": PLAN, "periods": 1, "payment_method": "card" }),
            StatusCode::BAD_REQUEST,
            "invalid_iccid",
        ),
        (
            // Unknown fields are refused (a client-sent price or discount is accepted
            // and ignored instead: see promotions_story).
            json!({ "kind": "renewal", "iccid": demo_iccid(), "plan_code": PLAN, "periods": 1,
                    "payment_method": "card", "surprise": 100 }),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({ "kind": "renewal", "iccid": demo_iccid(), "plan_code": PLAN, "periods": 1,
                    "payment_method": "bitcoin" }),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
    ];
    for (body, status, code) in cases {
        assert_error(&demo.try_order(body.clone()).await, status, code);
        assert_error(&demo.post("/api/v1/quotes", body).await, status, code);
    }
    let anonymous = app
        .post_json("/api/v1/orders", renewal(PLAN, 1, "card"), &[])
        .await;
    assert_error(&anonymous, StatusCode::UNAUTHORIZED, "unauthenticated");
    let anonymous = app.get_json("/api/v1/orders", &[]).await;
    assert_error(&anonymous, StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(app.count_rows("orders").await, 0, "nothing was created");
    assert_eq!(app.count_rows("payments").await, 0);
    assert_eq!(app.count_rows("sandbox_payments").await, 0);

    // Someone else's order is not found either.
    let order = demo.order(renewal(PLAN, 1, "card")).await;
    let path = format!("/api/v1/orders/{}", id_of(&order));
    assert_error(
        &app.get_json(&path, &chan.headers()).await,
        StatusCode::NOT_FOUND,
        "order_not_found",
    );
    let refresh = app
        .post_json(&format!("{path}/refresh"), json!({}), &chan.headers())
        .await;
    assert_error(&refresh, StatusCode::NOT_FOUND, "order_not_found");
    assert_eq!(chan.orders().await, Vec::<Value>::new());
});

story!(an_idempotency_key_creates_one_order, |app| {
    let demo = Shopper::demo(&app).await;
    let body = renewal(PLAN, 1, "card");
    let keyed = [
        ("authorization", demo.auth.as_str()),
        ("idempotency-key", "checkout-7f3a"),
    ];
    let (status, _, first) = app.post_json("/api/v1/orders", body.clone(), &keyed).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, headers, again) = app.post_json("/api/v1/orders", body.clone(), &keyed).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["payment"]["id"], first["payment"]["id"]);
    assert_eq!(headers["idempotent-replayed"], "true");
    assert_eq!(app.count_rows("orders").await, 1);
    assert_eq!(app.count_rows("payments").await, 1);

    let other = app
        .post_json("/api/v1/orders", renewal(PLAN, 2, "card"), &keyed)
        .await;
    assert_error(
        &other,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    );
    assert_eq!(app.count_rows("orders").await, 1);

    // A refused request does not use up its key.
    let broke = [
        ("authorization", demo.auth.as_str()),
        ("idempotency-key", "checkout-8b1c"),
    ];
    let refused = app
        .post_json("/api/v1/orders", renewal(PLAN, 3, "wallet"), &broke)
        .await;
    assert_error(&refused, StatusCode::CONFLICT, "insufficient_balance");
    let (status, _, retried) = app
        .post_json("/api/v1/orders", renewal(PLAN, 3, "wallet"), &broke)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{retried}");
    assert_eq!(app.count_rows("orders").await, 1);

    let listed = demo.orders().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], first["id"]);
});
