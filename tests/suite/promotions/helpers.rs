//! What the promotion stories share: the demo catalog with test coupons, a shopper,
//! and `concurrent_story!` for orders sent at once.

pub(super) use std::collections::BTreeMap;

pub(super) use axum::body::Body;
pub(super) use axum::http::{Method, Request, StatusCode, header};
pub(super) use chrono::Duration;
pub(super) use serde_json::{Value, json};
pub(super) use sqlx::Row;

pub(super) use datacard::catalog::DEMO_CATALOG;
pub(super) use datacard::demo::sandbox::bank;
pub(super) use datacard::orders::reconcile;
pub(super) use datacard::orders::{self, Order, OrderKind, OrderRequest, OrderState};
use datacard::promotions::catalog_file;

pub(super) use crate::support::*;

/// Runs a story on both databases on a runtime with several threads, so that
/// orders sent "at once" really are.
macro_rules! concurrent_story {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports, reason = "not every story needs every import")]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                run(Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                run(Backend::Postgres).await;
            }

            async fn run(backend: Backend) {
                let Some($app) = TestApp::start(backend).await else {
                    return;
                };
                let story = async { $body };
                story.await;
                $app.finish().await;
            }
        }
    };
}

pub(super) const PASSWORD: &str = "harbour lights 88";
/// The first month −30 % is on this plan, for a first order of it.
pub(super) const UNLIMITED: &str = "HK-30D-UNL";
pub(super) const UNLIMITED_PRICE: i64 = 16_800;
/// Buy 3 get 1 free is on the monthly plans, this one among them.
pub(super) const MONTHLY: &str = "HK-1M-25G";
pub(super) const MONTHLY_PRICE: i64 = 9_800;
/// No offer on it: the demo line's plan.
pub(super) const PLAIN: &str = "HK-30D-20G";

/// Coupons for the refusal stories, beside the demo's WELCOME10. The stories start
/// on 25 November 2026.
pub(super) const TEST_COUPONS: &str = r#"
[[coupons]]
code = "ONLYONE"
percent = 20
total_limit = 1
names = { en = "One lucky order", "zh-HK" = "幸運一單" }

[[coupons]]
code = "SUMMER25"
percent = 25
ends_at = 2026-09-01T00:00:00+08:00
names = { en = "Summer 25 % off" }

[[coupons]]
code = "NEWYEAR"
amount = { HKD = 2000 }
starts_at = 2027-01-01T00:00:00+08:00
names = { en = "New year HK$20 off" }

[[coupons]]
code = "DAYPASS"
percent = 50
plans = ["HK-1D-1G"]
names = { en = "Day pass half price" }

[[coupons]]
code = "CARDONLY"
percent = 5
methods = ["card"]
names = { en = "5 % off by card" }

[[coupons]]
code = "ON-THE-HOUSE"
percent = 100
per_account_limit = 1
names = { en = "On the house" }

[[coupons]]
code = "BIGSPEND"
amount = { HKD = 5000 }
min_spend = { HKD = 50000 }
names = { en = "HK$50 off HK$500" }
"#;

pub(super) fn hkd(amount: i64) -> Value {
    json!({ "amount": amount, "currency": "HKD" })
}

/// The card fee: 2.5 % of what is left after discounts, rounded half up.
pub(super) fn card_fee(subtotal: i64) -> i64 {
    (subtotal * 250 + 5_000) / 10_000
}

pub(super) fn new_esim(plan: &str, periods: u32, method: &str) -> Value {
    json!({ "kind": "new_esim", "plan_code": plan, "periods": periods, "payment_method": method })
}

pub(super) fn with_coupon(mut body: Value, coupon: &str) -> Value {
    body["coupon"] = json!(coupon);
    body
}

pub(super) fn id_of(order: &Value) -> String {
    order["id"].as_str().expect("an order id").to_owned()
}

pub(super) async fn seed(app: &TestApp) {
    datacard::demo::seed(app).await.expect("demo seed");
}

/// The demo catalog with the test coupons, imported over the demo's.
pub(super) async fn seed_with_test_coupons(app: &TestApp) {
    seed(app).await;
    let file = catalog_file::parse(&format!("{DEMO_CATALOG}\n{TEST_COUPONS}")).expect("catalog");
    let report = catalog_file::import(app, &file, "test")
        .await
        .expect("import");
    assert_eq!(report.promotions.created.len(), 7, "{report:?}");
    assert_eq!(report.unchanged.len(), file.plans.len(), "plans untouched");
    let audited = "SELECT COUNT(*) FROM audit_log WHERE action = $1";
    assert_eq!(scalar(app, audited, "promotion.create").await, 3 + 7);
}

pub(super) struct Shopper<'a> {
    pub(super) app: &'a TestApp,
    pub(super) auth: String,
}

impl<'a> Shopper<'a> {
    pub(super) async fn new(app: &'a TestApp, n: u32) -> Shopper<'a> {
        let phone = format!("+8526123{n:04}");
        let token = app
            .register(&phone, &format!("shopper{n}@example.com"), PASSWORD)
            .await;
        Shopper {
            app,
            auth: bearer(&token),
        }
    }

    pub(super) async fn post(&self, path: &str, body: Value, language: &str) -> Reply {
        let headers = [
            ("authorization", self.auth.as_str()),
            ("accept-language", language),
        ];
        self.app.post_json(path, body, &headers).await
    }

    pub(super) async fn quote(&self, body: Value) -> Value {
        let (status, _, quote) = self.post("/api/v1/quotes", body, "en").await;
        assert_eq!(status, StatusCode::OK, "{quote}");
        quote
    }

    pub(super) async fn order(&self, body: Value) -> Value {
        let (status, _, order) = self.post("/api/v1/orders", body, "en").await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        order
    }

    pub(super) async fn get(&self, path: &str) -> Value {
        let (status, _, body) = self
            .app
            .get_json(path, &[("authorization", self.auth.as_str())])
            .await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    pub(super) async fn account_id(&self) -> String {
        self.get("/api/v1/me").await["id"]
            .as_str()
            .expect("an account id")
            .to_owned()
    }

    pub(super) async fn show(&self, order_id: &str) -> Value {
        self.get(&format!("/api/v1/orders/{order_id}")).await
    }
}

pub(super) async fn scalar(app: &TestApp, sql: &str, arg: &str) -> i64 {
    sqlx::query(sql)
        .bind(arg.to_owned())
        .fetch_one(app.db.reader())
        .await
        .and_then(|row| row.try_get::<i64, _>(0))
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

pub(super) async fn redeemed(app: &TestApp, coupon: &str) -> i64 {
    scalar(app, "SELECT redeemed FROM coupons WHERE code = $1", coupon).await
}

pub(super) async fn periods_of(app: &TestApp, order_id: &str) -> i64 {
    let sql = "SELECT COUNT(*) FROM line_periods WHERE order_id = $1";
    scalar(app, sql, order_id).await
}

pub(super) fn offers(plans: &Value, plan: &str) -> Vec<String> {
    plans
        .as_array()
        .and_then(|plans| plans.iter().find(|p| p["code"] == plan))
        .and_then(|p| p["promotions"].as_array())
        .unwrap_or_else(|| panic!("no plan {plan} in {plans}"))
        .iter()
        .map(|offer| offer["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The answers of requests sent at once, in the order they were sent.
pub(super) async fn futures_join(
    tasks: Vec<tokio::task::JoinHandle<(StatusCode, axum::http::HeaderMap, axum::body::Bytes)>>,
) -> Vec<(StatusCode, Value)> {
    let mut answers = Vec::new();
    for task in tasks {
        let (status, _, bytes) = task.await.expect("the request task");
        answers.push((status, json_of(&bytes)));
    }
    answers
}
