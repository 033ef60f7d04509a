//! Alipay end to end, through the real router on both databases: an order opens a
//! precreate QR at the (local) gateway; Alipay's signed notification is answered with
//! the bare word `success` and fulfils the order once; a forged one is answered `fail`
//! and changes nothing; a gateway that fails mid-create leaves the payment open until
//! a status query settles it.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::alipay::{Fake, key};
use crate::support::*;
use datacard::payments::alipay::sign::{Params, sign_notification};
use datacard::payments::rsa::SigningKey;

const PRECREATE: &str = r#"{"code":"10000","msg":"Success","out_trade_no":"x","qr_code":"https:\/\/qr.alipay.com\/bax08431ewgu4eqkgduq0088"}"#;

/// The app's Alipay pointed at a local gateway of the story's own, which answers
/// precreate with a QR code until told otherwise.
async fn started(backend: Backend) -> Option<(TestApp, Fake)> {
    let fake = Fake::start().await;
    fake.content(PRECREATE);
    let gateway = fake.config();
    let app = TestApp::start_with(backend, move |config| {
        config.payments.alipay.provider = datacard::payments::ProviderName::Alipay;
        config.payments.providers.alipay = gateway;
    })
    .await?;
    Some((app, fake))
}

async fn show(app: &TestApp, auth: &str, order: &Value) -> Value {
    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    let (status, _, order) = app.get_json(&path, &[("authorization", auth)]).await;
    assert_eq!(status, StatusCode::OK);
    order
}

/// Alipay's notification for what the gateway was asked to collect.
fn notification(fake: &Fake, payment_id: &str, notify_id: &str) -> Params {
    let (_, biz) = fake.last_call();
    let mut params: Params = [
        ("app_id", "2021000000000000"),
        ("charset", "utf-8"),
        ("notify_id", notify_id),
        ("notify_time", "2026-11-25 10:00:06"),
        ("notify_type", "trade_status_sync"),
        ("out_trade_no", payment_id),
        ("seller_id", "2088000000000002"),
        ("total_amount", biz["total_amount"].as_str().unwrap()),
        ("trans_currency", biz["trans_currency"].as_str().unwrap()),
        ("trade_no", "2026112522001400000000000001"),
        ("trade_status", "TRADE_SUCCESS"),
        ("version", "1.0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    sign_notification(
        &mut params,
        &SigningKey::from_pem(&key("alipay_private_key")).unwrap(),
    )
    .unwrap();
    params.insert("sign_type".into(), "RSA2".into());
    params
}

async fn post(app: &TestApp, params: &Params) -> Reply {
    app.post_raw(
        "/api/v1/webhooks/alipay",
        Some("application/x-www-form-urlencoded; charset=utf-8"),
        serde_urlencoded::to_string(params).unwrap().into_bytes(),
    )
    .await
}

story_with!(paid_through_a_signed_notification, started, |app, fake| {
    let (auth, order) = app
        .register_and_order_top_up("+85261230001", "alipay")
        .await;
    assert_eq!(order["payment"]["provider"], "alipay");
    assert_eq!(order["payment"]["state"], "pending");
    assert_eq!(order["payment"]["next_action"]["type"], "qr");
    assert_eq!(
        order["payment"]["next_action"]["data"],
        "https://qr.alipay.com/bax08431ewgu4eqkgduq0088"
    );
    let payment_id = order["payment"]["id"].as_str().unwrap().to_owned();
    let (_, biz) = fake.last_call();
    assert_eq!(biz["out_trade_no"], payment_id);
    assert_eq!(biz["trans_currency"], "HKD");

    // Forged: the amount changed after signing.
    let mut forged = notification(&fake, &payment_id, "N-1");
    forged.insert("total_amount".into(), "1.00".into());
    let (status, _, body) = post(&app, &forged).await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, json!("fail")));
    assert_eq!(show(&app, &auth, &order).await["state"], "pending_payment");

    // Signed, but for another merchant.
    let mut other = notification(&fake, &payment_id, "N-2");
    other.insert("seller_id".into(), "2088000000009999".into());
    other.remove("sign");
    sign_notification(
        &mut other,
        &SigningKey::from_pem(&key("alipay_private_key")).unwrap(),
    )
    .unwrap();
    let (status, _, body) = post(&app, &other).await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, json!("fail")));

    let genuine = notification(&fake, &payment_id, "N-3");
    let (status, _, body) = post(&app, &genuine).await;
    assert_eq!((status, body), (StatusCode::OK, json!("success")));
    let paid = show(&app, &auth, &order).await;
    assert_eq!(paid["state"], "fulfilled", "{paid}");
    assert_eq!(paid["payment"]["state"], "succeeded");
    // Alipay resends until it reads `success`: the repeat changes nothing.
    let (status, _, body) = post(&app, &genuine).await;
    assert_eq!((status, body), (StatusCode::OK, json!("success")));
});

story_with!(
    a_gateway_failing_mid_create_leaves_the_payment_open,
    started,
    |app, fake| {
        fake.answer(crate::support::alipay::Answer::Status(
            StatusCode::INTERNAL_SERVER_ERROR,
        ));
        let (auth, order) = app
            .register_and_order_top_up("+85261230002", "alipay")
            .await;
        assert_eq!(order["state"], "pending_payment");
        assert_eq!(order["payment"]["state"], "created");
        let (_, biz) = fake.last_call();
        let payment_id = order["payment"]["id"].as_str().unwrap();
        // The query finds the trade paid after all.
        fake.content(&format!(
        r#"{{"code":"10000","msg":"Success","out_trade_no":"{payment_id}","total_amount":"{}","trans_currency":"HKD","trade_status":"TRADE_SUCCESS"}}"#,
        biz["total_amount"].as_str().unwrap()
    ));
        let path = format!("/api/v1/orders/{}/refresh", order["id"].as_str().unwrap());
        let (status, _, refreshed) = app
            .post_json(&path, json!({}), &[("authorization", &auth)])
            .await;
        assert_eq!(status, StatusCode::OK, "{refreshed}");
        assert_eq!(refreshed["state"], "fulfilled", "{refreshed}");
    }
);
