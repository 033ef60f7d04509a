//! Promotions as subscribers meet them, in demo mode: the first-month discount a new
//! subscriber sees and gets, buy 3 get 1 adding four periods to the line, a coupon
//! with a limit of one that cannot be used twice — not even by orders placed at the
//! same instant — and coupons refused for being unknown, expired, early or for
//! another plan, with nothing changed. Every story runs on SQLite and PostgreSQL and
//! ends with the ledger check.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Duration;
use serde_json::{Value, json};
use sqlx::Row;

use datacard::catalog::{self, DEMO_CATALOG};
use datacard::demo::sandbox::bank;
use datacard::orders::reconcile;
use datacard::orders::{self, Order, OrderKind, OrderRequest, OrderState};

use crate::support::*;

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

const PASSWORD: &str = "harbour lights 88";
/// The first month −30 % is on this plan, for a first order of it.
const UNLIMITED: &str = "HK-30D-UNL";
const UNLIMITED_PRICE: i64 = 16_800;
/// Buy 3 get 1 free is on the monthly plans, this one among them.
const MONTHLY: &str = "HK-1M-25G";
const MONTHLY_PRICE: i64 = 9_800;
/// No offer on it: the demo line's plan.
const PLAIN: &str = "HK-30D-20G";

/// Coupons for the refusal stories, beside the demo's WELCOME10. The stories start
/// on 25 November 2026.
const TEST_COUPONS: &str = r#"
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

fn hkd(amount: i64) -> Value {
    json!({ "amount": amount, "currency": "HKD" })
}

/// The card fee: 2.5 % of what is left after discounts, rounded half up.
fn card_fee(subtotal: i64) -> i64 {
    (subtotal * 250 + 5_000) / 10_000
}

fn new_esim(plan: &str, periods: u32, method: &str) -> Value {
    json!({ "kind": "new_esim", "plan_code": plan, "periods": periods, "payment_method": method })
}

fn with_coupon(mut body: Value, coupon: &str) -> Value {
    body["coupon"] = json!(coupon);
    body
}

fn id_of(order: &Value) -> String {
    order["id"].as_str().expect("an order id").to_owned()
}

async fn seed(app: &TestApp) {
    datacard::demo::seed(app).await.expect("demo seed");
}

/// The demo catalog with the test coupons, imported over the demo's.
async fn seed_with_test_coupons(app: &TestApp) {
    seed(app).await;
    let file = catalog::parse(&format!("{DEMO_CATALOG}\n{TEST_COUPONS}")).expect("catalog");
    let report = catalog::import(app, &file, "test").await.expect("import");
    assert_eq!(report.promotions.created.len(), 7, "{report:?}");
    assert_eq!(report.unchanged.len(), file.plans.len(), "plans untouched");
    let audited = "SELECT COUNT(*) FROM audit_log WHERE action = $1";
    assert_eq!(scalar(app, audited, "promotion.create").await, 3 + 7);
}

struct Shopper<'a> {
    app: &'a TestApp,
    auth: String,
}

impl<'a> Shopper<'a> {
    async fn new(app: &'a TestApp, n: u32) -> Shopper<'a> {
        let phone = format!("+8526123{n:04}");
        let token = app
            .register(&phone, &format!("shopper{n}@example.com"), PASSWORD)
            .await;
        Shopper {
            app,
            auth: bearer(&token),
        }
    }

    async fn post(&self, path: &str, body: Value, language: &str) -> Reply {
        let headers = [
            ("authorization", self.auth.as_str()),
            ("accept-language", language),
        ];
        self.app.post_json(path, body, &headers).await
    }

    async fn quote(&self, body: Value) -> Value {
        let (status, _, quote) = self.post("/api/v1/quotes", body, "en").await;
        assert_eq!(status, StatusCode::OK, "{quote}");
        quote
    }

    async fn order(&self, body: Value) -> Value {
        let (status, _, order) = self.post("/api/v1/orders", body, "en").await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        order
    }

    async fn get(&self, path: &str) -> Value {
        let (status, _, body) = self
            .app
            .get_json(path, &[("authorization", self.auth.as_str())])
            .await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    async fn account_id(&self) -> String {
        self.get("/api/v1/me").await["id"]
            .as_str()
            .expect("an account id")
            .to_owned()
    }

    async fn show(&self, order_id: &str) -> Value {
        self.get(&format!("/api/v1/orders/{order_id}")).await
    }
}

async fn scalar(app: &TestApp, sql: &str, arg: &str) -> i64 {
    sqlx::query(sql)
        .bind(arg.to_owned())
        .fetch_one(app.db.reader())
        .await
        .and_then(|row| row.try_get::<i64, _>(0))
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

async fn redeemed(app: &TestApp, coupon: &str) -> i64 {
    scalar(app, "SELECT redeemed FROM coupons WHERE code = $1", coupon).await
}

async fn periods_of(app: &TestApp, order_id: &str) -> i64 {
    let sql = "SELECT COUNT(*) FROM line_periods WHERE order_id = $1";
    scalar(app, sql, order_id).await
}

fn offers(plans: &Value, plan: &str) -> Vec<String> {
    plans
        .as_array()
        .and_then(|plans| plans.iter().find(|p| p["code"] == plan))
        .and_then(|p| p["promotions"].as_array())
        .unwrap_or_else(|| panic!("no plan {plan} in {plans}"))
        .iter()
        .map(|offer| offer["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

// ----- the first-month discount ----------------------------------------------------------

story!(
    a_new_subscriber_sees_and_gets_the_first_month_discount,
    |app| {
        seed(&app).await;
        let (_, _, anonymous) = app.get_json("/api/v1/plans?lang=en", &[]).await;
        assert_eq!(
            offers(&anonymous, UNLIMITED),
            ["FIRST-MONTH-30", "BUY3GET1", "WELCOME10"]
        );
        assert_eq!(offers(&anonymous, PLAIN), ["WELCOME10"]);
        let (_, _, page) = app.get_json("/plans?lang=en", &[]).await;
        let page = page.as_str().expect("the plans page");
        assert!(
            page.contains("First month −30 %"),
            "the plans page shows the offer"
        );

        let chan = Shopper::new(&app, 1).await;
        let plans = chan.get("/api/v1/plans?lang=en").await;
        let first = &plans
            .as_array()
            .and_then(|plans| plans.iter().find(|p| p["code"] == UNLIMITED))
            .expect("the unlimited plan")["promotions"][0];
        assert_eq!(first["name"], "First month −30 %", "{first}");
        assert_eq!(first["kind"], "first_period");
        assert_eq!(
            first["condition"],
            "30 % off the first period of your first order of this plan"
        );

        let discount = UNLIMITED_PRICE * 30 / 100;
        let subtotal = UNLIMITED_PRICE - discount;
        let quote = chan.quote(new_esim(UNLIMITED, 1, "card")).await;
        assert_eq!(
            quote["breakdown"],
            json!({ "list_price": hkd(UNLIMITED_PRICE),
                "discounts": [{ "promotion": "FIRST-MONTH-30", "name": "First month −30 %",
                                "reason": "30 % off the first period: your first order of this plan",
                                "amount": hkd(discount), "free_periods": 0 }],
                "fee": hkd(card_fee(subtotal)), "total": hkd(subtotal + card_fee(subtotal)) }),
            "{quote}"
        );
        // Why, in the subscriber's language.
        let (_, _, chinese) = chan
            .post("/api/v1/quotes", new_esim(UNLIMITED, 1, "card"), "zh-HK")
            .await;
        let reason = &chinese["breakdown"]["discounts"][0];
        assert_eq!(reason["name"], "首月七折", "{chinese}");
        assert_eq!(reason["reason"], "首期減 30 %：你首次訂購此計劃");

        let order = chan.order(new_esim(UNLIMITED, 1, "card")).await;
        assert_eq!(order["breakdown"], quote["breakdown"]);
        app.pay_at_sandbox(&order).await;
        let order = chan.show(&id_of(&order)).await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        assert_eq!(
            order["breakdown"]["total"],
            hkd(subtotal + card_fee(subtotal))
        );

        // Once: the offer is gone for Chan, and a second order pays the list price.
        let plans = chan.get("/api/v1/plans").await;
        assert_eq!(offers(&plans, UNLIMITED), ["BUY3GET1", "WELCOME10"]);
        let again = chan.quote(new_esim(UNLIMITED, 1, "card")).await;
        assert_eq!(again["breakdown"]["discounts"], json!([]));
        // …while someone new still sees it.
        let (_, _, anonymous) = app.get_json("/api/v1/plans", &[]).await;
        assert_eq!(offers(&anonymous, UNLIMITED)[0], "FIRST-MONTH-30");
    }
);

concurrent_story!(
    two_first_orders_at_once_get_the_first_month_discount_once,
    |app| {
        seed(&app).await;
        let kwok = Shopper::new(&app, 40).await;
        let attempts = (0..3).map(|_| {
            let request = json_request(
                Method::POST,
                "/api/v1/orders",
                Some(new_esim(UNLIMITED, 1, "card")),
                &[("authorization", kwok.auth.as_str())],
            );
            tokio::spawn(call(app.router.clone(), request))
        });
        let answers = futures_join(attempts.collect()).await;
        let discounted = answers
            .iter()
            .filter(|(status, order)| {
                *status == StatusCode::CREATED
                    && order["breakdown"]["discounts"][0]["promotion"] == "FIRST-MONTH-30"
            })
            .count();
        assert_eq!(discounted, 1, "one first order: {answers:?}");
        for (status, body) in &answers {
            // The others were either priced after the first was written (list price), or
            // priced with it and refused when they tried to claim it.
            match *status {
                StatusCode::CREATED => {}
                _ => assert_eq!(
                    (*status, error_code(body)),
                    (StatusCode::CONFLICT, "offer_already_used")
                ),
            }
        }
        let claims = "SELECT COUNT(*) FROM promotion_redemptions WHERE promotion_code = $1";
        assert_eq!(scalar(&app, claims, "FIRST-MONTH-30").await, 1);
    }
);

story!(
    an_expired_first_order_leaves_the_first_month_discount_to_the_next,
    |app| {
        seed(&app).await;
        let mak = Shopper::new(&app, 41).await;
        let first = mak.order(new_esim(UNLIMITED, 1, "card")).await;
        assert_eq!(
            first["breakdown"]["discounts"][0]["promotion"],
            "FIRST-MONTH-30"
        );
        app.advance(Duration::minutes(31));
        reconcile::run_due(&app, "worker").await.expect("jobs");
        assert_eq!(mak.show(&id_of(&first)).await["state"], "expired");
        // Never paid, so the next order is still the first one that counts.
        let plans = mak.get("/api/v1/plans").await;
        assert_eq!(offers(&plans, UNLIMITED)[0], "FIRST-MONTH-30");
        let second = mak.order(new_esim(UNLIMITED, 1, "card")).await;
        assert_eq!(
            second["breakdown"]["discounts"][0]["promotion"],
            "FIRST-MONTH-30"
        );
        app.pay_at_sandbox(&second).await;
        assert_eq!(mak.show(&id_of(&second)).await["state"], "fulfilled");
    }
);

// ----- buy 3 get 1 -----------------------------------------------------------------------

story!(
    a_buy_three_get_one_order_adds_four_periods_to_the_line,
    |app| {
        seed(&app).await;
        let lee = Shopper::new(&app, 2).await;
        // What the client says about prices is not read: the server prices.
        let mut body = new_esim(MONTHLY, 3, "card");
        body["price"] = hkd(1);
        body["total"] = hkd(1);
        body["discounts"] = json!([{ "promotion": "FREE", "amount": hkd(29_400) }]);
        let order = lee.order(body).await;
        let paid = 3 * MONTHLY_PRICE;
        assert_eq!(order["periods"], 4, "{order}");
        assert_eq!(
            order["breakdown"],
            json!({ "list_price": hkd(4 * MONTHLY_PRICE),
                "discounts": [{ "promotion": "BUY3GET1", "name": "Buy 3 months, get 1 free",
                                "reason": "Buy 3, get 1 free: 1 more period(s) at no charge",
                                "amount": hkd(MONTHLY_PRICE), "free_periods": 1 }],
                "fee": hkd(card_fee(paid)), "total": hkd(paid + card_fee(paid)) })
        );
        assert_eq!(order["payment"]["state"], "pending");

        app.pay_at_sandbox(&order).await;
        let order = lee.show(&id_of(&order)).await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        assert_eq!(periods_of(&app, &id_of(&order)).await, 4);
        let me = lee.get("/api/v1/me").await;
        let line = &me["lines"][0];
        assert_eq!(
            line["queued_periods"].as_array().map(Vec::len),
            Some(3),
            "{me}"
        );
        assert_eq!(line["current_period"]["plan_code"], MONTHLY);

        // Two periods earn nothing; seven earn two.
        let two = lee.quote(new_esim(MONTHLY, 2, "card")).await;
        assert_eq!(
            (
                two["periods"].clone(),
                two["breakdown"]["discounts"].clone()
            ),
            (json!(2), json!([]))
        );
        let seven = lee.quote(new_esim(MONTHLY, 7, "card")).await;
        assert_eq!(seven["periods"], 9);
        assert_eq!(seven["breakdown"]["discounts"][0]["free_periods"], 2);
    }
);

// ----- a coupon with a limit of one --------------------------------------------------------

story!(a_coupon_with_a_limit_of_one_cannot_be_used_twice, |app| {
    seed(&app).await;
    let wong = Shopper::new(&app, 3).await;
    let order = wong
        .order(with_coupon(new_esim(PLAIN, 1, "card"), "welcome10"))
        .await;
    let discount = 880;
    assert_eq!(
        order["breakdown"]["discounts"],
        json!([{ "promotion": "WELCOME10", "name": "Welcome: 10 % off",
                 "reason": "Coupon WELCOME10: 10 % off", "amount": hkd(discount), "free_periods": 0 }])
    );
    assert_eq!(redeemed(&app, "WELCOME10").await, 1);
    // Not shown any more to Wong, who has used it.
    let plans = wong.get("/api/v1/plans").await;
    assert!(offers(&plans, PLAIN).is_empty());

    let orders = app.count_rows("orders").await;
    let again = wong
        .post(
            "/api/v1/orders",
            with_coupon(new_esim(MONTHLY, 1, "card"), "WELCOME10"),
            "en",
        )
        .await;
    assert_error(&again, StatusCode::CONFLICT, "coupon_already_used");
    assert_eq!(app.count_rows("orders").await, orders, "nothing changed");
    assert_eq!(redeemed(&app, "WELCOME10").await, 1);

    // An order left unpaid gives its use back when it expires.
    app.advance(Duration::minutes(31));
    reconcile::run_due(&app, "worker").await.expect("jobs");
    assert_eq!(wong.show(&id_of(&order)).await["state"], "expired");
    let quote = wong
        .quote(with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10"))
        .await;
    assert_eq!(quote["breakdown"]["discounts"][0]["amount"], hkd(discount));
    let order = wong
        .order(with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10"))
        .await;
    assert_eq!(
        redeemed(&app, "WELCOME10").await,
        1,
        "released, then taken again"
    );
    app.pay_at_sandbox(&order).await;
    assert_eq!(wong.show(&id_of(&order)).await["state"], "fulfilled");
    let again = wong
        .post(
            "/api/v1/quotes",
            with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10"),
            "en",
        )
        .await;
    assert_error(&again, StatusCode::CONFLICT, "coupon_already_used");
});

concurrent_story!(
    a_coupon_with_a_limit_of_one_is_not_used_twice_even_at_once,
    |app| {
        seed_with_test_coupons(&app).await;
        // Six subscribers, one ONLYONE coupon between them, all at the same instant.
        let mut shoppers = Vec::new();
        for n in 0..6 {
            shoppers.push(Shopper::new(&app, 10 + n).await.auth);
        }
        let attempts = shoppers.iter().map(|auth| {
            let request = json_request(
                Method::POST,
                "/api/v1/orders",
                Some(with_coupon(new_esim(PLAIN, 1, "card"), "ONLYONE")),
                &[("authorization", auth)],
            );
            tokio::spawn(call(app.router.clone(), request))
        });
        let answers = futures_join(attempts.collect()).await;
        let won: Vec<_> = answers
            .iter()
            .filter(|(status, _)| *status == StatusCode::CREATED)
            .collect();
        assert_eq!(
            won.len(),
            1,
            "exactly one order gets the coupon: {answers:?}"
        );
        for (status, body) in &answers {
            if *status != StatusCode::CREATED {
                assert_eq!(
                    (*status, error_code(body)),
                    (StatusCode::CONFLICT, "coupon_exhausted")
                );
            }
        }
        assert_eq!(redeemed(&app, "ONLYONE").await, 1);
        let held = "SELECT COUNT(*) FROM promotion_redemptions WHERE coupon_code = $1";
        assert_eq!(scalar(&app, held, "ONLYONE").await, 1);
        assert_eq!(app.count_rows("orders").await, 1);

        // One subscriber, WELCOME10 (one per account) in four orders at once.
        let auth = &shoppers[0];
        let attempts = (0..4).map(|_| {
            let request = json_request(
                Method::POST,
                "/api/v1/orders",
                Some(with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10")),
                &[("authorization", auth)],
            );
            tokio::spawn(call(app.router.clone(), request))
        });
        let answers = futures_join(attempts.collect()).await;
        let won = answers
            .iter()
            .filter(|(status, _)| *status == StatusCode::CREATED)
            .count();
        assert_eq!(won, 1, "one use per account: {answers:?}");
        for (status, body) in &answers {
            if *status != StatusCode::CREATED {
                assert_eq!(
                    (*status, error_code(body)),
                    (StatusCode::CONFLICT, "coupon_already_used")
                );
            }
        }
        assert_eq!(redeemed(&app, "WELCOME10").await, 1);
    }
);

async fn futures_join(
    tasks: Vec<tokio::task::JoinHandle<(StatusCode, axum::http::HeaderMap, axum::body::Bytes)>>,
) -> Vec<(StatusCode, Value)> {
    let mut answers = Vec::new();
    for task in tasks {
        let (status, _, bytes) = task.await.expect("the request task");
        answers.push((status, json_of(&bytes)));
    }
    answers
}

/// Builds the order `create` would, priced by the real quote.
async fn priced_order(
    app: &TestApp,
    account_id: &str,
    coupon: &str,
) -> (Order, Vec<datacard::promotions::Applied>) {
    let request = OrderRequest {
        kind: OrderKind::NewEsim,
        iccid: None,
        plan_code: Some(PLAIN.into()),
        periods: 1,
        payment_method: datacard::payments::Method::Card,
        amount: None,
        coupon: Some(coupon.into()),
    };
    let quote = orders::quote(app, account_id, &request)
        .await
        .expect("a quote");
    let now = app.now();
    let order = Order {
        id: datacard::ids::new_id("ord", now),
        account_id: account_id.to_owned(),
        kind: OrderKind::NewEsim,
        iccid: None,
        plan_code: Some(PLAIN.into()),
        plan_version_id: quote.plan.as_ref().map(|p| p.version_id.clone()),
        breakdown: quote.breakdown.clone(),
        method: datacard::payments::Method::Card,
        state: OrderState::PendingPayment,
        attention: None,
        created_at: now,
        expires_at: now + Duration::minutes(30),
        paid_at: None,
        fulfilled_at: None,
        payment: None,
        activation_code: None,
        plan_names: BTreeMap::new(),
    };
    (order, quote.applied)
}

concurrent_story!(
    the_limit_holds_when_both_orders_passed_their_quotes,
    |app| {
        seed_with_test_coupons(&app).await;
        let first = Shopper::new(&app, 20).await.account_id().await;
        let second = Shopper::new(&app, 21).await.account_id().await;
        // Both are quoted the coupon before either order is written…
        let (order_a, applied_a) = priced_order(&app, &first, "ONLYONE").await;
        let (order_b, applied_b) = priced_order(&app, &second, "ONLYONE").await;
        assert_eq!(applied_a.len(), 1);
        assert_eq!(applied_b.len(), 1);

        // …then the first reserves it and, before it commits, the second tries.
        let backend = app.db.backend();
        let mut tx = app.db.begin().await.expect("begin");
        orders::store::insert(&mut tx, &order_a, None)
            .await
            .expect("insert");
        datacard::promotions::redemption::redeem(&mut tx, backend, &order_a, &applied_a, app.now())
            .await
            .expect("the first order takes the coupon");
        let db = app.db.clone();
        let now = app.now();
        let second_try = tokio::spawn(async move {
            let mut tx = db.begin().await.expect("begin");
            orders::store::insert(&mut tx, &order_b, None)
                .await
                .expect("insert");
            let taken = datacard::promotions::redemption::redeem(
                &mut tx, backend, &order_b, &applied_b, now,
            )
            .await;
            match taken {
                Ok(()) => tx.commit().await.map(|_| "taken").expect("commit"),
                Err(error) => error.code.as_str(),
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(
            !second_try.is_finished(),
            "the second order waits for the first"
        );
        tx.commit().await.expect("commit");
        assert_eq!(
            second_try.await.expect("the second order"),
            "coupon_exhausted"
        );
        assert_eq!(redeemed(&app, "ONLYONE").await, 1);
        assert_eq!(
            app.count_rows("orders").await,
            1,
            "the refused order rolled back"
        );
    }
);

story!(
    money_for_a_lapsed_order_takes_its_coupon_back_and_flags_the_overrun,
    |app| {
        seed_with_test_coupons(&app).await;
        let late = Shopper::new(&app, 30).await;
        let order = late
            .order(with_coupon(new_esim(PLAIN, 1, "card"), "ONLYONE"))
            .await;
        app.advance(Duration::minutes(31));
        reconcile::run_due(&app, "worker").await.expect("jobs");
        assert_eq!(late.show(&id_of(&order)).await["state"], "expired");

        // The lapsed order's use is free again: someone else takes it.
        let prompt = Shopper::new(&app, 31).await;
        prompt
            .order(with_coupon(new_esim(PLAIN, 1, "card"), "ONLYONE"))
            .await;
        assert_eq!(redeemed(&app, "ONLYONE").await, 1);

        // Then the first payer's money arrives after all (it crossed our close).
        let payment = order["payment"]["id"]
            .as_str()
            .expect("a payment")
            .to_owned();
        sqlx::query("UPDATE sandbox_payments SET status = 'succeeded' WHERE merchant_ref = $1")
            .bind(payment.clone())
            .execute(app.db.reader())
            .await
            .expect("the provider's books");
        let body = json!({
        "id": "evt_late", "type": "payment.succeeded", "created": app.now().timestamp(),
        "data": { "id": format!("sbx_for_{payment}"), "merchant_ref": payment, "status": "succeeded",
                  "amount": order["breakdown"]["total"]["amount"], "currency": "HKD" },
    })
    .to_string();
        let secret = datacard::demo::sandbox::webhook_secret(&app);
        let signature = bank::sign(&secret, app.now().timestamp(), &body);
        let request = Request::post("/api/v1/webhooks/sandbox")
            .header(header::CONTENT_TYPE, "application/json")
            .header(bank::SIGNATURE_HEADER, signature)
            .body(Body::from(body))
            .expect("a valid request");
        let (status, _, _) = app.send(request).await;
        assert_eq!(status, StatusCode::OK);

        // Fulfilled at the price it was quoted, the use counted again, the operator told.
        let shown = late.show(&id_of(&order)).await;
        assert_eq!(shown["state"], "fulfilled", "{shown}");
        assert_eq!(shown["breakdown"]["total"], order["breakdown"]["total"]);
        assert_eq!(redeemed(&app, "ONLYONE").await, 2);
        let attention = sqlx::query("SELECT attention FROM orders WHERE id = $1")
            .bind(id_of(&order))
            .fetch_one(app.db.reader())
            .await
            .and_then(|row| row.try_get::<Option<String>, _>("attention"))
            .expect("attention")
            .unwrap_or_default();
        assert!(attention.contains("promotion_over_limit"), "{attention}");
    }
);

story!(
    an_order_a_coupon_makes_free_is_fulfilled_without_a_payment,
    |app| {
        seed_with_test_coupons(&app).await;
        let lucky = Shopper::new(&app, 32).await;
        let order = lucky
            .order(with_coupon(new_esim(PLAIN, 1, "alipay"), "on-the-house"))
            .await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        assert_eq!(order["payment"], Value::Null);
        assert_eq!(order["breakdown"]["fee"], hkd(0));
        assert_eq!(order["breakdown"]["total"], hkd(0));
        assert_eq!(periods_of(&app, &id_of(&order)).await, 1);
        assert_eq!(app.count_rows("payments").await, 0);
    }
);

// ----- refused coupons ---------------------------------------------------------------------

story!(
    expired_unknown_and_wrong_plan_coupons_are_refused_and_nothing_changes,
    |app| {
        seed_with_test_coupons(&app).await;
        let ho = Shopper::new(&app, 4).await;
        let tables = [
            "orders",
            "payments",
            "promotion_redemptions",
            "coupon_account_uses",
            "jobs",
        ];
        let mut before = Vec::new();
        for table in tables {
            before.push(app.count_rows(table).await);
        }
        let cases = [
            (
                "NOPE-123",
                new_esim(PLAIN, 1, "card"),
                StatusCode::BAD_REQUEST,
                "coupon_not_found",
            ),
            (
                "SUMMER25",
                new_esim(PLAIN, 1, "card"),
                StatusCode::BAD_REQUEST,
                "coupon_expired",
            ),
            (
                "NEWYEAR",
                new_esim(PLAIN, 1, "card"),
                StatusCode::BAD_REQUEST,
                "coupon_not_yet_valid",
            ),
            (
                "DAYPASS",
                new_esim(PLAIN, 1, "card"),
                StatusCode::BAD_REQUEST,
                "coupon_not_applicable",
            ),
            (
                "CARDONLY",
                new_esim(PLAIN, 1, "alipay"),
                StatusCode::BAD_REQUEST,
                "coupon_not_applicable",
            ),
            (
                "BIGSPEND",
                new_esim(PLAIN, 1, "card"),
                StatusCode::BAD_REQUEST,
                "coupon_minimum_spend",
            ),
            (
                "WELCOME10",
                json!({ "kind": "wallet_topup", "amount": hkd(10_000), "payment_method": "card" }),
                StatusCode::BAD_REQUEST,
                "coupon_not_applicable",
            ),
        ];
        for (coupon, body, status, code) in cases {
            for path in ["/api/v1/quotes", "/api/v1/orders"] {
                let reply = ho.post(path, with_coupon(body.clone(), coupon), "en").await;
                assert_error(&reply, status, code);
            }
        }
        for (table, count) in tables.iter().zip(before) {
            assert_eq!(app.count_rows(table).await, count, "{table} unchanged");
        }
        let taken = "SELECT COUNT(*) FROM coupons WHERE redeemed <> 0 AND code <> $1";
        assert_eq!(scalar(&app, taken, "").await, 0, "no coupon was taken");

        // Right plan, right method, enough spent: the same coupons work.
        let day = ho
            .quote(with_coupon(new_esim("HK-1D-1G", 1, "card"), "daypass"))
            .await;
        assert_eq!(day["breakdown"]["discounts"][0]["amount"], hkd(900));
        let big = ho
            .quote(with_coupon(new_esim(MONTHLY, 6, "card"), "BIGSPEND"))
            .await;
        assert_eq!(
            big["breakdown"]["discounts"][1]["amount"],
            hkd(5000),
            "{big}"
        );
    }
);

story!(guessing_coupon_codes_is_rate_limited, |app| {
    seed(&app).await;
    let yip = Shopper::new(&app, 5).await;
    for n in 0..5 {
        let reply = yip
            .post(
                "/api/v1/quotes",
                with_coupon(new_esim(PLAIN, 1, "card"), &format!("GUESS{n}")),
                "en",
            )
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "coupon_not_found");
    }
    // Locked: even a good code is not looked at.
    let reply = yip
        .post(
            "/api/v1/quotes",
            with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10"),
            "en",
        )
        .await;
    assert_error(
        &reply,
        StatusCode::TOO_MANY_REQUESTS,
        "coupon_attempts_locked",
    );
    assert!(reply.1.contains_key(header::RETRY_AFTER));
    // Orders without a coupon are not held up.
    yip.quote(new_esim(PLAIN, 1, "card")).await;
    // Someone else is not locked out.
    let other = Shopper::new(&app, 6).await;
    other
        .quote(with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10"))
        .await;

    app.advance(Duration::seconds(61));
    yip.quote(with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10"))
        .await;
    // The count goes on: the next miss locks for twice as long.
    let reply = yip
        .post(
            "/api/v1/quotes",
            with_coupon(new_esim(PLAIN, 1, "card"), "GUESS9"),
            "en",
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "coupon_not_found");
    let reply = yip
        .post(
            "/api/v1/quotes",
            with_coupon(new_esim(PLAIN, 1, "card"), "WELCOME10"),
            "en",
        )
        .await;
    assert_error(
        &reply,
        StatusCode::TOO_MANY_REQUESTS,
        "coupon_attempts_locked",
    );
});

// ----- the checkout page -------------------------------------------------------------------

async fn review_page(app: &TestApp, cookie: &str, query: &str) -> (StatusCode, String) {
    let (status, _, body) = app
        .get_json(&format!("/checkout/review?{query}"), &[("cookie", cookie)])
        .await;
    (status, body.as_str().unwrap_or_default().to_owned())
}

story!(checkout_takes_a_coupon_and_says_why_it_is_refused, |app| {
    seed_with_test_coupons(&app).await;
    let chan = Shopper::new(&app, 7).await;
    let token = chan.auth.trim_start_matches("Bearer ").to_owned();
    let cookie = format!("dc_session={token}");
    let page = |query: &'static str| review_page(&app, &cookie, query);
    let (status, review) =
        page("plan=HK-30D-UNL&target=new&method=card&periods=1&coupon=welcome10&lang=en").await;
    assert_eq!(status, StatusCode::OK, "{review}");
    for text in [
        "First month −30 %",
        "30 % off the first period: your first order of this plan",
        "Welcome: 10 % off",
        "Coupon WELCOME10: 10 % off",
        "name=\"coupon\" value=\"WELCOME10\"",
    ] {
        assert!(
            review.contains(text),
            "the review shows {text:?}:\n{review}"
        );
    }
    let (status, refused) =
        page("plan=HK-30D-UNL&target=new&method=card&periods=1&coupon=SUMMER25&lang=en").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        refused.contains("data-code=\"coupon_expired\""),
        "{refused}"
    );
    assert!(refused.contains("This coupon has expired."), "{refused}");
    let (_, chinese) =
        page("plan=HK-30D-UNL&target=new&method=card&periods=1&coupon=ONLYONE&lang=zh-HK").await;
    assert!(chinese.contains("幸運一單"), "{chinese}");
    assert!(chinese.contains("首月七折"), "{chinese}");
});
