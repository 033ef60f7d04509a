//! WeChat Pay (Hong Kong surface) end to end, through the real router on both
//! databases: an order opens a Native QR at the (local) API; the signed, encrypted
//! notification is answered 204 and fulfils the order once; a forged, stale or
//! undecryptable one is answered 4xx `{"code":"FAIL"}` and changes nothing; an API
//! that fails mid-create leaves the payment open until a status query settles it.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use crate::support::wechat_pay::{APP_ID, Answer, Fake, MCH_ID, SERIAL, pem};
use crate::support::*;
use datacard::payments::rsa::SigningKey;
use datacard::payments::wechat_pay::aead::ApiV3Key;
use datacard::payments::wechat_pay::sign::platform_headers;

/// The app's WeChat Pay pointed at a local API of the story's own, which answers
/// Native pay with a code URL until told otherwise.
async fn started(backend: Backend) -> Option<(TestApp, Fake)> {
    let fake = Fake::start_at(start_time().timestamp()).await;
    fake.signed(
        200,
        json!({"code_url": "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}),
    );
    let api = fake.config("hongkong");
    let app = TestApp::start_with(backend, move |config| {
        config.payments.wechat_pay.provider = datacard::payments::ProviderName::WechatPay;
        config.payments.providers.wechat_pay = api;
    })
    .await?;
    Some((app, fake))
}

async fn state_of(app: &TestApp, auth: &str, order: &Value) -> Value {
    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    let (status, _, order) = app.get_json(&path, &[("authorization", auth)]).await;
    assert_eq!(status, StatusCode::OK);
    order["state"].clone()
}

/// WeChat Pay's notification body for `transaction`, sealed with `api_v3_key`.
fn sealed(id: &str, transaction: &Value, api_v3_key: &str) -> String {
    let ciphertext = ApiV3Key::new(api_v3_key)
        .unwrap()
        .encrypt(
            "fdasflkja484",
            "transaction",
            transaction.to_string().as_bytes(),
        )
        .unwrap();
    json!({"id": id, "create_time": "2026-11-25T10:00:06+08:00", "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功", "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM", "ciphertext": ciphertext, "associated_data": "transaction", "nonce": "fdasflkja484"}}).to_string()
}

async fn post(app: &TestApp, body: &str, signed_at: i64, signed_body: &str) -> (StatusCode, Value) {
    let platform = SigningKey::from_pem(&pem("platform_private_key")).unwrap();
    let mut request = Request::post("/api/v1/webhooks/wechat_pay")
        .header(header::CONTENT_TYPE, "application/json");
    for (name, value) in platform_headers(
        &platform,
        SERIAL,
        signed_at,
        "NOTIFYNONCE",
        signed_body.as_bytes(),
    )
    .unwrap()
    {
        request = request.header(name, value);
    }
    let (status, _, bytes) = app
        .send(request.body(Body::from(body.to_owned())).unwrap())
        .await;
    (status, json_of(&bytes))
}

story_with!(paid_through_a_signed_notification, started, |app, fake| {
    let (auth, order) = app
        .register_and_order_top_up("+85261230011", "wechat_pay")
        .await;
    assert_eq!(order["payment"]["provider"], "wechat_pay");
    assert_eq!(order["payment"]["state"], "pending");
    assert_eq!(
        order["payment"]["next_action"],
        json!({"type": "qr", "data": "weixin://wxpay/bizpayurl?pr=p4lpSuKzz", "url": "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"})
    );
    let payment_id = order["payment"]["id"].as_str().unwrap().to_owned();
    let call = fake.last_call();
    assert_eq!(call.path, "/v3/global/transactions/native");
    assert_eq!(
        call.body["notify_url"],
        "https://datacard.test/api/v1/webhooks/wechat_pay"
    );
    // A QR payment is payable for 15 minutes by default, and WeChat Pay is told so.
    let fifteen_minutes = (app.now() + chrono::Duration::minutes(15) + chrono::Duration::hours(8))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S+08:00")
        .to_string();
    assert_eq!(call.body["time_expire"], json!(fifteen_minutes));
    let amount = call.body["amount"].clone();
    assert_eq!(amount["currency"], "HKD");
    let transaction = json!({"mchid": MCH_ID, "appid": APP_ID, "out_trade_no": payment_id, "trade_state": "SUCCESS", "amount": amount});
    let key = "0123456789abcdef0123456789abcdef";
    let now = app.now().timestamp();
    let fail = |message: &str| json!({"code": "FAIL", "message": message});

    let genuine = sealed("EV-1", &transaction, key);
    // Signed over another body.
    let forged = genuine.replace("EV-1", "EV-2");
    assert_eq!(
        post(&app, &forged, now, &genuine).await,
        (StatusCode::BAD_REQUEST, fail("invalid_signature"))
    );
    // Replayed 10 minutes later.
    assert_eq!(
        post(&app, &genuine, now - 600, &genuine).await,
        (StatusCode::BAD_REQUEST, fail("invalid_signature"))
    );
    // Signed, but sealed with another APIv3 key.
    let other_key = sealed("EV-3", &transaction, "fedcba9876543210fedcba9876543210");
    assert_eq!(
        post(&app, &other_key, now, &other_key).await,
        (StatusCode::BAD_REQUEST, fail("invalid_signature"))
    );
    // Signed and sealed, but another amount: stored, flagged, refused.
    let mut other_amount = transaction.clone();
    other_amount["amount"]["total"] = json!(1);
    let other_amount = sealed("EV-4", &other_amount, key);
    assert_eq!(
        post(&app, &other_amount, now, &other_amount).await,
        (StatusCode::BAD_REQUEST, fail("amount_mismatch"))
    );
    assert_eq!(state_of(&app, &auth, &order).await, "pending_payment");
    // A genuine refund notification is not a payment: acknowledged (else WeChat Pay
    // resends it for a day) and nothing changes.
    let refund = json!({"mchid": MCH_ID, "out_trade_no": payment_id, "out_refund_no": "rf_x", "refund_status": "SUCCESS", "amount": {"total": 1, "refund": 1}});
    let refund = sealed("EV-R", &refund, key).replace("TRANSACTION.SUCCESS", "REFUND.SUCCESS");
    assert_eq!(
        post(&app, &refund, now, &refund).await,
        (StatusCode::NO_CONTENT, Value::Null)
    );
    assert_eq!(state_of(&app, &auth, &order).await, "pending_payment");

    assert_eq!(
        post(&app, &genuine, now, &genuine).await,
        (StatusCode::NO_CONTENT, Value::Null)
    );
    assert_eq!(state_of(&app, &auth, &order).await, "fulfilled");
    // WeChat Pay resends until it hears 2xx: the repeat changes nothing.
    assert_eq!(
        post(&app, &genuine, now, &genuine).await,
        (StatusCode::NO_CONTENT, Value::Null)
    );
});

story_with!(
    an_api_failing_mid_create_leaves_the_payment_open,
    started,
    |app, fake| {
        fake.answer(Answer::Plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#.into(),
        ));
        let (auth, order) = app
            .register_and_order_top_up("+85261230012", "wechat_pay")
            .await;
        assert_eq!(order["state"], "pending_payment");
        assert_eq!(order["payment"]["state"], "created");
        let amount = fake.last_call().body["amount"].clone();
        let payment_id = order["payment"]["id"].as_str().unwrap();
        fake.signed(200, json!({"mchid": MCH_ID, "appid": APP_ID, "out_trade_no": payment_id, "trade_state": "SUCCESS", "amount": amount}));
        let path = format!("/api/v1/orders/{}/refresh", order["id"].as_str().unwrap());
        let (status, _, refreshed) = app
            .post_json(&path, json!({}), &[("authorization", &auth)])
            .await;
        assert_eq!(status, StatusCode::OK, "{refreshed}");
        assert_eq!(refreshed["state"], "fulfilled", "{refreshed}");
    }
);
