//! What the records stories share: a subscriber paying by card at the sandbox or
//! from the wallet, notifications delivered from several tasks, reading back.

pub(super) use axum::body::Body;
pub(super) use axum::http::{Method, Request, StatusCode, header};
pub(super) use serde_json::{Value, json};

pub(super) use datacard::demo::sandbox::bank::{self, Outgoing};
pub(super) use datacard::lines::Iccid;

pub(super) use crate::support::*;

pub(super) const PLAN: &str = "HK-30D-20G";
pub(super) const PLAN_PRICE: i64 = 8800;

pub(super) fn demo_iccid() -> String {
    Iccid::with_check_digit("898520000000000001")
        .expect("the demo ICCID")
        .to_string()
}

pub(super) fn renewal(periods: u32, method: &str) -> Value {
    json!({ "kind": "renewal", "iccid": demo_iccid(), "plan_code": PLAN,
            "periods": periods, "payment_method": method })
}

pub(super) fn top_up(amount: i64, method: &str) -> Value {
    json!({ "kind": "wallet_topup", "amount": { "amount": amount, "currency": "HKD" },
            "payment_method": method })
}

/// The demo subscriber after the demo seed: `Authorization` header.
pub(super) async fn demo(app: &TestApp) -> String {
    datacard::demo::seed(app).await.expect("demo seed");
    bearer(
        &app.log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await,
    )
}

pub(super) async fn send(
    router: &axum::Router,
    method: Method,
    path: &str,
    auth: &str,
    body: Option<Value>,
) -> Reply {
    let request = json_request(method, path, body, &[("authorization", auth)]);
    let (status, headers, bytes) = call(router.clone(), request).await;
    (status, headers, json_of(&bytes))
}

/// Orders `body` and, unless it was paid from the wallet, pays at the sandbox and
/// delivers the notification: the order as created.
pub(super) async fn buy(app: &TestApp, auth: &str, body: Value) -> Value {
    let (status, _, order) = send(
        &app.router,
        Method::POST,
        "/api/v1/orders",
        auth,
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    if order["state"] == "pending_payment" {
        app.pay_at_sandbox(&order).await;
    }
    order
}

pub(super) fn id_of(order: &Value) -> String {
    order["id"].as_str().expect("an order id").to_owned()
}

/// Splits `items` round-robin into `tasks` parts.
pub(super) fn deal<T>(items: Vec<T>, tasks: usize) -> Vec<Vec<T>> {
    let mut hands: Vec<Vec<T>> = (0..tasks).map(|_| Vec::new()).collect();
    for (index, item) in items.into_iter().enumerate() {
        hands[index % tasks].push(item);
    }
    hands
}

/// Posts each notification as the provider would, from four tasks at once.
pub(super) async fn deliver_at_once(app: &TestApp, outgoing: Vec<Outgoing>) {
    let mut tasks = Vec::new();
    for hand in deal(outgoing, 4) {
        let router = app.router.clone();
        let inner = app.app.clone();
        tasks.push(tokio::spawn(async move {
            for outgoing in hand {
                let request = Request::post("/api/v1/webhooks/sandbox")
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(bank::SIGNATURE_HEADER, outgoing.signature.as_str())
                    .body(Body::from(outgoing.body.clone()))
                    .expect("a request");
                let (status, _, bytes) = call(router.clone(), request).await;
                assert_eq!(
                    status,
                    StatusCode::OK,
                    "{}",
                    String::from_utf8_lossy(&bytes)
                );
                bank::mark_delivered(&inner, &outgoing.id, true)
                    .await
                    .expect("mark delivered");
            }
        }));
    }
    for task in tasks {
        task.await.expect("a delivering task");
    }
}

pub(super) async fn strings(app: &TestApp, sql: &str) -> Vec<String> {
    sqlx::query_scalar(sql)
        .fetch_all(app.db.reader())
        .await
        .expect("query")
}

/// `GET path` with the subscriber's token: status and body bytes.
pub(super) async fn get_bytes(
    app: &TestApp,
    path: &str,
    auth: &str,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let request = json_request(Method::GET, path, None, &[("authorization", auth)]);
    let (status, headers, bytes) = call(app.router.clone(), request).await;
    (status, headers, bytes.to_vec())
}
