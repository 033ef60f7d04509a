//! Alipay RSA2 against Alipay's own SDKs, both ways (scripts/alipay/make_vectors.py):
//! what alipay-sdk-python and npm alipay-sdk signed verifies with our code and signs
//! to the same bytes with our code; what our code signs is written to
//! `our_vectors.json`, which the SDKs check (`make_vectors.py --check`, run here when
//! scripts/test has installed them).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::http::HeaderMap;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};

use datacard::clock::ManualClock;
use datacard::config::{AlipayConfig, Secret};
use datacard::money::{Currency, Money};
use datacard::payments::alipay::gateway::Gateway;
use datacard::payments::alipay::sign::{
    Params, notification_is_signed, sign_content, sign_notification, sign_request, signed_answer,
    verified_response,
};
use datacard::payments::alipay::{AlipayProvider, Product, notify::form_params};
use datacard::payments::rsa::{SigningKey, VerifyingKey};
use datacard::payments::{CreateRequest, NextAction, Provider, ProviderError, ProviderStatus};

const PAYMENT_ID: &str = "pay_01JTEST0000000000000000000";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/alipay")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}

fn key(name: &str) -> String {
    fixture(&format!("test_only_{name}.pem"))
}

fn sdk() -> Value {
    serde_json::from_str(&fixture("sdk_vectors.json")).unwrap()
}

fn params_of(value: &Value) -> Params {
    value
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

/// 10:00 in Beijing, the SDK vectors' timestamp.
fn vector_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap()
}

fn config() -> AlipayConfig {
    AlipayConfig {
        gateway: "https://openapi.alipay.com/gateway.do".into(),
        app_id: "2021000000000000".into(),
        seller_id: "2088000000000002".into(),
        app_private_key: Secret::new(key("app_private_key")),
        alipay_public_key: key("alipay_public_key"),
        timeout_secs: 5,
        ..AlipayConfig::default()
    }
}

fn provider(product: Product) -> AlipayProvider {
    AlipayProvider::from_config(
        &config(),
        "https://shop.example.com/api/v1/webhooks/alipay".into(),
        Arc::new(ManualClock::new(vector_time())),
    )
    .unwrap()
    .with_product(product)
}

fn app_key() -> SigningKey {
    SigningKey::from_pem(&key("app_private_key")).unwrap()
}

fn alipay_key() -> SigningKey {
    SigningKey::from_pem(&key("alipay_private_key")).unwrap()
}

fn alipay_public() -> VerifyingKey {
    VerifyingKey::from_pem(&key("alipay_public_key")).unwrap()
}

#[test]
fn the_sdks_request_signatures_verify_and_ours_are_the_same_bytes() {
    let app_public = VerifyingKey::from_pem(&key("app_public_key")).unwrap();
    let vectors = sdk();
    for request in vectors["requests"].as_array().unwrap() {
        let name = request["name"].as_str().unwrap();
        let mut params = params_of(&request["params"]);
        let content = sign_content(&params);
        assert_eq!(content, request["sign_content"].as_str().unwrap(), "{name}");
        let sdk_sign = request["sign"].as_str().unwrap();
        assert!(
            app_public.verify_base64(content.as_bytes(), sdk_sign),
            "{name}"
        );
        sign_request(&mut params, &app_key()).unwrap();
        assert_eq!(params["sign"], sdk_sign, "{name}");
        // One character more and it no longer verifies.
        let tampered = content.replace("88.00", "88.01");
        if tampered != content {
            assert!(
                !app_public.verify_base64(tampered.as_bytes(), sdk_sign),
                "{name}"
            );
        }
    }
}

#[test]
fn private_keys_load_as_pkcs1_pkcs8_or_bare_base64_and_sign_alike() {
    let message = b"app_id=2021000000000000&method=alipay.trade.query";
    let pkcs1 = app_key().sign_base64(message).unwrap();
    let pkcs8 = SigningKey::from_pem(&key("app_private_key_pkcs8")).unwrap();
    assert_eq!(pkcs8.sign_base64(message).unwrap(), pkcs1);
    let bare: String = key("app_private_key_pkcs8")
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let bare = SigningKey::from_pem(&bare).unwrap();
    assert_eq!(bare.sign_base64(message).unwrap(), pkcs1);
    assert!(SigningKey::from_pem(&key("app_public_key")).is_err());
    assert!(SigningKey::from_pem("not a key").is_err());
    assert!(VerifyingKey::from_pem(&key("app_private_key")).is_err());
    // Debug never shows key material.
    assert_eq!(format!("{:?}", app_key()), "SigningKey([redacted])");
}

fn query_of(url: &str) -> BTreeMap<String, String> {
    let (_, query) = url.split_once('?').unwrap();
    serde_urlencoded::from_str(query).unwrap()
}

#[tokio::test]
async fn our_page_pay_redirect_carries_what_the_sdk_sends() {
    let request = CreateRequest {
        payment_id: PAYMENT_ID.into(),
        amount: Money::new(8800, Currency::parse("CNY").unwrap()),
        method: datacard::payments::Method::Alipay,
        description: "eSIM 10GB 30d".into(),
        return_url: "https://shop.example.com/orders/ord_01JTEST0000000000000000000".into(),
        expires_at: vector_time() + chrono::Duration::minutes(30),
        payer: Default::default(),
    };
    let created = provider(Product::Page).create(&request).await.unwrap();
    let NextAction::Redirect { url } = created.next_action else {
        panic!("page pay redirects");
    };
    assert!(url.starts_with("https://openapi.alipay.com/gateway.do?"));
    let ours = query_of(&url);
    let theirs = query_of(sdk()["page_pay_url"].as_str().unwrap());
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    for (name, value) in &theirs {
        match name.as_str() {
            // The SDK writes `json`, the documentation `JSON`; Alipay takes both.
            "format" => assert!(ours[name].eq_ignore_ascii_case(value)),
            "sign" => {}
            _ => assert_eq!(&ours[name], value, "{name}"),
        }
    }
    let app_public = VerifyingKey::from_pem(&key("app_public_key")).unwrap();
    assert!(app_public.verify_base64(sign_content(&ours).as_bytes(), &ours["sign"]));
    assert!(app_public.verify_base64(sign_content(&theirs).as_bytes(), &theirs["sign"]));
}

#[test]
fn the_sdks_notifications_verify_with_ours_and_business_checks_hold() {
    let adapter = provider(Product::Qr);
    let cny = Currency::parse("CNY").unwrap();
    for note in sdk()["notifications"].as_array().unwrap() {
        let name = note["name"].as_str().unwrap();
        let body = note["body"].as_str().unwrap().as_bytes();
        let signed = notification_is_signed(&form_params(body).unwrap(), &alipay_public());
        for verdict in [
            "python_sdk_verifies",
            "npm_check_notify_sign",
            "npm_check_notify_sign_v2",
        ] {
            assert_eq!(note[verdict].as_bool(), Some(signed), "{name}: {verdict}");
        }
        let result = adapter.verify_notification(&HeaderMap::new(), body, vector_time());
        let refused = |why: &str| matches!(&result, Err(ProviderError::Refused(w)) if *w == why);
        match name {
            "trade_success" | "trade_finished" | "wait_buyer_pay" | "trade_closed" => {
                let notification = result.unwrap();
                assert_eq!(notification.payment_id, PAYMENT_ID);
                assert_eq!(notification.observation.amount, Some(Money::new(8800, cny)));
                let expected = match name {
                    "wait_buyer_pay" => ProviderStatus::Pending,
                    "trade_closed" => ProviderStatus::Closed,
                    _ => ProviderStatus::Succeeded,
                };
                assert_eq!(notification.observation.status, expected, "{name}");
            }
            "tampered_amount" => assert!(refused("signature mismatch"), "{name}: {result:?}"),
            "other_app" => assert!(refused("notification for another app"), "{name}"),
            "other_seller" => assert!(refused("notification for another merchant"), "{name}"),
            // Signed and ours, but not our amount: `apply` refuses it against the order.
            "other_amount" => assert_eq!(
                result.unwrap().observation.amount,
                Some(Money::new(880, cny))
            ),
            other => panic!("no expectation for {other}"),
        }
    }
}

#[test]
fn malformed_notifications_are_refused() {
    let adapter = provider(Product::Qr);
    let good = sdk()["notifications"][0]["body"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = |body: &[u8]| {
        matches!(
            adapter.verify_notification(&HeaderMap::new(), body, vector_time()),
            Err(ProviderError::Refused(_))
        )
    };
    assert!(!refused(good.as_bytes()));
    assert!(refused(&good.as_bytes()[..good.len() / 2]), "truncated");
    assert!(refused(b""), "empty");
    assert!(refused(b"{\"trade_status\":\"TRADE_SUCCESS\"}"), "JSON");
    assert!(refused(&[0xff, 0xfe, 0x00]), "binary");
    assert!(
        refused(format!("{good}&total_amount=88.00").as_bytes()),
        "repeated field"
    );
    assert!(
        refused(good.replace("sign_type=RSA2", "sign_type=RSA").as_bytes()),
        "RSA1"
    );
    let unsigned: Vec<&str> = good
        .split('&')
        .filter(|p| !p.starts_with("sign="))
        .collect();
    assert!(refused(unsigned.join("&").as_bytes()), "unsigned");
}

#[test]
fn the_sdks_answers_verify_with_ours() {
    for answer in sdk()["answers"].as_array().unwrap() {
        let name = answer["name"].as_str().unwrap();
        let ours = verified_response(
            answer["body"].as_str().unwrap(),
            answer["method"].as_str().unwrap(),
            &alipay_public(),
        )
        .is_ok();
        assert_eq!(answer["python_sdk_accepts"].as_bool(), Some(ours), "{name}");
        assert_eq!(
            answer["npm_check_response_sign"].as_bool(),
            Some(ours),
            "{name}"
        );
        assert_eq!(ours, name != "query_tampered_amount", "{name}");
    }
}

/// What our code signs, for the SDKs to check.
fn our_vectors() -> Value {
    let vectors = sdk();
    let gateway = Gateway {
        url: "https://openapi.alipay.com/gateway.do".into(),
        app_id: "2021000000000000".into(),
        app_key: app_key(),
        alipay_key: alipay_public(),
        timeout: std::time::Duration::from_secs(5),
        client: reqwest::Client::new(),
    };
    let mut requests = Vec::new();
    for (method, biz, extra) in [
        (
            "alipay.trade.precreate",
            json!({"out_trade_no": PAYMENT_ID, "subject": "eSIM 10GB 30d", "total_amount": "88.00", "time_expire": "2026-11-25 10:30:00"}),
            vec![(
                "notify_url",
                "https://shop.example.com/api/v1/webhooks/alipay",
            )],
        ),
        (
            "alipay.trade.refund",
            json!({"out_trade_no": PAYMENT_ID, "out_request_no": "rf_1", "refund_amount": "88.00", "refund_reason": "數據卡 & eSIM=10GB 退款"}),
            vec![],
        ),
    ] {
        let params = gateway
            .signed_params(method, &biz, &extra, vector_time())
            .unwrap();
        let mut unsigned = params.clone();
        unsigned.remove("sign");
        requests.push(
            json!({"name": method, "params": params, "sign_content": sign_content(&unsigned)}),
        );
    }
    let mut notifications = Vec::new();
    for note in vectors["notifications"].as_array().unwrap() {
        let name = note["name"].as_str().unwrap();
        if name == "tampered_amount" {
            continue;
        }
        let mut params = form_params(note["body"].as_str().unwrap().as_bytes()).unwrap();
        params.remove("sign");
        sign_notification(&mut params, &alipay_key()).unwrap();
        // PKCS#1 v1.5 is deterministic: our signature is the SDK's.
        let sdk_params = form_params(note["body"].as_str().unwrap().as_bytes()).unwrap();
        assert_eq!(params["sign"], sdk_params["sign"], "{name}");
        let body = serde_urlencoded::to_string(&params).unwrap();
        notifications.push(json!({"name": name, "body": body, "expect_valid": true}));
        if name == "trade_success" {
            params.insert("total_amount".into(), "8.80".into());
            let body = serde_urlencoded::to_string(&params).unwrap();
            notifications
                .push(json!({"name": "tampered_amount", "body": body, "expect_valid": false}));
        }
    }
    let mut answers = Vec::new();
    for answer in vectors["answers"].as_array().unwrap() {
        let name = answer["name"].as_str().unwrap();
        let method = answer["method"].as_str().unwrap();
        let body = answer["body"].as_str().unwrap();
        let document: Value = serde_json::from_str(body).unwrap();
        let content = document[format!("{}_response", method.replace('.', "_"))].to_string();
        let mut ours = signed_answer(method, &content, &alipay_key()).unwrap();
        let valid = name != "query_tampered_amount";
        if !valid {
            ours = ours.replace("\"total_amount\":\"8.80\"", "\"total_amount\":\"88.00\"");
        }
        assert_eq!(
            verified_response(&ours, method, &alipay_public()).is_ok(),
            valid
        );
        answers.push(json!({"name": name, "method": method, "body": ours, "expect_valid": valid}));
    }
    json!({
        "note": "Signed by our code (tests/suite/alipay/vectors.rs); scripts/alipay/make_vectors.py --check verifies it with Alipay's SDKs.",
        "requests": requests,
        "notifications": notifications,
        "answers": answers,
    })
}

#[test]
fn our_vectors_file_is_current() {
    let path = fixtures().join("our_vectors.json");
    let text = serde_json::to_string_pretty(&our_vectors()).unwrap() + "\n";
    if std::env::var_os("DATACARD_WRITE_VECTORS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{} is stale: DATACARD_WRITE_VECTORS=1 cargo test --test suite alipay::vectors, then scripts/alipay/make_vectors.py --check",
        path.display()
    );
}

/// Runs the SDKs over our vectors when scripts/test has installed them.
#[test]
fn the_sdks_accept_what_our_code_signs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // scripts/test sets the variable, and then the check must run.
    let required = std::env::var_os("DATACARD_TEST_ALIPAY_PYTHON");
    let python = required
        .clone()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/pyenv/alipay/bin/python"));
    let installed = python.exists() && root.join("scripts/alipay/node_modules/alipay-sdk").exists();
    if !installed {
        assert!(
            required.is_none(),
            "DATACARD_TEST_ALIPAY_PYTHON is set but the SDKs are not installed"
        );
        eprintln!("skipped: the SDKs are not installed (scripts/test installs them)");
        return;
    }
    let output = std::process::Command::new(python)
        .arg(root.join("scripts/alipay/make_vectors.py"))
        .arg("--check")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
