//! The operator's back office over the API, in demo mode: a plan created with an
//! operator key goes on sale; a price change makes a new version while an order
//! priced before keeps its own and a stale quote is re-priced; a retired plan sells
//! no more while the lines on it keep their period; a coupon made through the API is
//! used at checkout; the audit log names the key behind every change. And every
//! endpoint refuses what it should — no key, a wrong, revoked or network key, a
//! subscriber's token, bad JSON, impossible values — each with a clear error and
//! nothing changed. Every story runs on SQLite and PostgreSQL and ends with the
//! ledger check.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Duration;
use serde_json::{Value, json};
use sqlx::Row;

use datacard::api_keys::{self, NETWORK, OPERATOR};
use datacard::demo::{DEMO_NETWORK_KEY, DEMO_PASSWORD, DEMO_PHONE, demo_iccid};

use crate::support::*;

const PASSWORD: &str = "harbour lights 88";
/// A plan the demo catalog does not have.
const NEW_PLAN: &str = "HK-3D-3G";
/// A demo plan with no offer on it: list prices stay round.
const WEEK: &str = "HK-7D-5G";
const WEEK_PRICE: i64 = 4_800;
/// The demo subscriber's line is on this plan.
const DEMO_PLAN: &str = "HK-30D-20G";

fn new_plan_entry(price: i64) -> Value {
    json!({
        "code": NEW_PLAN, "zone": "hk", "period": { "unit": "day", "count": 3 },
        "data": "3 GB", "prices": { "HKD": price },
        "names": { "en": "Hong Kong 3 Days 3 GB", "zh-HK": "香港 3 日 3GB" },
    })
}

fn week_entry(price: i64) -> Value {
    json!({
        "code": WEEK, "zone": "hk", "period": { "unit": "day", "count": 7 },
        "data": "5 GB", "prices": { "HKD": price },
        "names": { "en": "Hong Kong 7 Days 5 GB", "zh-HK": "香港 7 日 5GB" },
    })
}

fn card_order(plan: &str) -> Value {
    json!({ "kind": "new_esim", "plan_code": plan, "periods": 1, "payment_method": "card" })
}

/// Seeds the demo and makes an operator key called `name`.
async fn operator(app: &TestApp, name: &str) -> String {
    datacard::demo::seed(app).await.expect("demo seed");
    api_keys::create(app, &OPERATOR, name)
        .await
        .expect("an operator key")
}

async fn admin(app: &TestApp, key: &str, method: Method, path: &str, body: Option<Value>) -> Reply {
    let auth = bearer(key);
    app.request(method, path, body, &[("authorization", auth.as_str())])
        .await
}

async fn admin_ok(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let (status, _, answer) = admin(app, key, method.clone(), path, body).await;
    assert!(status.is_success(), "{method} {path}: {status} {answer}");
    answer
}

async fn put(app: &TestApp, key: &str, path: &str, body: Value) -> Reply {
    admin(app, key, Method::PUT, path, Some(body)).await
}

/// Every table an admin write touches, row by row where a row can change in place:
/// equal before and after means nothing changed.
async fn catalog_rows(app: &TestApp) -> Vec<String> {
    let mut state = Vec::new();
    for table in ["plan_versions", "plan_prices", "audit_log"] {
        state.push(format!("{table}: {}", app.count_rows(table).await));
    }
    for sql in [
        "SELECT code, zone, sort_order, retired_at FROM plans ORDER BY code",
        "SELECT code, digest, retired_at FROM promotions ORDER BY code",
        "SELECT code, total_limit, per_account_limit, redeemed FROM coupons ORDER BY code",
    ] {
        let rows = sqlx::query(sql)
            .fetch_all(app.db.reader())
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"));
        for row in rows {
            let fields: Vec<String> = (0..4)
                .map(|i| {
                    row.try_get::<Option<String>, _>(i)
                        .map(|v| v.unwrap_or_default())
                        .or_else(|_| row.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}")))
                        .unwrap_or_default()
                })
                .collect();
            state.push(fields.join(" "));
        }
    }
    state
}

/// Audit entries by `actor`, newest first, as `action subject`.
async fn audited_by(app: &TestApp, key: &str, actor: &str) -> Vec<String> {
    let page = admin_ok(app, key, Method::GET, "/api/v1/admin/audit?limit=200", None).await;
    page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["actor"] == actor)
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap_or(""),
                e["subject"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// The plan as subscribers see it in `GET /api/v1/plans`, if on sale.
async fn on_sale(app: &TestApp, code: &str) -> Option<Value> {
    let (status, _, plans) = app.get_json("/api/v1/plans", &[]).await;
    assert_eq!(status, StatusCode::OK, "{plans}");
    plans
        .as_array()?
        .iter()
        .find(|p| p["code"] == code)
        .cloned()
}

story!(a_plan_created_through_the_api_goes_on_sale, |app| {
    let key = operator(&app, "alice").await;
    assert!(key.starts_with("dco_"), "{key}");
    assert!(on_sale(&app, NEW_PLAN).await.is_none());

    let path = format!("/api/v1/admin/plans/{NEW_PLAN}");
    let (status, _, created) = put(&app, &key, &path, new_plan_entry(2_800)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["outcome"], "created");
    assert_eq!(created["new_version"], 1);
    assert_eq!(created["plan"]["version_in_force"], 1);
    assert_eq!(
        created["plan"]["versions"][0]["data_allowance"],
        3_u64 << 30
    );

    let plan = on_sale(&app, NEW_PLAN)
        .await
        .expect("the new plan is on sale");
    assert_eq!(plan["price"], json!({ "amount": 2_800, "currency": "HKD" }));
    assert_eq!(plan["names"]["en"], "Hong Kong 3 Days 3 GB");
    let listed = admin_ok(&app, &key, Method::GET, "/api/v1/admin/plans", None).await;
    let codes: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert_eq!(
        codes.last(),
        Some(&NEW_PLAN),
        "a new plan goes last: {codes:?}"
    );

    // The same entry again, and the listing's own entry sent back: nothing changes.
    let before = catalog_rows(&app).await;
    let (status, _, again) = put(&app, &key, &path, new_plan_entry(2_800)).await;
    assert_eq!(
        (status, again["outcome"].clone()),
        (StatusCode::OK, json!("unchanged")),
        "{again}"
    );
    for plan in listed.as_array().unwrap() {
        let code = plan["code"].as_str().unwrap();
        let (status, _, answer) = put(
            &app,
            &key,
            &format!("/api/v1/admin/plans/{code}"),
            plan["entry"].clone(),
        )
        .await;
        assert_eq!(
            (status, answer["outcome"].clone()),
            (StatusCode::OK, json!("unchanged")),
            "{code}: {answer}"
        );
    }
    assert_eq!(catalog_rows(&app).await, before);
    assert_eq!(
        audited_by(&app, &key, "alice").await,
        [format!("plan.version {NEW_PLAN}")]
    );
});

story!(
    a_price_change_is_a_new_version_and_orders_keep_theirs,
    |app| {
        let key = operator(&app, "bob").await;
        let shopper = app
            .register("+85261230001", "shopper1@example.com", PASSWORD)
            .await;
        let auth = bearer(&shopper);
        let headers = [("authorization", auth.as_str())];

        let (status, _, old_quote) = app
            .post_json("/api/v1/quotes", card_order(WEEK), &headers)
            .await;
        assert_eq!(status, StatusCode::OK, "{old_quote}");
        assert_eq!(old_quote["breakdown"]["list_price"]["amount"], WEEK_PRICE);
        let (status, _, early) = app
            .post_json("/api/v1/orders", card_order(WEEK), &headers)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{early}");

        app.advance_secs(60);
        let path = format!("/api/v1/admin/plans/{WEEK}");
        let (status, _, changed) = put(&app, &key, &path, week_entry(5_800)).await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!(
            (changed["outcome"].clone(), changed["new_version"].clone()),
            (json!("changed"), json!(2))
        );
        let versions = changed["plan"]["versions"].as_array().unwrap().clone();
        assert_eq!(versions.len(), 2);
        assert_eq!(on_sale(&app, WEEK).await.unwrap()["price"]["amount"], 5_800);

        // The quote from before the change is re-priced: confirming it is refused, and
        // nothing is ordered.
        let mut stale = card_order(WEEK);
        stale["expected_total"] = old_quote["breakdown"]["total"].clone();
        let orders = app.count_rows("orders").await;
        let refused = app.post_json("/api/v1/orders", stale, &headers).await;
        assert_error(&refused, StatusCode::CONFLICT, "price_changed");
        assert_eq!(app.count_rows("orders").await, orders);
        let (_, _, new_quote) = app
            .post_json("/api/v1/quotes", card_order(WEEK), &headers)
            .await;
        assert_eq!(new_quote["breakdown"]["list_price"]["amount"], 5_800);

        // The order priced before is paid after the change: its price and version hold.
        app.pay_at_sandbox(&early).await;
        let (_, _, paid) = app
            .get_json(
                &format!("/api/v1/orders/{}", early["id"].as_str().unwrap()),
                &headers,
            )
            .await;
        assert_eq!(paid["state"], "fulfilled", "{paid}");
        assert_eq!(paid["breakdown"]["list_price"]["amount"], WEEK_PRICE);
        let period_version =
            sqlx::query("SELECT plan_version_id FROM line_periods WHERE order_id = $1")
                .bind(early["id"].as_str().unwrap())
                .fetch_one(app.db.reader())
                .await
                .and_then(|row| row.try_get::<String, _>(0))
                .expect("the order's period");
        assert_eq!(json!(period_version), versions[0]["id"]);

        // A change with a future effective_from is scheduled: the price in force holds
        // until then.
        let from = app.now() + Duration::days(2);
        let mut scheduled = week_entry(6_800);
        scheduled["effective_from"] = json!(from.to_rfc3339());
        let (_, _, answer) = put(&app, &key, &path, scheduled.clone()).await;
        assert_eq!(answer["new_version"], 3, "{answer}");
        assert_eq!(answer["plan"]["version_in_force"], 2);
        assert_eq!(on_sale(&app, WEEK).await.unwrap()["price"]["amount"], 5_800);
        let (_, _, again) = put(&app, &key, &path, scheduled).await;
        assert_eq!(again["outcome"], "unchanged", "{again}");
        app.advance(Duration::days(2));
        assert_eq!(on_sale(&app, WEEK).await.unwrap()["price"]["amount"], 6_800);

        let audited = audited_by(&app, &key, "bob").await;
        assert_eq!(
            audited,
            [
                format!("plan.version {WEEK}"),
                format!("plan.version {WEEK}")
            ]
        );
        let subject = admin_ok(
            &app,
            &key,
            Method::GET,
            &format!("/api/v1/admin/audit?subject={WEEK}"),
            None,
        )
        .await;
        let details: Vec<&str> = subject["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["detail"].as_str())
            .collect();
        assert!(
            details[0].starts_with("version 3, on sale from"),
            "{details:?}"
        );
        assert_eq!(details[1..], ["version 2", "version 1"]);
    }
);

story!(
    a_retired_plan_sells_no_more_and_its_lines_keep_their_period,
    |app| {
        let key = operator(&app, "carol").await;
        let token = app.log_in(DEMO_PHONE, DEMO_PASSWORD).await;
        let auth = bearer(&token);
        let headers = [("authorization", auth.as_str())];
        let (_, _, me_before) = app.me(&token).await;
        assert_eq!(
            me_before["lines"][0]["current_period"]["plan_code"],
            DEMO_PLAN
        );

        let path = format!("/api/v1/admin/plans/{DEMO_PLAN}/retire");
        let retired = admin_ok(&app, &key, Method::POST, &path, None).await;
        assert_eq!(
            (retired["outcome"].clone(), retired["retired"].clone()),
            (json!("changed"), json!(true))
        );
        assert!(retired["plan"]["retired_at"].is_string());
        assert!(on_sale(&app, DEMO_PLAN).await.is_none());
        let renewal = json!({ "kind": "renewal", "iccid": demo_iccid(), "plan_code": DEMO_PLAN,
        "periods": 1, "payment_method": "wallet" });
        let refused = app
            .post_json("/api/v1/orders", renewal.clone(), &headers)
            .await;
        assert_error(&refused, StatusCode::NOT_FOUND, "plan_not_found");
        let (_, _, me_after) = app.me(&token).await;
        assert_eq!(
            me_after["lines"], me_before["lines"],
            "the running period is untouched"
        );

        let before = catalog_rows(&app).await;
        let again = admin_ok(&app, &key, Method::POST, &path, None).await;
        assert_eq!(
            (again["outcome"].clone(), again["retired"].clone()),
            (json!("unchanged"), Value::Null)
        );
        assert_eq!(catalog_rows(&app).await, before);

        // The listing still has it; its entry, with retired false, puts it back on sale.
        let listed = admin_ok(&app, &key, Method::GET, "/api/v1/admin/plans", None).await;
        let plan = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"] == DEMO_PLAN)
            .unwrap()
            .clone();
        assert_eq!(plan["entry"]["retired"], true);
        let mut entry = plan["entry"].clone();
        entry["retired"] = json!(false);
        let (status, _, back) = put(
            &app,
            &key,
            &format!("/api/v1/admin/plans/{DEMO_PLAN}"),
            entry,
        )
        .await;
        assert_eq!(
            (status, back["retired"].clone(), back["new_version"].clone()),
            (StatusCode::OK, json!(false), Value::Null)
        );
        assert!(on_sale(&app, DEMO_PLAN).await.is_some());
        let (status, _, quote) = app.post_json("/api/v1/quotes", renewal, &headers).await;
        assert_eq!(status, StatusCode::OK, "{quote}");
        assert_eq!(
            audited_by(&app, &key, "carol").await,
            [
                format!("plan.reinstate {DEMO_PLAN}"),
                format!("plan.retire {DEMO_PLAN}")
            ]
        );
    }
);

story!(a_coupon_made_through_the_api_is_used_at_checkout, |app| {
    let key = operator(&app, "dora").await;
    let shopper = app
        .register("+85261230002", "shopper2@example.com", PASSWORD)
        .await;
    let auth = bearer(&shopper);
    let headers = [("authorization", auth.as_str())];
    let coupon = json!({ "code": "spring15", "percent": 15, "total_limit": 2, "per_account_limit": 1,
        "plans": [WEEK], "names": { "en": "Spring: 15 % off" } });

    let (status, _, created) =
        put(&app, &key, "/api/v1/admin/coupons/SPRING15", coupon.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["promotion"]["kind"], "coupon");
    assert_eq!(created["promotion"]["uses_left"], 2);

    let mut body = card_order(WEEK);
    body["coupon"] = json!("spring15");
    let (status, _, order) = app
        .post_json("/api/v1/orders", body.clone(), &headers)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let discounts = &order["breakdown"]["discounts"];
    assert_eq!(discounts[0]["promotion"], "SPRING15", "{order}");
    assert_eq!(discounts[0]["amount"]["amount"], WEEK_PRICE * 15 / 100);
    app.pay_at_sandbox(&order).await;

    let coupons = admin_ok(&app, &key, Method::GET, "/api/v1/admin/coupons", None).await;
    let listed = coupons
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "SPRING15")
        .unwrap()
        .clone();
    assert_eq!(
        (listed["redemptions"].clone(), listed["uses_left"].clone()),
        (json!(1), json!(1))
    );
    let welcome = coupons
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "WELCOME10")
        .unwrap();
    assert_eq!(welcome["entry"]["public"], true);

    // A change keeps the count; a retired coupon is refused at checkout.
    let mut richer = coupon.clone();
    richer["percent"] = json!(20);
    let (status, _, changed) = put(&app, &key, "/api/v1/admin/coupons/SPRING15", richer).await;
    assert_eq!(
        (status, changed["outcome"].clone()),
        (StatusCode::OK, json!("changed")),
        "{changed}"
    );
    assert_eq!(changed["promotion"]["redemptions"], 1);
    let retired = admin_ok(
        &app,
        &key,
        Method::POST,
        "/api/v1/admin/coupons/SPRING15/retire",
        None,
    )
    .await;
    assert_eq!(retired["retired"], true);
    let other = app
        .register("+85261230003", "shopper3@example.com", PASSWORD)
        .await;
    let other_auth = bearer(&other);
    let refused = app
        .post_json(
            "/api/v1/quotes",
            body,
            &[("authorization", other_auth.as_str())],
        )
        .await;
    assert_error(&refused, StatusCode::BAD_REQUEST, "coupon_not_found");

    // A promotion through the API shows on the plan it is for.
    let promotion = json!({ "code": "WEEK-2-GET-1", "kind": "free_periods", "buy": 2, "free": 1,
        "plans": [WEEK], "names": { "en": "Buy 2 weeks, get 1 free" } });
    let (status, _, made) = put(
        &app,
        &key,
        "/api/v1/admin/promotions/WEEK-2-GET-1",
        promotion,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let offers = on_sale(&app, WEEK).await.unwrap()["promotions"].clone();
    assert!(
        offers
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["code"] == "WEEK-2-GET-1"),
        "{offers}"
    );
    let listed = admin_ok(&app, &key, Method::GET, "/api/v1/admin/promotions", None).await;
    for offer in listed.as_array().unwrap() {
        let code = offer["code"].as_str().unwrap();
        let (status, _, answer) = put(
            &app,
            &key,
            &format!("/api/v1/admin/promotions/{code}"),
            offer["entry"].clone(),
        )
        .await;
        assert_eq!(
            (status, answer["outcome"].clone()),
            (StatusCode::OK, json!("unchanged")),
            "{code}: {answer}"
        );
    }

    let subject = admin_ok(
        &app,
        &key,
        Method::GET,
        "/api/v1/admin/audit?subject=SPRING15",
        None,
    )
    .await;
    let actions: Vec<(&str, &str)> = subject["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("promotion.retire", "dora"),
            ("promotion.update", "dora"),
            ("promotion.create", "dora")
        ]
    );
});

story!(the_audit_log_pages_newest_first, |app| {
    let key = operator(&app, "erin").await;
    for price in [2_800, 2_900, 3_000] {
        put(
            &app,
            &key,
            &format!("/api/v1/admin/plans/{NEW_PLAN}"),
            new_plan_entry(price),
        )
        .await;
    }
    let total = app.count_rows("audit_log").await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/admin/audit?limit=2".to_owned();
    loop {
        let page = admin_ok(&app, &key, Method::GET, &path, None).await;
        let entries = page["entries"].as_array().unwrap();
        assert!(entries.len() <= 2);
        seen.extend(entries.iter().map(|e| e["seq"].as_i64().unwrap()));
        match page["next_before"].as_str() {
            Some(before) => path = format!("/api/v1/admin/audit?limit=2&before={before}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        (1..=total).rev().collect::<Vec<_>>(),
        "newest (highest number) first, every entry once"
    );
    assert_eq!(
        audited_by(&app, &key, "erin").await,
        [
            format!("plan.version {NEW_PLAN}"),
            format!("plan.version {NEW_PLAN}"),
            format!("plan.version {NEW_PLAN}")
        ]
    );
    for bad in ["?limit=0", "?limit=201", "?limit=many", "?page=2"] {
        let reply = admin(
            &app,
            &key,
            Method::GET,
            &format!("/api/v1/admin/audit{bad}"),
            None,
        )
        .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_query");
    }
});

mod refusals;

story!(the_demo_has_a_well_known_operator_key, |app| {
    datacard::demo::seed(&app).await.expect("demo seed");
    datacard::demo::seed(&app)
        .await
        .expect("seeding again changes nothing");
    let key = datacard::demo::DEMO_OPERATOR_KEY;
    let path = format!("/api/v1/admin/plans/{NEW_PLAN}");
    let (status, _, created) = put(&app, key, &path, new_plan_entry(2_800)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        audited_by(&app, key, "demo-operator").await,
        [format!("plan.version {NEW_PLAN}")]
    );
    // Revoked, it opens nothing (an operator who keeps demo data can do so).
    assert!(
        api_keys::revoke(&app, &OPERATOR, "demo-operator")
            .await
            .expect("revoke")
    );
    let (status, _, _) = admin(&app, key, Method::GET, "/api/v1/admin/plans", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
});
