//! Auto-renew through time jumps: a wallet line renews itself once per period, a
//! short wallet is dunned on schedule and recovers after a top-up, nothing is tried
//! after the period ended, Alipay lines get a reminder instead of an order, quiet
//! hours hold back non-urgent SMS, and the API and portal switch refuse bad input.
//! Every story runs on SQLite and on PostgreSQL and ends with the ledger check.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::Row;

use datacard::money::Currency;

use crate::support::*;

const PLAN: &str = "HK-7D-5G";
/// HK$48.00, the plan's price.
const PRICE: i64 = 4_800;

/// This story's subscribers: +852 613…, renew…@example.com, ICCIDs 89852077….
const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852613",
    email: "renew",
    iccid: "89852077",
};

/// A subscriber with one line on [`PLAN`] whose period started 5 days ago, so that
/// it ends 2 days after the story's start (10:00 Hong Kong time).
async fn subscriber(app: &TestApp, n: u32) -> Subscriber {
    subscriber_using(app, n, Used::Nothing).await
}

/// As [`subscriber`], with `used` of the period's data used.
async fn subscriber_using(app: &TestApp, n: u32, used: Used) -> Subscriber {
    let starts_at = app.now() - Duration::days(5);
    app.subscriber_with_line(&SUBSCRIBERS, n, PLAN, starts_at, used)
        .await
}

async fn balance(app: &TestApp, sub: &Subscriber) -> i64 {
    datacard::ledger::wallet_balance(app, &sub.account_id, Currency::HKD)
        .await
        .expect("balance")
        .amount
}

async fn set_auto_renew(app: &TestApp, sub: &Subscriber, body: Value) -> Reply {
    app.request(
        axum::http::Method::PUT,
        &format!("/api/v1/lines/{}/auto-renew", sub.iccid),
        Some(body),
        &[("authorization", &sub.auth())],
    )
    .await
}

async fn enable(app: &TestApp, sub: &Subscriber, body: Value) -> Value {
    let reply = set_auto_renew(app, sub, body).await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.2);
    reply.2
}

async fn scan(app: &TestApp) -> usize {
    datacard::auto_renew::scan(app).await.expect("scan")
}

async fn run_jobs(app: &TestApp) -> usize {
    datacard::jobs::run_due(app, "auto-renew-story")
        .await
        .expect("jobs run")
}

/// `(starts_at, ends_at)` of the line's periods, oldest first.
async fn periods(app: &TestApp, iccid: &str) -> Vec<(i64, i64)> {
    sqlx::query("SELECT starts_at, ends_at FROM line_periods WHERE iccid = $1 ORDER BY starts_at")
        .bind(iccid)
        .fetch_all(app.db.reader())
        .await
        .expect("periods")
        .iter()
        .map(|row| (row.get("starts_at"), row.get("ends_at")))
        .collect()
}

async fn renewal_orders(app: &TestApp, account_id: &str) -> Vec<(String, String)> {
    sqlx::query(
        "SELECT state, payment_method FROM orders WHERE account_id = $1 AND kind = 'renewal' ORDER BY created_at",
    )
    .bind(account_id)
    .fetch_all(app.db.reader())
    .await
    .expect("orders")
    .iter()
    .map(|row| (row.get("state"), row.get("payment_method")))
    .collect()
}

/// The auto-renew messages sent to `destination`, oldest first.
async fn renew_messages(app: &TestApp, destination: &str) -> Vec<String> {
    app.messages_to(destination)
        .await
        .into_iter()
        .map(|entry| entry.message.kind)
        .filter(|kind| kind.starts_with("auto_renew") || kind == "low_balance")
        .collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

// ===== the wallet renews the line ========================================================

story!(
    a_wallet_line_renews_itself_once_through_a_time_jump,
    |app| {
        let sub = subscriber(&app, 1).await;
        app.top_up_by_card(&sub, 5_000).await;
        let settings = enable(&app, &sub, json!({ "enabled": true, "method": "wallet" })).await;
        assert_eq!(settings["trigger"], "before_expiry");
        assert_eq!(settings["hours_before"], 24);
        assert_eq!(settings["next_charge"]["amount"]["amount"], PRICE);
        let ends_at = periods(&app, &sub.iccid).await[0].1;

        // Two days before the end: nothing yet.
        assert_eq!(scan(&app).await, 0);
        app.advance(Duration::hours(23));
        assert_eq!(scan(&app).await, 0);
        run_jobs(&app).await;
        assert_eq!(periods(&app, &sub.iccid).await.len(), 1);

        // Within 24 hours of the end: one attempt, however often the scan runs.
        app.advance(Duration::hours(2));
        assert_eq!(scan(&app).await, 1);
        assert_eq!(scan(&app).await, 0);
        run_jobs(&app).await;
        assert_eq!(scan(&app).await, 0);
        run_jobs(&app).await;

        let after = periods(&app, &sub.iccid).await;
        assert_eq!(after.len(), 2, "the next period is queued: {after:?}");
        assert_eq!(after[1].0, ends_at, "it starts when the current one ends");
        assert_eq!(
            renewal_orders(&app, &sub.account_id).await,
            vec![("fulfilled".to_owned(), "wallet".to_owned())]
        );
        assert_eq!(balance(&app, &sub).await, 5_000 - PRICE);
        assert_eq!(
            renew_messages(&app, &sub.email).await,
            strings(&["auto_renew_done"])
        );
        // No SMS for a renewal that went through.
        assert_eq!(renew_messages(&app, &sub.phone).await, Vec::<String>::new());
    }
);

story!(an_on_exhaustion_line_renews_when_its_data_runs_out, |app| {
    let sub = subscriber_using(&app, 11, Used::All).await;
    let fresh = subscriber(&app, 12).await;
    app.top_up_by_card(&sub, 5_000).await;
    app.top_up_by_card(&fresh, 5_000).await;
    for who in [&sub, &fresh] {
        enable(
            &app,
            who,
            json!({ "enabled": true, "method": "wallet", "trigger": "on_exhaustion" }),
        )
        .await;
    }
    // Only the line with no data left, long before its end.
    assert_eq!(scan(&app).await, 1);
    run_jobs(&app).await;
    let now = app.now().timestamp_millis();
    let after = periods(&app, &sub.iccid).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(after[0].1, now, "the used-up period ends now");
    assert_eq!(after[1].0, now, "and the new one starts at once");
    assert_eq!(renewal_orders(&app, &sub.account_id).await.len(), 1);
    assert!(renewal_orders(&app, &fresh.account_id).await.is_empty());
    // The new period is not used up: nothing more.
    app.advance_secs(60);
    assert_eq!(scan(&app).await, 0);
});

// ===== dunning ===========================================================================

story!(
    a_short_wallet_is_dunned_and_the_retry_after_a_top_up_succeeds,
    |app| {
        let sub = subscriber(&app, 2).await;
        app.top_up_by_card(&sub, 1_000).await;
        enable(&app, &sub, json!({ "enabled": true, "method": "wallet" })).await;

        // The wallet cannot cover the next renewal: one low-balance alert for the period.
        scan(&app).await;
        scan(&app).await;
        run_jobs(&app).await;
        assert_eq!(
            renew_messages(&app, &sub.email).await,
            strings(&["low_balance"])
        );
        assert_eq!(
            renew_messages(&app, &sub.phone).await,
            strings(&["low_balance"])
        );

        app.advance(Duration::hours(25));
        assert_eq!(scan(&app).await, 1);
        run_jobs(&app).await;
        let failed = strings(&["low_balance", "auto_renew_failed_0"]);
        assert_eq!(renew_messages(&app, &sub.email).await, failed);
        assert_eq!(renew_messages(&app, &sub.phone).await, failed);
        let sms = app.last_message(&sub.phone).await.message.body;
        assert!(
            sms.contains(&format!(
                "https://datacard.test/checkout?plan={PLAN}&iccid={}",
                sub.iccid
            )),
            "a one-tap renewal link: {sms}"
        );

        // Nothing before the first retry, an hour later.
        app.advance(Duration::minutes(59));
        run_jobs(&app).await;
        assert_eq!(renew_messages(&app, &sub.email).await.len(), 2);
        app.advance(Duration::minutes(1));
        run_jobs(&app).await;
        assert_eq!(
            renew_messages(&app, &sub.email).await,
            strings(&["low_balance", "auto_renew_failed_0", "auto_renew_failed_1"])
        );
        assert!(renewal_orders(&app, &sub.account_id).await.is_empty());

        // Topped up before the retry at 6 hours: it goes through.
        app.top_up_by_card(&sub, 5_000).await;
        app.advance(Duration::hours(5));
        run_jobs(&app).await;
        assert_eq!(
            renewal_orders(&app, &sub.account_id).await,
            vec![("fulfilled".to_owned(), "wallet".to_owned())]
        );
        assert_eq!(periods(&app, &sub.iccid).await.len(), 2);
        assert_eq!(balance(&app, &sub).await, 6_000 - PRICE);
        assert_eq!(
            renew_messages(&app, &sub.email).await,
            strings(&[
                "low_balance",
                "auto_renew_failed_0",
                "auto_renew_failed_1",
                "auto_renew_done"
            ])
        );
        assert_eq!(
            datacard::jobs::pending(&app, datacard::auto_renew::ATTEMPT_JOB)
                .await
                .expect("pending"),
            0
        );
    }
);

story!(dunning_stops_before_the_period_lapses, |app| {
    let sub = subscriber(&app, 3).await;
    app.top_up_by_card(&sub, 1_000).await;
    enable(
        &app,
        &sub,
        json!({ "enabled": true, "method": "wallet", "hours_before": 2, "sms": false }),
    )
    .await;
    let ends_at = DateTime::<Utc>::from_timestamp_millis(periods(&app, &sub.iccid).await[0].1)
        .expect("a time");

    app.clock.set(ends_at - Duration::hours(2));
    assert_eq!(scan(&app).await, 1);
    run_jobs(&app).await;
    app.advance(Duration::hours(1));
    run_jobs(&app).await;
    let expected = strings(&["low_balance", "auto_renew_failed_0", "auto_renew_failed_1"]);
    assert_eq!(renew_messages(&app, &sub.email).await, expected);
    // The next step (6 hours after the first failure) would be after the end.
    assert_eq!(
        datacard::jobs::pending(&app, datacard::auto_renew::ATTEMPT_JOB)
            .await
            .expect("pending"),
        0
    );
    app.advance(Duration::days(2));
    scan(&app).await;
    run_jobs(&app).await;
    assert_eq!(renew_messages(&app, &sub.email).await, expected);
    assert!(renewal_orders(&app, &sub.account_id).await.is_empty());
    // SMS were turned off: email only.
    assert_eq!(renew_messages(&app, &sub.phone).await, Vec::<String>::new());
});

// ===== Alipay and WeChat Pay: reminders ==================================================

story!(an_alipay_line_gets_a_reminder_and_no_order, |app| {
    let sub = subscriber(&app, 4).await;
    let settings = enable(&app, &sub, json!({ "enabled": true, "method": "alipay" })).await;
    assert_eq!(settings["method"], "alipay");
    app.advance(Duration::hours(25));
    assert_eq!(scan(&app).await, 1);
    assert_eq!(scan(&app).await, 0);
    run_jobs(&app).await;
    run_jobs(&app).await;
    assert!(renewal_orders(&app, &sub.account_id).await.is_empty());
    assert_eq!(app.count_rows("orders").await, 0);
    assert_eq!(
        renew_messages(&app, &sub.email).await,
        strings(&["auto_renew_reminder"])
    );
    assert_eq!(
        renew_messages(&app, &sub.phone).await,
        strings(&["auto_renew_reminder"])
    );
    let email = app.last_message(&sub.email).await.message;
    assert!(!email.subject.is_empty());
    let link = format!(
        "https://datacard.test/checkout?plan={PLAN}&iccid={}",
        sub.iccid
    );
    assert!(
        email.body.contains(&link),
        "the pre-filled checkout as text: {}",
        email.body
    );
    // The email's HTML part shows the same checkout as a QR code, an inline PNG that
    // the outbox keeps; the SMS stays short text.
    let html = email.html.expect("the reminder email has an HTML part");
    let [image] = html.images.as_slice() else {
        panic!("one image in the reminder email: {:?}", html.images.len());
    };
    assert_eq!(image.content_type, "image/png");
    assert!(
        html.markup
            .contains(&format!("src=\"cid:{}\"", image.content_id)),
        "{}",
        html.markup
    );
    assert_eq!(
        qr_text(&image.data),
        link,
        "the QR code is the checkout link"
    );
    let sms = app.last_message(&sub.phone).await.message;
    assert_eq!(sms.html, None);
    assert!(sms.body.contains(&link), "{}", sms.body);
    assert!(
        sms.body.chars().count() <= 200,
        "a short SMS: {} characters",
        sms.body.chars().count()
    );
});

/// The text of the one QR code in a PNG image, read by a real decoder.
fn qr_text(png_bytes: &[u8]) -> String {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a sane image size")];
    let frame = reader.next_frame(&mut pixels).expect("a PNG image");
    assert_eq!(frame.color_type, png::ColorType::Grayscale);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(
        frame.width as usize,
        frame.height as usize,
        |x, y| pixels[y * frame.line_size + x],
    );
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("a readable QR code").1
}

// ===== quiet hours =======================================================================

story!(quiet_hours_defer_a_reminder_sms_to_eight, |app| {
    let sub = subscriber(&app, 5).await;
    enable(
        &app,
        &sub,
        json!({ "enabled": true, "method": "wechat_pay", "hours_before": 48 }),
    )
    .await;
    // 23:00 in Hong Kong, 35 hours before the end: not urgent.
    app.advance(Duration::hours(13));
    assert_eq!(scan(&app).await, 1);
    run_jobs(&app).await;
    assert_eq!(
        renew_messages(&app, &sub.email).await,
        strings(&["auto_renew_reminder"]),
        "email goes at once"
    );
    assert_eq!(renew_messages(&app, &sub.phone).await, Vec::<String>::new());
    app.advance(Duration::hours(8) + Duration::minutes(59));
    run_jobs(&app).await;
    assert_eq!(renew_messages(&app, &sub.phone).await, Vec::<String>::new());
    // 08:00.
    app.advance(Duration::minutes(1));
    run_jobs(&app).await;
    assert_eq!(
        renew_messages(&app, &sub.phone).await,
        strings(&["auto_renew_reminder"])
    );
});

story!(quiet_hours_hold_back_a_usage_alert_sms_too, |app| {
    let sub = subscriber(&app, 13).await;
    let alerts = |list: Vec<datacard::messages::OutboxEntry>| {
        list.into_iter()
            .map(|entry| entry.message.kind)
            .filter(|kind| kind.starts_with("alert_"))
            .collect::<Vec<_>>()
    };
    // 23:00 in Hong Kong, 35 hours before the end: "ends in 3 days", not urgent.
    app.advance(Duration::hours(13));
    datacard::usage::alerts::scan_expiring(&app)
        .await
        .expect("scan");
    run_jobs(&app).await;
    assert_eq!(
        alerts(app.messages_to(&sub.email).await),
        strings(&["alert_expires_3d"])
    );
    assert!(alerts(app.messages_to(&sub.phone).await).is_empty());
    app.advance(Duration::hours(9));
    run_jobs(&app).await;
    assert_eq!(
        alerts(app.messages_to(&sub.phone).await),
        strings(&["alert_expires_3d"])
    );
    assert_eq!(
        alerts(app.messages_to(&sub.email).await),
        strings(&["alert_expires_3d"]),
        "the email is not sent twice"
    );
});

story!(an_urgent_sms_goes_even_in_quiet_hours, |app| {
    let sub = subscriber(&app, 6).await;
    app.top_up_by_card(&sub, 1_000).await;
    scan(&app).await;
    enable(&app, &sub, json!({ "enabled": true, "method": "wallet" })).await;
    // 02:00 in Hong Kong on the last day, 8 hours before the end.
    app.advance(Duration::hours(40));
    assert_eq!(scan(&app).await, 1);
    run_jobs(&app).await;
    let sms = renew_messages(&app, &sub.phone).await;
    assert!(
        sms.contains(&"auto_renew_failed_0".to_owned()),
        "the failed renewal is urgent: {sms:?}"
    );
    // The low-balance alert is not urgent: its SMS waits for 08:00.
    assert!(!sms.contains(&"low_balance".to_owned()), "{sms:?}");
    app.advance(Duration::hours(6));
    run_jobs(&app).await;
    assert!(
        renew_messages(&app, &sub.phone)
            .await
            .contains(&"low_balance".to_owned())
    );
});

// ===== the switch: API and portal ========================================================

story!(
    the_api_switch_refuses_bad_input_and_other_peoples_lines,
    |app| {
        let sub = subscriber(&app, 7).await;
        let other = subscriber(&app, 8).await;
        // Card auto-renew charges a saved card at Stripe; here cards go to the sandbox
        // (tests/suite/card.rs has it with Stripe).
        let reply = set_auto_renew(&app, &sub, json!({ "enabled": true, "method": "card" })).await;
        assert_error(
            &reply,
            StatusCode::BAD_REQUEST,
            "payment_method_unavailable",
        );
        for body in [
            json!({ "enabled": true, "method": "bitcoin" }),
            json!({ "enabled": true, "trigger": "whenever" }),
            json!({ "enabled": true, "price": 1 }),
            json!({ "method": "wallet" }),
        ] {
            let reply = set_auto_renew(&app, &sub, body.clone()).await;
            assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_body");
        }
        let reply = set_auto_renew(&app, &sub, json!({ "enabled": true, "hours_before": 0 })).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_hours_before");

        // Someone else's line, and no line at all: the same 404.
        let reply = app
            .request(
                axum::http::Method::PUT,
                &format!("/api/v1/lines/{}/auto-renew", other.iccid),
                Some(json!({ "enabled": true })),
                &[("authorization", &sub.auth())],
            )
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "line_not_found");
        let reply = app
            .get_json(
                &format!("/api/v1/lines/{}/auto-renew", other.iccid),
                &[("authorization", &sub.auth())],
            )
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "line_not_found");
        let reply = app
            .request(
                axum::http::Method::PUT,
                "/api/v1/lines/not-an-iccid/auto-renew",
                Some(json!({ "enabled": true })),
                &[("authorization", &sub.auth())],
            )
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "line_not_found");
        let reply = app
            .request(
                axum::http::Method::PUT,
                &format!("/api/v1/lines/{}/auto-renew", sub.iccid),
                Some(json!({ "enabled": true })),
                &[],
            )
            .await;
        assert_eq!(reply.0, StatusCode::UNAUTHORIZED);
        assert_eq!(app.count_rows("auto_renew").await, 0);

        // The owner's switch, with the next charge 24 hours before the end.
        let settings = enable(
            &app,
            &sub,
            json!({ "enabled": true, "method": "wallet", "trigger": "before_expiry" }),
        )
        .await;
        let ends_at = DateTime::<Utc>::from_timestamp_millis(periods(&app, &sub.iccid).await[0].1)
            .expect("a time");
        let at: DateTime<Utc> = settings["next_charge"]["at"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("a next charge date");
        assert_eq!(at, ends_at - Duration::hours(24));
        assert_eq!(settings["next_charge"]["amount"]["amount"], PRICE);
        let (status, _, shown) = app
            .get_json(
                &format!("/api/v1/lines/{}/auto-renew", sub.iccid),
                &[("authorization", &sub.auth())],
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(shown["enabled"], true);
        let off = enable(&app, &sub, json!({ "enabled": false })).await;
        assert_eq!(off["next_charge"], Value::Null);
        assert_eq!(off["method"], "wallet");

        // Documented.
        let (_, _, doc) = app.get_json("/api/v1/openapi.json", &[]).await;
        assert!(doc["paths"]["/api/v1/lines/{iccid}/auto-renew"]["put"].is_object());
        assert!(doc["components"]["schemas"]["AutoRenewRequest"].is_object());
    }
);

async fn portal_post(
    app: &TestApp,
    path: &str,
    cookie: &str,
    form: &[(String, String)],
) -> (StatusCode, HeaderMap) {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT, "text/html")
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::from(
            serde_urlencoded::to_string(form).expect("a form"),
        ))
        .expect("a request");
    let (status, headers, _) = app.send(request).await;
    (status, headers)
}

async fn account_page(app: &TestApp, cookie: &str) -> String {
    let request = Request::get("/account")
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT, "text/html")
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::empty())
        .expect("a request");
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    String::from_utf8_lossy(&body).into_owned()
}

story!(the_portal_switch_needs_csrf_and_the_owner, |app| {
    let sub = subscriber(&app, 9).await;
    let other = subscriber(&app, 10).await;
    let (csrf, cookie) = app.portal_log_in(&sub.phone, PASSWORD).await;
    let page = account_page(&app, &cookie).await;
    let action = format!("/lines/{}/auto-renew", sub.iccid);
    assert!(page.contains(&format!("action=\"{action}\"")), "{page}");
    assert!(page.contains("Auto-renew is off."), "{page}");

    let form = |csrf: &str, method: &str, trigger: &str, sms: bool| {
        let mut fields = vec![
            ("enabled", "on"),
            ("method", method),
            ("trigger", trigger),
            ("hours_before", "24"),
        ];
        if !csrf.is_empty() {
            fields.push(("csrf", csrf));
        }
        if sms {
            fields.push(("sms", "on"));
        }
        fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<Vec<_>>()
    };
    // No CSRF token, or a wrong one: refused, nothing saved.
    let (status, _) = portal_post(
        &app,
        &action,
        &cookie,
        &form("", "wallet", "before_expiry", true),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = portal_post(
        &app,
        &action,
        &cookie,
        &form("wrong", "wallet", "before_expiry", true),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.count_rows("auto_renew").await, 0);

    let (status, _) = portal_post(
        &app,
        &action,
        &cookie,
        &form(&csrf, "bitcoin", "before_expiry", true),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = portal_post(
        &app,
        &action,
        &cookie,
        &form(&csrf, "wallet", "whenever", true),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Someone else's line.
    let (status, _) = portal_post(
        &app,
        &format!("/lines/{}/auto-renew", other.iccid),
        &cookie,
        &form(&csrf, "wallet", "before_expiry", true),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.count_rows("auto_renew").await, 0);

    let (status, headers) = portal_post(
        &app,
        &action,
        &cookie,
        &form(&csrf, "wallet", "before_expiry", true),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers.get(header::LOCATION).and_then(|v| v.to_str().ok()),
        Some("/account?auto_renew=saved")
    );
    let settings = datacard::auto_renew::settings(&app, &sub.iccid)
        .await
        .expect("settings");
    assert!(settings.enabled && settings.sms);
    let page = account_page(&app, &cookie).await;
    assert!(page.contains("Next charge: HK$48.00"), "{page}");

    // SMS reminders off, on Alipay: the page says it will remind.
    let (status, _) = portal_post(
        &app,
        &action,
        &cookie,
        &form(&csrf, "alipay", "on_exhaustion", false),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let settings = datacard::auto_renew::settings(&app, &sub.iccid)
        .await
        .expect("settings");
    assert!(!settings.sms);
    assert_eq!(settings.method, datacard::payments::Method::Alipay);
    let page = account_page(&app, &cookie).await;
    assert!(page.contains("when the data runs out"), "{page}");
});
