//! The WeChat Pay adapter over the wire, on both surfaces, against a small local API
//! that checks our `Authorization` signatures and answers as WeChat Pay does (signed
//! with the test platform key), or fails: HTTP 500, too slow, unsigned, stale, from an
//! unknown serial, badly signed. Every failure is `Unavailable`, so the attempt stays
//! open for reconciliation.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};

use datacard::money::{Currency, Money};
use std::sync::Arc;

use crate::support::wechat_pay::{APP_ID, Answer, Fake, MCH_ID, PAYMENT_ID};
use datacard::clock::ManualClock;
use datacard::payments::wechat_pay::WechatPayProvider;
use datacard::payments::{
    CreateRequest, NextAction, Payer, Provider, ProviderError, ProviderStatus,
};

fn cny(amount: i64) -> Money {
    Money::new(amount, Currency::parse("CNY").unwrap())
}

fn request(amount: Money) -> CreateRequest {
    CreateRequest {
        payment_id: PAYMENT_ID.into(),
        amount,
        method: datacard::payments::Method::WechatPay,
        description: "eSIM 10GB 30d".into(),
        return_url: "https://shop.example.com/orders/ord_1".into(),
        expires_at: chrono::DateTime::from_timestamp(crate::support::wechat_pay::NOW + 15 * 60, 0)
            .unwrap(),
        payer: Default::default(),
    }
}

fn unavailable<T: std::fmt::Debug>(result: Result<T, ProviderError>) -> String {
    match result {
        Err(ProviderError::Unavailable(why)) => why,
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

fn code_url() -> Value {
    json!({"code_url": "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"})
}

#[tokio::test]
async fn mainland_native_pay_gives_the_code_url_for_a_signed_order() {
    let fake = Fake::start().await;
    fake.signed(200, code_url());
    let created = fake
        .provider("mainland")
        .create(&request(cny(8800)))
        .await
        .unwrap();
    assert_eq!(
        created.next_action,
        NextAction::Qr {
            data: "weixin://wxpay/bizpayurl?pr=p4lpSuKzz".into(),
            url: "weixin://wxpay/bizpayurl?pr=p4lpSuKzz".into(),
        }
    );
    let call = fake.last_call();
    assert_eq!(
        (call.method.as_str(), call.path.as_str()),
        ("POST", "/v3/pay/transactions/native")
    );
    assert_eq!(
        call.body,
        json!({
            "appid": APP_ID, "mchid": MCH_ID, "description": "eSIM 10GB 30d",
            "out_trade_no": PAYMENT_ID, "time_expire": "2026-11-25T18:01:40+08:00",
            "notify_url": "https://shop.example.com/api/v1/webhooks/wechat_pay",
            "amount": {"total": 8800, "currency": "CNY"},
        })
    );
    // The mainland surface takes CNY only: nothing is sent for HKD.
    unavailable(
        fake.provider("mainland")
            .create(&request(Money::new(8800, Currency::HKD)))
            .await,
    );
    assert_eq!(fake.calls().len(), 1);
}

#[tokio::test]
async fn the_hong_kong_surface_uses_the_global_paths() {
    let fake = Fake::start().await;
    let provider = fake.provider("hongkong");
    fake.signed(200, code_url());
    provider
        .create(&request(Money::new(8800, Currency::HKD)))
        .await
        .unwrap();
    let call = fake.last_call();
    assert_eq!(call.path, "/v3/global/transactions/native");
    assert_eq!(call.body["trade_type"], "NATIVE");
    assert_eq!(call.body["merchant_category_code"], "4814");
    assert_eq!(
        call.body["amount"],
        json!({"total": 8800, "currency": "HKD"})
    );

    fake.signed(200, json!({"mchid": MCH_ID, "appid": APP_ID, "out_trade_no": PAYMENT_ID, "trade_state": "SUCCESS", "amount": {"total": 8800, "currency": "HKD", "payer_total": 7960, "payer_currency": "CNY"}}));
    let observed = provider.query(PAYMENT_ID).await.unwrap();
    assert_eq!(observed.status, ProviderStatus::Succeeded);
    assert_eq!(observed.amount, Some(Money::new(8800, Currency::HKD)));
    assert_eq!(
        fake.last_call().path,
        format!("/v3/global/transactions/out-trade-no/{PAYMENT_ID}?mchid={MCH_ID}")
    );

    fake.answer(Answer::Plain(StatusCode::NO_CONTENT, String::new()));
    provider.close(PAYMENT_ID).await.unwrap();
    assert_eq!(
        fake.last_call().path,
        format!("/v3/global/transactions/out-trade-no/{PAYMENT_ID}/close")
    );

    fake.signed(
        200,
        json!({"refund_id": "50000000", "out_refund_no": "rf_1", "status": "PROCESSING"}),
    );
    provider
        .refund(PAYMENT_ID, Money::new(8800, Currency::HKD), "rf_1")
        .await
        .unwrap();
    let call = fake.last_call();
    assert_eq!(call.path, "/v3/global/refunds");
    assert_eq!(call.body["mchid"], MCH_ID);
    assert_eq!(call.body["appid"], APP_ID);
    assert_eq!(
        call.body["amount"],
        json!({"refund": 8800, "total": 8800, "currency": "HKD"})
    );
}

#[tokio::test]
async fn query_maps_the_trade_states_and_keeps_no_payer_ids() {
    let fake = Fake::start().await;
    let provider = fake.provider("mainland");
    for (state, expected) in [
        ("SUCCESS", ProviderStatus::Succeeded),
        ("NOTPAY", ProviderStatus::Pending),
        ("USERPAYING", ProviderStatus::Pending),
        ("ACCEPT", ProviderStatus::Pending),
        ("PAYERROR", ProviderStatus::Failed),
        ("CLOSED", ProviderStatus::Closed),
        ("REVOKED", ProviderStatus::Closed),
        ("REFUND", ProviderStatus::Refunded),
    ] {
        fake.signed(200, json!({"mchid": MCH_ID, "appid": APP_ID, "out_trade_no": PAYMENT_ID, "trade_state": state, "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}, "amount": {"total": 8800, "currency": "CNY"}}));
        let observed = provider.query(PAYMENT_ID).await.unwrap();
        assert_eq!(observed.status, expected, "{state}");
        assert_eq!(observed.amount, Some(cny(8800)));
        assert!(!observed.raw.contains("oUpF8u"), "{}", observed.raw);
    }
    let call = fake.last_call();
    assert_eq!(
        (call.method.as_str(), call.path.as_str()),
        (
            "GET",
            "/v3/pay/transactions/out-trade-no/pay_01JTEST0000000000000000000?mchid=1900000109"
        )
    );
    // Never reached WeChat Pay: nothing to pay, no amount.
    fake.answer(Answer::Plain(
        StatusCode::NOT_FOUND,
        r#"{"code":"ORDER_NOT_EXIST","message":"订单不存在"}"#.into(),
    ));
    let observed = provider.query(PAYMENT_ID).await.unwrap();
    assert_eq!(
        (observed.status, observed.amount),
        (ProviderStatus::Pending, None)
    );
    fake.signed(200, json!({"mchid": MCH_ID, "appid": APP_ID, "out_trade_no": PAYMENT_ID, "trade_state": "LOST"}));
    unavailable(provider.query(PAYMENT_ID).await);
    fake.signed(200, json!({"mchid": MCH_ID, "appid": APP_ID, "out_trade_no": "pay_other", "trade_state": "SUCCESS"}));
    unavailable(provider.query(PAYMENT_ID).await);
    fake.answer(Answer::Stale(json!({"mchid": MCH_ID, "appid": APP_ID, "out_trade_no": PAYMENT_ID, "trade_state": "SUCCESS"}).to_string()));
    unavailable(provider.query(PAYMENT_ID).await);
}

#[tokio::test]
async fn every_failure_mid_create_is_unavailable() {
    let fake = Fake::start().await;
    let provider = fake.provider("mainland");
    let order = request(cny(8800));
    let create = || provider.create(&order);
    let body = code_url().to_string();
    fake.answer(Answer::Plain(
        StatusCode::INTERNAL_SERVER_ERROR,
        r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#.into(),
    ));
    assert!(unavailable(create().await).contains("HTTP 500 SYSTEM_ERROR"));
    fake.answer(Answer::Slow(Duration::from_secs(3)));
    assert!(unavailable(create().await).contains("timed out"));
    fake.answer(Answer::Plain(StatusCode::OK, body.clone()));
    assert!(unavailable(create().await).contains("signature headers missing"));
    fake.answer(Answer::Stale(body.clone()));
    assert!(unavailable(create().await).contains("timestamp outside tolerance"));
    fake.answer(Answer::UnknownSerial(body.clone()));
    assert!(unavailable(create().await).contains("unknown platform serial"));
    fake.answer(Answer::SignedByAnother(body));
    assert!(unavailable(create().await).contains("signature mismatch"));
    fake.answer(Answer::Plain(
        StatusCode::BAD_REQUEST,
        r#"{"code":"PARAM_ERROR","message":"参数错误"}"#.into(),
    ));
    assert!(unavailable(create().await).contains("PARAM_ERROR"));
    fake.signed(
        200,
        json!({"prepay_id": "wx201410272009395522657a690389285100"}),
    );
    assert!(unavailable(create().await).contains("no code_url"));
}

#[tokio::test]
async fn close_tolerates_an_order_already_final() {
    let fake = Fake::start().await;
    let provider = fake.provider("mainland");
    fake.answer(Answer::Plain(StatusCode::NO_CONTENT, String::new()));
    provider.close(PAYMENT_ID).await.unwrap();
    let call = fake.last_call();
    assert_eq!(
        call.path,
        format!("/v3/pay/transactions/out-trade-no/{PAYMENT_ID}/close")
    );
    assert_eq!(call.body, json!({"mchid": MCH_ID}));
    fake.answer(Answer::Plain(
        StatusCode::BAD_REQUEST,
        r#"{"code":"ORDERPAID","message":"订单已支付"}"#.into(),
    ));
    provider.close(PAYMENT_ID).await.unwrap();
    fake.answer(Answer::Plain(
        StatusCode::INTERNAL_SERVER_ERROR,
        r#"{"code":"SYSTEM_ERROR"}"#.into(),
    ));
    unavailable(provider.close(PAYMENT_ID).await);
    fake.answer(Answer::Slow(Duration::from_secs(3)));
    unavailable(provider.close(PAYMENT_ID).await);
}

#[tokio::test]
async fn refund_sends_the_whole_amount_and_our_refund_id() {
    let fake = Fake::start().await;
    let provider = fake.provider("mainland");
    fake.signed(
        200,
        json!({"refund_id": "50000000", "out_refund_no": "rf_1", "status": "SUCCESS"}),
    );
    provider
        .refund(PAYMENT_ID, cny(8800), "rf_1")
        .await
        .unwrap();
    let call = fake.last_call();
    assert_eq!(call.path, "/v3/refund/domestic/refunds");
    assert_eq!(
        call.body,
        json!({"out_trade_no": PAYMENT_ID, "out_refund_no": "rf_1", "amount": {"refund": 8800, "total": 8800, "currency": "CNY"}})
    );
    fake.signed(200, json!({"status": "ABNORMAL"}));
    assert!(unavailable(provider.refund(PAYMENT_ID, cny(8800), "rf_1").await).contains("ABNORMAL"));
    fake.answer(Answer::Plain(
        StatusCode::FORBIDDEN,
        r#"{"code":"NOT_ENOUGH","message":"余额不足"}"#.into(),
    ));
    unavailable(provider.refund(PAYMENT_ID, cny(8800), "rf_1").await);
}

#[tokio::test]
async fn h5_pay_redirects_to_the_h5_url() {
    let fake = Fake::start().await;
    fake.signed(
        200,
        json!({"h5_url": "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1"}),
    );
    let created = fake
        .provider("mainland")
        .create_h5(&request(cny(8800)), "203.0.113.7")
        .await
        .unwrap();
    assert_eq!(
        created.next_action,
        NextAction::Redirect {
            url: "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1".into()
        }
    );
    let call = fake.last_call();
    assert_eq!(call.path, "/v3/pay/transactions/h5");
    assert_eq!(call.body["scene_info"]["payer_client_ip"], "203.0.113.7");
}

#[tokio::test]
async fn with_h5_on_phones_go_to_h5_pay_and_others_get_the_qr_code() {
    let fake = Fake::start().await;
    let mut config = fake.config("mainland");
    config.h5 = true;
    let provider = WechatPayProvider::from_config(
        &config,
        "https://shop.example.com/api/v1/webhooks/wechat_pay".into(),
        Arc::new(ManualClock::new(
            chrono::DateTime::from_timestamp(crate::support::wechat_pay::NOW, 0).unwrap(),
        )),
    )
    .unwrap();
    let android = "Mozilla/5.0 (Linux; Android 15; Pixel 9) Chrome/156.0 Mobile Safari/537.36";
    fake.signed(
        200,
        json!({"h5_url": "https://wx.tenpay.com/checkmweb?prepay_id=wx2"}),
    );
    let phone = CreateRequest {
        payer: Payer::from_user_agent(Some("198.51.100.4".into()), android),
        ..request(cny(8800))
    };
    let created = provider.create(&phone).await.unwrap();
    assert!(matches!(created.next_action, NextAction::Redirect { .. }));
    let call = fake.last_call();
    assert_eq!(call.path, "/v3/pay/transactions/h5");
    assert_eq!(call.body["scene_info"]["payer_client_ip"], "198.51.100.4");
    assert_eq!(call.body["time_expire"], "2026-11-25T18:01:40+08:00");

    // Without the payer's address H5 pay cannot be asked for: the QR code it is.
    fake.signed(
        200,
        json!({"code_url": "weixin://wxpay/bizpayurl?pr=h5less"}),
    );
    let no_address = CreateRequest {
        payer: Payer::from_user_agent(None, android),
        ..request(cny(8800))
    };
    let created = provider.create(&no_address).await.unwrap();
    assert!(matches!(created.next_action, NextAction::Qr { .. }));
    assert_eq!(fake.last_call().path, "/v3/pay/transactions/native");
}

#[tokio::test]
async fn the_configuration_must_name_working_keys_and_a_surface_for_the_currency() {
    let fake = Fake::start().await;
    let mut config = datacard::config::Config::default();
    // Only WeChat Pay is looked at: the other methods are off.
    config.payments.card.enabled = false;
    config.payments.alipay.enabled = false;
    config.payments.wechat_pay.provider = datacard::payments::ProviderName::WechatPay;
    assert!(
        datacard::payments::check_config(&config).is_err(),
        "no keys yet"
    );
    // Prices are in HKD by default: the mainland surface cannot take them.
    config.payments.providers.wechat_pay = fake.config("mainland");
    let error = datacard::payments::check_config(&config).unwrap_err();
    assert!(format!("{error:#}").contains("CNY"), "{error:#}");
    config.payments.providers.wechat_pay = fake.config("hongkong");
    datacard::payments::check_config(&config).unwrap();
    config.locale.currency = Currency::parse("CNY").unwrap();
    config.payments.providers.wechat_pay = fake.config("mainland");
    datacard::payments::check_config(&config).unwrap();
    config.payments.providers.wechat_pay.api_v3_key = datacard::config::Secret::new("too short");
    assert!(datacard::payments::check_config(&config).is_err());
    config.payments.providers.wechat_pay = fake.config("mainland");
    config
        .payments
        .providers
        .wechat_pay
        .platform_public_keys
        .clear();
    assert!(datacard::payments::check_config(&config).is_err());
    config.payments.providers.wechat_pay = fake.config("macau");
    assert!(datacard::payments::check_config(&config).is_err());
    let shown = format!("{:?}", fake.config("mainland"));
    assert!(
        !shown.contains("PRIVATE KEY") && !shown.contains("0123456789abcdef"),
        "{shown}"
    );
}
