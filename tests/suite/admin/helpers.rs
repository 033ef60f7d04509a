//! What the back-office stories share: the plans they sell, an operator key, calls
//! to the admin API, and reading back the catalog, the audit log and what is on sale.

pub(super) use axum::body::Body;
pub(super) use axum::http::{Method, Request, StatusCode, header};
pub(super) use chrono::Duration;
pub(super) use serde_json::{Value, json};
pub(super) use sqlx::Row;

pub(super) use datacard::api_keys::{self, NETWORK, OPERATOR};
pub(super) use datacard::demo::{DEMO_NETWORK_KEY, DEMO_PASSWORD, DEMO_PHONE, demo_iccid};

pub(super) use crate::support::*;

pub(super) const PASSWORD: &str = "harbour lights 88";
/// A plan the demo catalog does not have.
pub(super) const NEW_PLAN: &str = "HK-3D-3G";
/// A demo plan with no offer on it: list prices stay round.
pub(super) const WEEK: &str = "HK-7D-5G";
pub(super) const WEEK_PRICE: i64 = 4_800;
/// The demo subscriber's line is on this plan.
pub(super) const DEMO_PLAN: &str = "HK-30D-20G";

pub(super) fn new_plan_entry(price: i64) -> Value {
    json!({
        "code": NEW_PLAN, "zone": "hk", "period": { "unit": "day", "count": 3 },
        "data": "3 GB", "prices": { "HKD": price },
        "names": { "en": "Hong Kong 3 Days 3 GB", "zh-HK": "香港 3 日 3GB" },
    })
}

pub(super) fn week_entry(price: i64) -> Value {
    json!({
        "code": WEEK, "zone": "hk", "period": { "unit": "day", "count": 7 },
        "data": "5 GB", "prices": { "HKD": price },
        "names": { "en": "Hong Kong 7 Days 5 GB", "zh-HK": "香港 7 日 5GB" },
    })
}

pub(super) fn card_order(plan: &str) -> Value {
    json!({ "kind": "new_esim", "plan_code": plan, "periods": 1, "payment_method": "card" })
}

/// Seeds the demo and makes an operator key called `name`.
pub(super) async fn operator(app: &TestApp, name: &str) -> String {
    datacard::demo::seed(app).await.expect("demo seed");
    api_keys::create(app, &OPERATOR, name)
        .await
        .expect("an operator key")
}

pub(super) async fn admin(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let auth = bearer(key);
    app.request(method, path, body, &[("authorization", auth.as_str())])
        .await
}

pub(super) async fn admin_ok(
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

pub(super) async fn put(app: &TestApp, key: &str, path: &str, body: Value) -> Reply {
    admin(app, key, Method::PUT, path, Some(body)).await
}

/// Every table an admin write touches, row by row where a row can change in place:
/// equal before and after means nothing changed.
pub(super) async fn catalog_rows(app: &TestApp) -> Vec<String> {
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
pub(super) async fn audited_by(app: &TestApp, key: &str, actor: &str) -> Vec<String> {
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
pub(super) async fn on_sale(app: &TestApp, code: &str) -> Option<Value> {
    let (status, _, plans) = app.get_json("/api/v1/plans", &[]).await;
    assert_eq!(status, StatusCode::OK, "{plans}");
    plans
        .as_array()?
        .iter()
        .find(|p| p["code"] == code)
        .cloned()
}
