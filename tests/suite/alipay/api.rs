//! The Alipay adapter over the wire, against a small local gateway that checks our
//! request signatures and answers as Alipay does (signed with the test "Alipay" key),
//! or fails: HTTP 500, too slow, code 20000, unsigned, badly signed, cut short. Every
//! failure is `Unavailable`, so the attempt stays open for reconciliation.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::alipay::{Answer, Fake, PAYMENT_ID, key};
use datacard::money::{Currency, Money};
use std::sync::Arc;

use datacard::clock::ManualClock;
use datacard::payments::Payer;
use datacard::payments::alipay::sign::{Params, sign_content};
use datacard::payments::alipay::{AlipayProvider, Product};
use datacard::payments::rsa::VerifyingKey;
use datacard::payments::{CreateRequest, NextAction, Provider, ProviderError, ProviderStatus};

fn cny(amount: i64) -> Money {
    Money::new(amount, Currency::parse("CNY").unwrap())
}

fn request(amount: Money) -> CreateRequest {
    CreateRequest {
        payment_id: PAYMENT_ID.into(),
        amount,
        method: datacard::payments::Method::Alipay,
        description: "eSIM 10GB 30d".into(),
        return_url: "https://shop.example.com/orders/ord_1".into(),
        expires_at: "2026-11-25T02:30:00Z".parse().unwrap(),
        payer: Default::default(),
    }
}

fn unavailable<T: std::fmt::Debug>(result: Result<T, ProviderError>) -> String {
    match result {
        Err(ProviderError::Unavailable(why)) => why,
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

const PRECREATE: &str = r#"{"code":"10000","msg":"Success","out_trade_no":"pay_01JTEST0000000000000000000","qr_code":"https:\/\/qr.alipay.com\/bax08431ewgu4eqkgduq0088"}"#;

#[tokio::test]
async fn precreate_gives_the_qr_code_for_a_signed_call_with_our_amount() {
    let fake = Fake::start().await;
    fake.content(PRECREATE);
    let created = fake.provider().create(&request(cny(8800))).await.unwrap();
    assert_eq!(
        created.next_action,
        NextAction::Qr {
            data: "https://qr.alipay.com/bax08431ewgu4eqkgduq0088".into(),
            url: "https://qr.alipay.com/bax08431ewgu4eqkgduq0088".into(),
        }
    );
    assert_eq!(created.provider_ref, PAYMENT_ID);
    let (params, biz) = fake.last_call();
    assert_eq!(params["method"], "alipay.trade.precreate");
    assert_eq!(params["timestamp"], "2026-11-25 10:00:00");
    assert_eq!(
        params["notify_url"],
        "https://shop.example.com/api/v1/webhooks/alipay"
    );
    assert_eq!(biz["out_trade_no"], PAYMENT_ID);
    assert_eq!(biz["total_amount"], "88.00");
    assert_eq!(biz["time_expire"], "2026-11-25 10:30:00");
    assert!(biz.get("trans_currency").is_none());
}

#[tokio::test]
async fn a_price_in_another_currency_goes_as_trans_currency_and_comes_back_so() {
    let fake = Fake::start().await;
    fake.content(PRECREATE);
    fake.provider()
        .create(&request(Money::new(12_345, Currency::HKD)))
        .await
        .unwrap();
    let (_, biz) = fake.last_call();
    assert_eq!(biz["total_amount"], "123.45");
    assert_eq!(biz["trans_currency"], "HKD");
    fake.content(r#"{"code":"10000","msg":"Success","out_trade_no":"pay_01JTEST0000000000000000000","total_amount":"123.45","trans_currency":"HKD","trade_status":"TRADE_SUCCESS"}"#);
    let observed = fake.provider().query(PAYMENT_ID).await.unwrap();
    assert_eq!(observed.amount, Some(Money::new(12_345, Currency::HKD)));
}

#[tokio::test]
async fn query_maps_the_trade_states() {
    let fake = Fake::start().await;
    for (state, expected) in [
        ("WAIT_BUYER_PAY", ProviderStatus::Pending),
        ("TRADE_SUCCESS", ProviderStatus::Succeeded),
        ("TRADE_FINISHED", ProviderStatus::Succeeded),
        ("TRADE_CLOSED", ProviderStatus::Closed),
    ] {
        fake.content(&format!(r#"{{"code":"10000","msg":"Success","out_trade_no":"{PAYMENT_ID}","total_amount":"88.00","trade_status":"{state}"}}"#));
        let observed = fake.provider().query(PAYMENT_ID).await.unwrap();
        assert_eq!(observed.status, expected, "{state}");
        assert_eq!(observed.amount, Some(cny(8800)));
        assert!(observed.raw.contains(state));
    }
    let (params, biz) = fake.last_call();
    assert_eq!(params["method"], "alipay.trade.query");
    assert_eq!(biz["out_trade_no"], PAYMENT_ID);
    // Not scanned yet: still payable, no amount.
    fake.content(r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}"#);
    let observed = fake.provider().query(PAYMENT_ID).await.unwrap();
    assert_eq!(
        (observed.status, observed.amount),
        (ProviderStatus::Pending, None)
    );
    // An unknown state or an answer about another trade is not guessed at.
    fake.content(r#"{"code":"10000","msg":"Success","out_trade_no":"pay_01JTEST0000000000000000000","total_amount":"88.00","trade_status":"TRADE_PENDING"}"#);
    unavailable(fake.provider().query(PAYMENT_ID).await);
    fake.content(r#"{"code":"10000","msg":"Success","out_trade_no":"pay_other","total_amount":"88.00","trade_status":"TRADE_SUCCESS"}"#);
    unavailable(fake.provider().query(PAYMENT_ID).await);
    fake.content(r#"{"code":"10000","msg":"Success","out_trade_no":"pay_01JTEST0000000000000000000","total_amount":"88.0.0","trade_status":"TRADE_SUCCESS"}"#);
    unavailable(fake.provider().query(PAYMENT_ID).await);
}

#[tokio::test]
async fn every_failure_mid_create_is_unavailable() {
    let fake = Fake::start().await;
    let provider = fake.provider();
    let order = request(cny(8800));
    let create = || provider.create(&order);
    fake.answer(Answer::Status(StatusCode::INTERNAL_SERVER_ERROR));
    assert!(unavailable(create().await).contains("HTTP 500"));
    fake.answer(Answer::Slow(Duration::from_secs(3)));
    assert!(unavailable(create().await).contains("timed out"));
    fake.content(r#"{"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error","sub_msg":"系统繁忙"}"#);
    assert!(unavailable(create().await).contains("20000"));
    fake.answer(Answer::Unsigned(PRECREATE.into()));
    assert!(unavailable(create().await).contains("not signed"));
    fake.answer(Answer::SignedByAnother(PRECREATE.into()));
    assert!(unavailable(create().await).contains("signature mismatch"));
    fake.answer(Answer::CutShort(PRECREATE.into()));
    assert!(unavailable(create().await).contains("not the expected JSON"));
    fake.content(r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TOTAL_FEE_EXCEED","sub_msg":"订单金额超过限额"}"#);
    assert!(unavailable(create().await).contains("ACQ.TOTAL_FEE_EXCEED"));
    fake.content(
        r#"{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature"}"#,
    );
    assert!(unavailable(create().await).contains("40002"));
    // Nothing is sent for an amount that cannot be paid.
    unavailable(provider.create(&request(cny(0))).await);
    // And a gateway that is not there at all.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/gateway.do", listener.local_addr().unwrap());
        drop(listener);
        url
    };
    let mut config_fake = Fake::start().await;
    config_fake.url = closed;
    assert!(
        unavailable(config_fake.provider().create(&request(cny(8800))).await)
            .contains("did not answer")
    );
}

#[tokio::test]
async fn page_and_wap_pay_redirect_without_calling_the_gateway() {
    let fake = Fake::start().await;
    for (product, method, code) in [
        (
            Product::Page,
            "alipay.trade.page.pay",
            "FAST_INSTANT_TRADE_PAY",
        ),
        (Product::Wap, "alipay.trade.wap.pay", "QUICK_WAP_WAY"),
    ] {
        let created = fake
            .provider()
            .with_product(product)
            .create(&request(cny(8800)))
            .await
            .unwrap();
        let NextAction::Redirect { url } = created.next_action else {
            panic!("redirect");
        };
        let (base, query) = url.split_once('?').unwrap();
        assert_eq!(base, fake.url);
        let params: Params = serde_urlencoded::from_str(query).unwrap();
        assert_eq!(params["method"], method);
        assert_eq!(
            params["return_url"],
            "https://shop.example.com/orders/ord_1"
        );
        let biz: Value = serde_json::from_str(&params["biz_content"]).unwrap();
        assert_eq!(biz["product_code"], code);
        let app = VerifyingKey::from_pem(&key("app_public_key")).unwrap();
        assert!(app.verify_base64(sign_content(&params).as_bytes(), &params["sign"]));
    }
    assert!(fake.gateway.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn auto_sends_phones_to_the_mobile_cashier_and_others_to_the_qr_code() {
    let fake = Fake::start().await;
    fake.content(PRECREATE);
    let mut config = fake.config();
    config.product = "auto".into();
    let provider = AlipayProvider::from_config(
        &config,
        "https://shop.example.com/api/v1/webhooks/alipay".into(),
        Arc::new(ManualClock::new("2026-11-25T02:00:00Z".parse().unwrap())),
    )
    .unwrap();
    let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148";
    let phone = CreateRequest {
        payer: Payer::from_user_agent(Some("203.0.113.7".into()), iphone),
        ..request(cny(8800))
    };
    let NextAction::Redirect { url } = provider.create(&phone).await.unwrap().next_action else {
        panic!("a phone is redirected to the mobile cashier");
    };
    let params: Params = serde_urlencoded::from_str(url.split_once('?').unwrap().1).unwrap();
    assert_eq!(params["method"], "alipay.trade.wap.pay");
    assert!(fake.gateway.calls.lock().unwrap().is_empty());

    let desktop = CreateRequest {
        payer: Payer::from_user_agent(None, "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0"),
        ..request(cny(8800))
    };
    let created = provider.create(&desktop).await.unwrap();
    assert!(matches!(created.next_action, NextAction::Qr { .. }));
    assert_eq!(fake.last_call().0["method"], "alipay.trade.precreate");

    config.product = "bank_transfer".into();
    let refused = AlipayProvider::from_config(
        &config,
        String::new(),
        Arc::new(ManualClock::new("2026-11-25T02:00:00Z".parse().unwrap())),
    );
    assert!(refused.is_err(), "an unknown product is refused");
}

#[tokio::test]
async fn the_order_expiry_is_the_time_alipay_stops_taking_the_payment() {
    let fake = Fake::start().await;
    fake.content(PRECREATE);
    let fifteen = CreateRequest {
        expires_at: "2026-11-25T02:15:00Z".parse().unwrap(),
        ..request(cny(8800))
    };
    fake.provider().create(&fifteen).await.unwrap();
    let (_, biz) = fake.last_call();
    assert_eq!(biz["time_expire"], "2026-11-25 10:15:00", "Beijing time");
}

#[tokio::test]
async fn close_tolerates_a_trade_that_is_not_there_or_already_final() {
    let fake = Fake::start().await;
    let provider = fake.provider();
    fake.content(
        r#"{"code":"10000","msg":"Success","out_trade_no":"pay_01JTEST0000000000000000000"}"#,
    );
    provider.close(PAYMENT_ID).await.unwrap();
    assert_eq!(fake.last_call().0["method"], "alipay.trade.close");
    for sub_code in ["ACQ.TRADE_NOT_EXIST", "ACQ.TRADE_STATUS_ERROR"] {
        fake.content(&format!(
            r#"{{"code":"40004","msg":"Business Failed","sub_code":"{sub_code}"}}"#
        ));
        provider.close(PAYMENT_ID).await.unwrap();
    }
    fake.content(r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.SYSTEM_ERROR"}"#);
    unavailable(provider.close(PAYMENT_ID).await);
    fake.answer(Answer::Status(StatusCode::BAD_GATEWAY));
    unavailable(provider.close(PAYMENT_ID).await);
}

#[tokio::test]
async fn refund_sends_the_exact_amount_and_our_refund_id() {
    let fake = Fake::start().await;
    let provider = fake.provider();
    fake.content(r#"{"code":"10000","msg":"Success","fund_change":"Y","out_trade_no":"pay_01JTEST0000000000000000000","refund_fee":"88.00"}"#);
    provider
        .refund(PAYMENT_ID, cny(8800), "rf_pay_01JTEST0000000000000000000")
        .await
        .unwrap();
    let (params, biz) = fake.last_call();
    assert_eq!(params["method"], "alipay.trade.refund");
    assert_eq!(biz["refund_amount"], "88.00");
    assert_eq!(biz["out_request_no"], "rf_pay_01JTEST0000000000000000000");
    fake.content(
        r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.SELLER_BALANCE_NOT_ENOUGH"}"#,
    );
    assert!(
        unavailable(provider.refund(PAYMENT_ID, cny(8800), "rf_1").await)
            .contains("SELLER_BALANCE_NOT_ENOUGH")
    );
    fake.answer(Answer::Slow(Duration::from_secs(3)));
    unavailable(provider.refund(PAYMENT_ID, cny(8800), "rf_1").await);
}

#[tokio::test]
async fn the_configuration_must_name_working_keys_before_alipay_serves() {
    let fake = Fake::start().await;
    let mut config = datacard::config::Config::default();
    // Only Alipay is looked at: the other methods are off.
    config.payments.card.enabled = false;
    config.payments.wechat_pay.enabled = false;
    config.payments.alipay.provider = datacard::payments::ProviderName::Alipay;
    assert!(
        datacard::payments::check_config(&config).is_err(),
        "no keys yet"
    );
    config.payments.providers.alipay = fake.config();
    datacard::payments::check_config(&config).unwrap();
    config.payments.providers.alipay.seller_id.clear();
    assert!(
        datacard::payments::check_config(&config).is_err(),
        "no seller id"
    );
    config.payments.providers.alipay = fake.config();
    config.payments.providers.alipay.alipay_public_key = key("app_private_key");
    let error = datacard::payments::check_config(&config).unwrap_err();
    assert!(
        format!("{error:#}").contains("alipay_public_key"),
        "{error:#}"
    );
    // The Alipay provider serves only the Alipay method.
    config.payments.providers.alipay = fake.config();
    config.payments.card.enabled = true;
    config.payments.card.provider = datacard::payments::ProviderName::Alipay;
    assert!(datacard::payments::check_config(&config).is_err());
    // Keys never show in the configuration's Debug.
    let shown = format!("{config:?}");
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
}
