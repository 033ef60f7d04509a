//! What the busy stories share: the shopping list, creating and paying orders from
//! several tasks, delivering notifications, and reading counts back.

pub(super) use std::time::Instant;

pub(super) use axum::body::Body;
pub(super) use axum::http::{Method, Request, StatusCode, header};
pub(super) use chrono::{DateTime, Duration, Utc};
pub(super) use rand::SeedableRng;
pub(super) use rand::seq::SliceRandom;
pub(super) use serde_json::{Value, json};
pub(super) use sqlx::Row;

pub(super) use datacard::app::App;
pub(super) use datacard::demo::sandbox::bank::{self, Outgoing};
pub(super) use datacard::lines::Iccid;
pub(super) use datacard::orders::reconcile;

pub(super) use crate::support::*;

pub(super) const PASSWORD: &str = "harbour lights 88";
pub(super) const RENEWALS: usize = 45;
pub(super) const NEW_ESIMS_EACH: usize = 20;
pub(super) const TOP_UPS_EACH: usize = 10;
pub(super) const METHODS: [&str; 3] = ["card", "alipay", "wechat_pay"];

pub(super) fn demo_iccid() -> String {
    Iccid::with_check_digit("898520000000000001")
        .expect("the demo ICCID")
        .to_string()
}

pub(super) struct Wanted {
    pub(super) auth: String,
    pub(super) body: Value,
}

/// What everyone buys tonight.
pub(super) fn shopping_list(demo: &str, others: &[String]) -> Vec<Wanted> {
    let mut wanted = Vec::new();
    for n in 0..RENEWALS {
        let plan = if n % 2 == 0 { "HK-30D-20G" } else { "HK-7D-5G" };
        wanted.push(Wanted {
            auth: bearer(demo),
            body: json!({ "kind": "renewal", "iccid": demo_iccid(), "plan_code": plan,
                          "periods": 1 + n % 3, "payment_method": METHODS[n % 3] }),
        });
    }
    for token in others {
        for n in 0..NEW_ESIMS_EACH {
            wanted.push(Wanted {
                auth: bearer(token),
                body: json!({ "kind": "new_esim", "plan_code": "HK-7D-5G", "periods": 1 + n % 2,
                              "payment_method": METHODS[n % 3] }),
            });
        }
        for n in 0..TOP_UPS_EACH {
            wanted.push(Wanted {
                auth: bearer(token),
                body: json!({ "kind": "wallet_topup", "payment_method": "card",
                              "amount": { "amount": top_up_amount(n), "currency": "HKD" } }),
            });
        }
    }
    wanted
}

pub(super) fn top_up_amount(n: usize) -> i64 {
    1_000 + 100 * i64::try_from(n).expect("small")
}

pub(super) async fn send_json(router: &axum::Router, path: &str, auth: &str, body: Value) -> Reply {
    let request = json_request(Method::POST, path, Some(body), &[("authorization", auth)]);
    let (status, headers, bytes) = call(router.clone(), request).await;
    (status, headers, json_of(&bytes))
}

pub(super) async fn get_json(router: &axum::Router, path: &str, auth: &str) -> Value {
    let request = json_request(Method::GET, path, None, &[("authorization", auth)]);
    let (status, _, bytes) = call(router.clone(), request).await;
    assert_eq!(status, StatusCode::OK, "GET {path}");
    json_of(&bytes)
}

/// Splits `items` round-robin into `tasks` parts.
pub(super) fn deal<T>(items: Vec<T>, tasks: usize) -> Vec<Vec<T>> {
    let mut hands: Vec<Vec<T>> = (0..tasks).map(|_| Vec::new()).collect();
    for (index, item) in items.into_iter().enumerate() {
        hands[index % tasks].push(item);
    }
    hands
}

/// Creates every order from four places at once; returns them as created.
pub(super) async fn create_all(router: &axum::Router, wanted: Vec<Wanted>) -> Vec<Value> {
    let mut tasks = Vec::new();
    for hand in deal(wanted, 4) {
        let router = router.clone();
        tasks.push(tokio::spawn(async move {
            let mut created = Vec::new();
            for item in hand {
                let (status, _, order) =
                    send_json(&router, "/api/v1/orders", &item.auth, item.body).await;
                assert_eq!(status, StatusCode::CREATED, "{order}");
                assert_eq!(order["state"], "pending_payment", "{order}");
                created.push(order);
            }
            created
        }));
    }
    let mut orders = Vec::new();
    for task in tasks {
        orders.extend(task.await.expect("a creating task"));
    }
    orders
}

/// Every payer presses "Pay", four at a time.
pub(super) async fn pay_all(router: &axum::Router, orders: &[Value]) {
    let payments: Vec<String> = orders
        .iter()
        .map(|order| {
            order["payment"]["id"]
                .as_str()
                .expect("a payment")
                .to_owned()
        })
        .collect();
    let mut tasks = Vec::new();
    for hand in deal(payments, 4) {
        let router = router.clone();
        tasks.push(tokio::spawn(async move {
            for payment in hand {
                let request = Request::post(format!("/sandbox/pay/{payment}"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from("outcome=succeed"))
                    .expect("a request");
                let (status, _, _) = call(router.clone(), request).await;
                assert_eq!(status, StatusCode::SEE_OTHER, "pay {payment}");
            }
        }));
    }
    for task in tasks {
        task.await.expect("a paying task");
    }
}

/// What one delivering task saw.
#[derive(Default)]
pub(super) struct Delivered {
    /// Answers that were news, not duplicates.
    pub(super) news: usize,
    /// Answers other than 200, as "status body".
    pub(super) refused: Vec<String>,
}

/// Posts each notification as the provider would; marks it delivered when we said 200.
pub(super) async fn deliver_hand(app: App, router: axum::Router, hand: Vec<Outgoing>) -> Delivered {
    let mut delivered = Delivered::default();
    for outgoing in hand {
        let request = Request::post("/api/v1/webhooks/sandbox")
            .header(header::CONTENT_TYPE, "application/json")
            .header(bank::SIGNATURE_HEADER, outgoing.signature.as_str())
            .body(Body::from(outgoing.body.clone()))
            .expect("a request");
        let (status, _, bytes) = call(router.clone(), request).await;
        let answer = json_of(&bytes);
        if status != StatusCode::OK {
            delivered.refused.push(format!("{status} {answer}"));
        } else if answer["duplicate"] == false {
            delivered.news += 1;
        }
        bank::mark_delivered(&app, &outgoing.id, status.is_success())
            .await
            .expect("mark delivered");
    }
    delivered
}

/// Waits for the delivering tasks; returns the news and every refusal.
pub(super) async fn join_deliveries(tasks: Vec<tokio::task::JoinHandle<Delivered>>) -> Delivered {
    let mut all = Delivered::default();
    for task in tasks {
        let delivered = task.await.expect("a delivering task");
        all.news += delivered.news;
        all.refused.extend(delivered.refused);
    }
    all
}

pub(super) async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(app.db.reader())
        .await
        .and_then(|row| row.try_get::<i64, _>(0))
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

pub(super) fn at(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("not a timestamp: {value}"))
}
