//! WeChat Pay API v3 against the wechatpayv3 SDK, both ways
//! (scripts/wechat_pay/make_vectors.py): the SDK's `Authorization` headers are ours
//! byte for byte; what it signed and sealed verifies and opens with our code; what our
//! code signs and seals is written to `our_vectors.json`, which the SDK checks
//! (`make_vectors.py --check`, run here when scripts/test has installed it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use datacard::clock::ManualClock;
use datacard::config::{Secret, WechatPayConfig};
use datacard::money::{Currency, Money};
use datacard::payments::rsa::SigningKey;
use datacard::payments::wechat_pay::WechatPayProvider;
use datacard::payments::wechat_pay::aead::ApiV3Key;
use datacard::payments::wechat_pay::sign::{Merchant, authorization, platform_headers};
use datacard::payments::{Provider, ProviderError, ProviderStatus};

const PAYMENT_ID: &str = "pay_01JTEST0000000000000000000";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wechat_pay")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}

fn pem(name: &str) -> String {
    fixture(&format!("test_only_{name}.pem"))
}

fn sdk() -> Value {
    serde_json::from_str(&fixture("sdk_vectors.json")).unwrap()
}

fn text<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name].as_str().unwrap()
}

fn vector_time() -> DateTime<Utc> {
    DateTime::from_timestamp(sdk()["timestamp"].as_i64().unwrap(), 0).unwrap()
}

fn config() -> WechatPayConfig {
    let vectors = sdk();
    let mut keys = BTreeMap::new();
    keys.insert(
        text(&vectors, "public_key_id").to_owned(),
        pem("platform_public_key"),
    );
    keys.insert(
        text(&vectors, "certificate_serial").to_owned(),
        pem("platform_certificate"),
    );
    WechatPayConfig {
        api_base: "https://api.mch.weixin.qq.com".into(),
        surface: "mainland".into(),
        mch_id: text(&vectors, "mch_id").into(),
        app_id: text(&vectors, "app_id").into(),
        merchant_serial: text(&vectors, "merchant_serial").into(),
        merchant_private_key: Secret::new(pem("merchant_private_key")),
        api_v3_key: Secret::new(text(&vectors, "api_v3_key")),
        platform_public_keys: keys,
        timeout_secs: 5,
        ..WechatPayConfig::default()
    }
}

fn provider() -> WechatPayProvider {
    WechatPayProvider::from_config(
        &config(),
        "https://shop.example.com/api/v1/webhooks/wechat_pay".into(),
        Arc::new(ManualClock::new(vector_time())),
    )
    .unwrap()
}

fn headers_of(value: &Value) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in value.as_object().unwrap() {
        headers.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value.as_str().unwrap()).unwrap(),
        );
    }
    headers
}

fn merchant_key() -> SigningKey {
    SigningKey::from_pem(&pem("merchant_private_key")).unwrap()
}

fn platform_key() -> SigningKey {
    SigningKey::from_pem(&pem("platform_private_key")).unwrap()
}

fn our_authorization(vector: &Value) -> String {
    let vectors = sdk();
    let key = merchant_key();
    let merchant = Merchant {
        mch_id: text(&vectors, "mch_id"),
        serial: text(&vectors, "merchant_serial"),
        key: &key,
    };
    authorization(
        &merchant,
        text(vector, "method"),
        text(vector, "path"),
        vector["timestamp"].as_i64().unwrap(),
        text(vector, "nonce"),
        text(vector, "body"),
    )
    .unwrap()
}

#[test]
fn the_sdks_authorization_headers_are_ours_byte_for_byte() {
    for vector in sdk()["authorizations"].as_array().unwrap() {
        assert_eq!(
            our_authorization(vector),
            text(vector, "header"),
            "{}",
            text(vector, "name")
        );
    }
}

#[test]
fn the_sdks_notifications_verify_and_open_with_ours() {
    let adapter = provider();
    let now = vector_time();
    let cny = Currency::parse("CNY").unwrap();
    for note in sdk()["notifications"].as_array().unwrap() {
        let name = text(note, "name");
        let result = adapter.verify_notification(
            &headers_of(&note["headers"]),
            text(note, "body").as_bytes(),
            now,
        );
        // The SDK and we agree on what is signed and what opens.
        let sdk_accepts =
            note["sdk_signature_ok"] == json!(true) && !note["sdk_resource"].is_null();
        let refused = |why: &str| matches!(&result, Err(ProviderError::Refused(w)) if *w == why);
        let status = |expected| {
            let notification = result.as_ref().unwrap();
            assert_eq!(notification.observation.status, expected, "{name}");
            assert_eq!(notification.payment_id, PAYMENT_ID);
            assert_eq!(notification.event_id, format!("EV-{name}"));
            notification.observation.amount
        };
        match name {
            "success" | "success_certificate_serial" => {
                assert_eq!(
                    status(ProviderStatus::Succeeded),
                    Some(Money::new(8800, cny))
                )
            }
            "hongkong_hkd" => assert_eq!(
                status(ProviderStatus::Succeeded),
                Some(Money::new(8800, Currency::HKD))
            ),
            "notpay" => _ = status(ProviderStatus::Pending),
            "payerror" => _ = status(ProviderStatus::Failed),
            "closed" => _ = status(ProviderStatus::Closed),
            "refund" => _ = status(ProviderStatus::Refunded),
            "tampered_body" => assert!(refused("signature mismatch"), "{name}: {result:?}"),
            "tampered_ciphertext" | "wrong_api_v3_key" => {
                assert!(refused("decryption failed"), "{name}: {result:?}")
            }
            "other_merchant" => assert!(refused("notification for another merchant"), "{name}"),
            "other_app" => assert!(refused("notification for another app"), "{name}"),
            // Signed and ours, but not our amount: `apply` refuses it against the order.
            "other_amount" => assert_eq!(
                status(ProviderStatus::Succeeded),
                Some(Money::new(880, cny))
            ),
            other => panic!("no expectation for {other}"),
        }
        if !matches!(name, "other_merchant" | "other_app") {
            assert_eq!(result.is_ok(), sdk_accepts, "{name}");
        }
    }
}

#[test]
fn stale_unknown_unsigned_or_malformed_notifications_are_refused() {
    let adapter = provider();
    let note = &sdk()["notifications"][0];
    let body = text(note, "body").to_owned();
    let now = vector_time();
    let check = |headers: &HeaderMap, body: &[u8], now: DateTime<Utc>| match adapter
        .verify_notification(headers, body, now)
    {
        Ok(_) => "ok",
        Err(ProviderError::Refused(why)) => why,
        Err(ProviderError::Unavailable(_)) => "unavailable",
        Err(ProviderError::NotForUs(why)) => why,
    };
    let headers = headers_of(&note["headers"]);
    assert_eq!(check(&headers, body.as_bytes(), now), "ok");
    let seconds = chrono::Duration::seconds;
    assert_eq!(check(&headers, body.as_bytes(), now + seconds(300)), "ok");
    assert_eq!(
        check(&headers, body.as_bytes(), now + seconds(301)),
        "timestamp outside tolerance"
    );
    assert_eq!(
        check(&headers, body.as_bytes(), now - seconds(301)),
        "timestamp outside tolerance"
    );
    let mut wrong_serial = headers.clone();
    wrong_serial.insert(
        "wechatpay-serial",
        HeaderValue::from_static("PUB_KEY_ID_0000"),
    );
    assert_eq!(
        check(&wrong_serial, body.as_bytes(), now),
        "unknown platform serial"
    );
    let mut unsigned = headers.clone();
    unsigned.remove("wechatpay-signature");
    assert_eq!(
        check(&unsigned, body.as_bytes(), now),
        "signature headers missing"
    );
    let mut other_scheme = headers.clone();
    other_scheme.insert(
        "wechatpay-signature-type",
        HeaderValue::from_static("WECHATPAY2-SM2-WITH-SM3"),
    );
    assert_eq!(
        check(&other_scheme, body.as_bytes(), now),
        "unsupported signature type"
    );
    assert_eq!(
        check(&headers, &body.as_bytes()[..body.len() / 2], now),
        "signature mismatch"
    );
    // Signed by the platform, but not a notification we can read.
    let serial = headers["wechatpay-serial"].to_str().unwrap().to_owned();
    let signed = |body: &str| {
        let mut headers = HeaderMap::new();
        for (name, value) in platform_headers(
            &platform_key(),
            &serial,
            now.timestamp(),
            "N1",
            body.as_bytes(),
        )
        .unwrap()
        {
            headers.insert(name, HeaderValue::from_str(&value).unwrap());
        }
        check(&headers, body.as_bytes(), now)
    };
    assert_eq!(signed(&body), "ok");
    assert_eq!(signed(&body[..body.len() - 1]), "malformed body");
    assert_eq!(signed("{}"), "malformed body");
    assert_eq!(
        signed(&body.replace("AEAD_AES_256_GCM", "AEAD_SM4_GCM")),
        "unsupported resource algorithm"
    );
    assert_eq!(
        signed(&body.replace("\"nonce\":\"fdasflkja484\"", "\"nonce\":\"short\"")),
        "decryption failed"
    );
}

#[test]
fn the_sdks_answers_verify_with_ours() {
    let keys = config();
    let adapter_keys: Vec<_> = keys.platform_public_keys.keys().collect();
    assert_eq!(adapter_keys.len(), 2);
    for answer in sdk()["answers"].as_array().unwrap() {
        let name = text(answer, "name");
        let platform = datacard::payments::wechat_pay::sign::PlatformKeys::new(
            keys.platform_public_keys
                .iter()
                .map(|(serial, pem)| {
                    (
                        serial.clone(),
                        datacard::payments::rsa::VerifyingKey::from_pem(pem).unwrap(),
                    )
                })
                .collect(),
        );
        let ours = datacard::payments::wechat_pay::sign::verify_signed(
            &headers_of(&answer["headers"]),
            text(answer, "body").as_bytes(),
            &platform,
            vector_time(),
        )
        .is_ok();
        assert_eq!(answer["sdk_signature_ok"].as_bool(), Some(ours), "{name}");
        assert_eq!(ours, name != "query_tampered", "{name}");
    }
}

/// What our code signs and seals, for the SDK to check.
fn our_vectors() -> Value {
    let vectors = sdk();
    let now = vector_time().timestamp();
    let mut authorizations = Vec::new();
    for vector in vectors["authorizations"].as_array().unwrap() {
        let mut ours = vector.clone();
        ours["header"] = json!(our_authorization(vector));
        authorizations.push(ours);
    }
    let hk_body = json!({"appid": text(&vectors, "app_id"), "mchid": text(&vectors, "mch_id"), "description": "數據卡 10GB", "out_trade_no": PAYMENT_ID, "trade_type": "NATIVE", "merchant_category_code": "4814", "amount": {"total": 8800, "currency": "HKD"}}).to_string();
    let mut hk = json!({"name": "global_native", "method": "POST", "path": "/v3/global/transactions/native", "timestamp": now, "nonce": "GLOBALNONCE0123456789", "body": hk_body});
    hk["header"] = json!(our_authorization(&hk));
    authorizations.push(hk);

    let key = ApiV3Key::new(text(&vectors, "api_v3_key")).unwrap();
    let serial = text(&vectors, "public_key_id");
    let mut notifications = Vec::new();
    for (name, state, currency) in [
        ("success", "SUCCESS", "CNY"),
        ("hongkong_hkd", "SUCCESS", "HKD"),
        ("notpay", "NOTPAY", "CNY"),
        ("tampered", "SUCCESS", "CNY"),
    ] {
        let resource = json!({"mchid": text(&vectors, "mch_id"), "appid": text(&vectors, "app_id"), "out_trade_no": PAYMENT_ID, "transaction_id": "4200000000202611250000000002", "trade_type": "NATIVE", "trade_state": state, "success_time": "2026-11-25T16:26:30+08:00", "amount": {"total": 8800, "payer_total": 8800, "currency": currency, "payer_currency": currency}});
        let nonce = "ourNonce0123";
        let ciphertext = key
            .encrypt(nonce, "transaction", resource.to_string().as_bytes())
            .unwrap();
        let body = json!({"id": format!("OUR-{name}"), "create_time": "2026-11-25T16:26:40+08:00", "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功", "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM", "ciphertext": ciphertext, "associated_data": "transaction", "nonce": nonce}}).to_string();
        let headers: BTreeMap<_, _> = platform_headers(
            &platform_key(),
            serial,
            now,
            "OURNOTIFYNONCE",
            body.as_bytes(),
        )
        .unwrap()
        .into_iter()
        .collect();
        let valid = name != "tampered";
        let body = if valid {
            body
        } else {
            body.replace("OUR-tampered", "OUR-tamperez")
        };
        // Our own code opens what it sealed.
        let opened = provider().verify_notification(
            &headers_of(&json!(headers)),
            body.as_bytes(),
            vector_time(),
        );
        assert_eq!(opened.is_ok(), valid, "{name}");
        notifications.push(json!({"name": name, "headers": headers, "body": body, "resource": resource, "expect_valid": valid}));
    }
    let mut answers = Vec::new();
    for answer in vectors["answers"].as_array().unwrap() {
        let name = text(answer, "name");
        let valid = name != "query_tampered";
        let original = if valid {
            text(answer, "body").to_owned()
        } else {
            text(answer, "body").replace("\"SUCCESS\"", "\"NOTPAY\"")
        };
        let headers: BTreeMap<_, _> = platform_headers(
            &platform_key(),
            serial,
            now,
            "OURANSWERNONCE",
            original.as_bytes(),
        )
        .unwrap()
        .into_iter()
        .collect();
        let body = if valid {
            original
        } else {
            original.replace("\"NOTPAY\"", "\"SUCCESS\"")
        };
        answers
            .push(json!({"name": name, "headers": headers, "body": body, "expect_valid": valid}));
    }
    json!({
        "note": "Made by our code (tests/suite/wechat_pay/vectors.rs); scripts/wechat_pay/make_vectors.py --check checks it with wechatpayv3.",
        "authorizations": authorizations,
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
        "{} is stale: DATACARD_WRITE_VECTORS=1 cargo test --test suite wechat_pay::vectors, then scripts/wechat_pay/make_vectors.py --check",
        path.display()
    );
}

/// Runs the SDK over our vectors when scripts/test has installed it.
#[test]
fn the_sdk_accepts_what_our_code_makes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // scripts/test sets the variable, and then the check must run.
    let required = std::env::var_os("DATACARD_TEST_WECHAT_PAY_PYTHON");
    let python = required
        .clone()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/pyenv/wechat_pay/bin/python"));
    let installed = python.exists();
    if !installed {
        assert!(
            required.is_none(),
            "DATACARD_TEST_WECHAT_PAY_PYTHON is set but the SDKs are not installed"
        );
        eprintln!("skipped: the SDKs are not installed (scripts/test installs them)");
        return;
    }
    let output = std::process::Command::new(python)
        .arg(root.join("scripts/wechat_pay/make_vectors.py"))
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
