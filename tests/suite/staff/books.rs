//! The books at a glance: figures of orders made in the story on known days, days
//! counted in Hong Kong time (a payment at 00:30 HKT is the next day's, though UTC
//! still says the day before), the dashboard page, bad ranges and roles refused.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Utc};
use datacard::staff::Role;
use serde_json::{Value, json};

use super::*;

const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852677",
    email: "books",
    iccid: "89852077",
};

pub(super) fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

pub(super) struct Made {
    pub sub: Subscriber,
    /// (order as read back once paid) for: card top-up at 23:30 HKT 25 Nov, card top-up
    /// at 00:30 HKT 26 Nov, wallet renewal on 27 Nov.
    pub late: Value,
    pub after_midnight: Value,
    pub renewal: Value,
}

async fn read_order(app: &TestApp, sub: &Subscriber, order: &Value) -> Value {
    let id = order["id"].as_str().unwrap();
    let (_, _, read) = app
        .get_json(
            &format!("/api/v1/orders/{id}"),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(read["state"], "fulfilled", "{read}");
    read
}

/// Two card top-ups and a wallet renewal on known days, around Hong Kong's midnight.
pub(super) async fn orders_on_known_days(app: &TestApp) -> Made {
    let sub = app
        .subscriber_with_line(&SUBSCRIBERS, 1, "HK-30D-20G", app.now(), Used::Nothing)
        .await;
    app.clock.set(at("2026-11-25T23:30:00+08:00"));
    let order = app.order_top_up(&sub.auth(), 10_000, "card").await;
    app.pay_at_sandbox(&order).await;
    let late = read_order(app, &sub, &order).await;
    app.clock.set(at("2026-11-26T00:30:00+08:00"));
    let order = app.order_top_up(&sub.auth(), 20_000, "card").await;
    app.pay_at_sandbox(&order).await;
    let after_midnight = read_order(app, &sub, &order).await;
    app.clock.set(at("2026-11-27T12:00:00+08:00"));
    let (status, _, order) = app
        .post_json(
            "/api/v1/orders",
            json!({ "kind": "renewal", "iccid": sub.iccid, "plan_code": "HK-30D-20G",
                    "periods": 1, "payment_method": "wallet" }),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let renewal = read_order(app, &sub, &order).await;
    Made {
        sub,
        late,
        after_midnight,
        renewal,
    }
}

pub(super) fn total(order: &Value) -> i64 {
    order["breakdown"]["total"]["amount"]
        .as_i64()
        .unwrap_or_else(|| panic!("a total in {order}"))
}

pub(super) fn fee(order: &Value) -> i64 {
    order["breakdown"]["fee"]["amount"]
        .as_i64()
        .unwrap_or_else(|| panic!("a fee in {order}"))
}

pub(super) async fn key(app: &TestApp, name: &str, role: Role) -> String {
    bearer(
        &datacard::api_keys::create_operator(app, name, role)
            .await
            .unwrap(),
    )
}

pub(super) async fn get_csv(app: &TestApp, path: &str, auth: &str) -> (StatusCode, String, String) {
    let request = Request::get(path)
        .header(header::AUTHORIZATION, auth)
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = app.send(request).await;
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, kind, String::from_utf8_lossy(&body).into_owned())
}

story!(the_books_count_each_payment_on_its_hong_kong_day, |app| {
    let made = orders_on_known_days(&app).await;
    let (late, night, renewal) = (
        total(&made.late),
        total(&made.after_midnight),
        total(&made.renewal),
    );
    let auth = key(&app, "books-viewer", Role::Viewer).await;
    let (status, _, summary) = app
        .get_json(
            "/api/v1/admin/reports/summary?from=2026-11-25&to=2026-11-27",
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["time_zone"], "Asia/Hong_Kong");
    let days = summary["days"].as_array().unwrap();
    assert_eq!(days.len(), 3, "{summary}");
    // 23:30 HKT on the 25th is the 25th; 00:30 HKT on the 26th (16:30 UTC on the 25th)
    // is the 26th.
    assert_eq!(days[0]["date"], "2026-11-25");
    assert_eq!(days[0]["revenue"]["amount"], late, "{summary}");
    assert_eq!(days[0]["by_method"]["card"]["amount"], late);
    assert_eq!(days[1]["revenue"]["amount"], night, "{summary}");
    assert_eq!(days[2]["revenue"]["amount"], renewal);
    assert_eq!(days[2]["by_method"]["wallet"]["amount"], renewal);
    assert_eq!(summary["revenue"]["amount"], late + night + renewal);
    assert_eq!(summary["revenue"]["currency"], "HKD");
    assert_eq!(summary["by_method"]["card"]["amount"], late + night);
    assert_eq!(summary["by_method"]["wallet"]["amount"], renewal);
    let fees = fee(&made.late) + fee(&made.after_midnight) + fee(&made.renewal);
    assert!(fees > 0, "card top-ups carry a method fee");
    assert_eq!(summary["fees"]["amount"], fees);
    assert_eq!(summary["orders"], 3);
    assert_eq!(summary["top_ups"]["count"], 2);
    assert_eq!(summary["top_ups"]["revenue"]["amount"], late + night);
    assert_eq!(summary["renewals"]["count"], 1);
    assert_eq!(summary["new_esims"]["count"], 0);
    assert!(
        summary["lines"]["active"].as_i64().unwrap() >= 1,
        "{summary}"
    );
    assert_eq!(summary["refunds"]["amount"], 0);

    // One day alone: the 26th in Hong Kong holds only the payment made after midnight.
    let (_, _, one) = app
        .get_json(
            "/api/v1/admin/reports/summary?from=2026-11-26&to=2026-11-26",
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(one["revenue"]["amount"], night, "{one}");

    // The money of the first top-up goes back: a refund in the range's figures.
    let payment = made.late["payment"]["id"].as_str().unwrap();
    app.clock.set(at("2026-11-27T13:00:00+08:00"));
    datacard::orders::refund::refund(&app, payment, "test")
        .await
        .unwrap();
    datacard::orders::reconcile::run_due(&app, "test")
        .await
        .unwrap();
    let (_, _, after) = app
        .get_json(
            "/api/v1/admin/reports/summary?from=2026-11-25&to=2026-11-27",
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(after["refunds"]["amount"], late, "{after}");
    assert_eq!(after["refund_count"], 1);

    // The dashboard draws the same figures, each chart with its table.
    let viewer = app.enrolled_staff("viewer@example.com", Role::Viewer).await;
    let (status, _, page) = app
        .console_get("/admin/books?from=2026-11-25&to=2026-11-27", &viewer.cookie)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-day=\"2026-11-26\""), "{page}");
    assert!(page.contains(&format!("data-total=\"{night}\"")), "{page}");
    for chart in ["chart-days", "chart-methods", "chart-kinds", "chart-lines"] {
        assert!(
            page.contains(&format!("data-testid=\"{chart}\"")),
            "{chart}"
        );
    }
    assert!(page.contains("role=\"img\""));
    assert!(page.contains("href=\"/admin/payments/attention\""));
    assert!(
        !page.contains("/api/v1/admin/exports/"),
        "a viewer gets no exports"
    );
    let finance = app
        .enrolled_staff("finance@example.com", Role::Finance)
        .await;
    let (_, _, page) = app.console_get("/admin/books", &finance.cookie).await;
    assert!(
        page.contains("/api/v1/admin/exports/ledger.csv?from="),
        "{page}"
    );
    let _ = made.sub;
});

story!(bad_ranges_and_roles_are_refused, |app| {
    let finance = key(&app, "finance", Role::Finance).await;
    for (query, what) in [
        ("from=2026-12-01&to=2026-11-01", "from after to"),
        ("from=2025-01-01&to=2026-11-01", "over 366 days"),
        ("from=2026-02-30&to=2026-03-01", "no such day"),
        ("from=yesterday&to=2026-03-01", "not a date"),
        (
            "from=2026-01-01%27%3B%20DROP%20TABLE%20orders%3B--&to=2026-03-01",
            "hostile",
        ),
    ] {
        for path in [
            "/api/v1/admin/reports/summary",
            "/api/v1/admin/exports/ledger.csv",
        ] {
            let reply = app
                .get_json(&format!("{path}?{query}"), &[("authorization", &finance)])
                .await;
            assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_range");
            assert!(
                !reply.2["error"]["details"][0]
                    .as_str()
                    .unwrap_or("")
                    .is_empty(),
                "{what}: says why"
            );
        }
    }
    let reply = app
        .get_json(
            "/api/v1/admin/reports/summary?since=2026-01-01",
            &[("authorization", &finance)],
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_query");
    let reply = app
        .get_json(
            "/api/v1/admin/exports/customers.csv",
            &[("authorization", &finance)],
        )
        .await;
    assert_eq!(reply.0, StatusCode::NOT_FOUND);
    assert_eq!(app.count_rows("orders").await, 0, "nothing was made");

    // Support reads the books but does not export them.
    let support = key(&app, "support", Role::Support).await;
    let (status, _, _) = app
        .get_json(
            "/api/v1/admin/reports/summary",
            &[("authorization", &support)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for file in ["orders", "payments", "refunds", "ledger"] {
        let reply = app
            .get_json(
                &format!("/api/v1/admin/exports/{file}.csv"),
                &[("authorization", &support)],
            )
            .await;
        assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");
    }

    // The dashboard says what is wrong on the same page, the form kept.
    let member = app
        .enrolled_staff("finance@example.com", Role::Finance)
        .await;
    let (status, _, page) = app
        .console_get("/admin/books?from=2026-12-01&to=2026-11-01", &member.cookie)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("data-code=\"invalid_range\""), "{page}");
    assert!(page.contains("value=\"2026-12-01\""), "{page}");
    assert!(page.contains("aria-invalid=\"true\""), "{page}");
});

story!(auto_renew_success_is_the_share_of_periods_renewed, |app| {
    let sub = app
        .subscriber_with_line(&SUBSCRIBERS, 2, "HK-30D-20G", app.now(), Used::Nothing)
        .await;
    // Three periods auto-renew charged for: one renewed at once, one renewed after a
    // short wallet, one still failing.
    let mut tx = app.db.begin().await.unwrap();
    for (period, kind) in [
        ("p-1", "auto_renew_done"),
        ("p-2", "auto_renew_failed_0"),
        ("p-2", "auto_renew_card_done"),
        ("p-3", "auto_renew_failed_0"),
        ("p-3", "auto_renew_failed_1"),
        // A reminder for Alipay is no charge: not counted.
        ("p-4", "auto_renew_reminder"),
    ] {
        datacard::usage::alert_log::mark_once(&mut tx, period, kind, &sub.iccid, app.now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let auth = key(&app, "rate", Role::Viewer).await;
    let (_, _, summary) = app
        .get_json("/api/v1/admin/reports/summary", &[("authorization", &auth)])
        .await;
    assert_eq!(summary["auto_renew"]["tried"], 3, "{summary}");
    assert_eq!(summary["auto_renew"]["renewed"], 2);
    assert_eq!(summary["auto_renew"]["success_rate_percent"], 67);
    let viewer = app.enrolled_staff("rate@example.com", Role::Viewer).await;
    let (_, _, page) = app
        .console_get("/admin/books?lang=en", &viewer.cookie)
        .await;
    assert!(page.contains("67% renewed (2 of 3 tried)"), "{page}");
});
