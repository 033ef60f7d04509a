//! The Stripe adapter against what localstripe cannot show, from
//! `tests/fixtures/stripe/` (see its README): stripe-python's `Stripe-Signature`
//! vectors, events as Stripe sends them (expanded or id-only objects, unknown
//! fields), and Alipay and WeChat Pay PaymentIntents with their next actions.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use datacard::money::{Currency, Money};
use datacard::payments::stripe::{PaymentIntent, parse_event, signature};
use datacard::payments::{NextAction, ProviderStatus};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/stripe")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).expect("a time")
}

#[derive(Deserialize)]
struct Vectors {
    library: String,
    tolerance_secs: i64,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    secret: String,
    header: String,
    now: i64,
    payload: String,
    library_accepts: bool,
    ours_accepts: bool,
}

fn vectors() -> Vectors {
    serde_json::from_str(&fixture("webhook_vectors.json")).expect("webhook_vectors.json")
}

#[test]
fn our_verifier_agrees_with_stripe_python_on_every_vector() {
    let vectors = vectors();
    assert_eq!(vectors.tolerance_secs, signature::TOLERANCE_SECS);
    assert!(vectors.vectors.len() >= 20, "too few vectors");
    let mut disagreements = Vec::new();
    for vector in &vectors.vectors {
        let ours = signature::verify(
            &vector.secret,
            &vector.header,
            vector.payload.as_bytes(),
            at(vector.now),
        );
        if ours.is_ok() != vector.ours_accepts {
            disagreements.push(format!("{}: ours {ours:?}", vector.name));
        }
    }
    assert!(
        disagreements.is_empty(),
        "against {}: {disagreements:#?}",
        vectors.library
    );
    // The one deliberate difference, and only that one.
    let differ: Vec<&str> = vectors
        .vectors
        .iter()
        .filter(|v| v.library_accepts != v.ours_accepts)
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(differ, ["from the future"]);
}

#[test]
fn our_signer_writes_the_library_headers_byte_for_byte() {
    let mut compared = 0;
    for vector in vectors().vectors {
        if !(vector.name == "documented" || vector.name.ends_with(": signed")) {
            continue;
        }
        let timestamp: i64 = vector
            .header
            .strip_prefix("t=")
            .and_then(|rest| rest.split(',').next())
            .and_then(|t| t.parse().ok())
            .expect("a timestamp");
        assert_eq!(
            signature::sign(&vector.secret, timestamp, vector.payload.as_bytes()),
            vector.header,
            "{}",
            vector.name
        );
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} headers compared");
}

#[test]
fn refusals_are_specific() {
    let vectors = vectors();
    let find = |name: &str| {
        vectors
            .vectors
            .iter()
            .find(|v| v.name == name)
            .unwrap_or_else(|| panic!("no vector {name}"))
    };
    let check = |name: &str, expected: signature::SignatureError| {
        let v = find(name);
        assert_eq!(
            signature::verify(&v.secret, &v.header, v.payload.as_bytes(), at(v.now)),
            Err(expected),
            "{name}"
        );
    };
    check("tampered amount", signature::SignatureError::Mismatch);
    check("wrong secret", signature::SignatureError::Mismatch);
    check("stale by a second", signature::SignatureError::Stale);
    check("from the future", signature::SignatureError::Stale);
    check("v0 only", signature::SignatureError::NoSignature);
}

// ----- events ---------------------------------------------------------------------

fn event(name: &str) -> String {
    fixture(&format!("events/{name}.json"))
}

#[track_caller]
fn parsed(name: &str) -> datacard::payments::Notification {
    parse_event(event(name).as_bytes()).unwrap_or_else(|why| panic!("{name}: {why}"))
}

#[test]
fn the_four_events_we_act_on() {
    let hkd = |amount| Some(Money::new(amount, Currency::HKD));
    let succeeded = parsed("payment_intent.succeeded");
    assert_eq!(succeeded.event_id, "evt_3QCardSucceeded0001");
    assert_eq!(succeeded.payment_id, "pay_fixture_card");
    assert_eq!(succeeded.observation.status, ProviderStatus::Succeeded);
    assert_eq!(succeeded.observation.amount, hkd(9020));

    let failed = parsed("payment_intent.payment_failed");
    assert_eq!(failed.observation.status, ProviderStatus::Failed);
    assert_eq!(failed.observation.amount, hkd(9020));
    assert_eq!(
        parsed("payment_intent.processing").observation.status,
        ProviderStatus::Pending
    );
    assert_eq!(
        parsed("payment_intent.canceled").observation.status,
        ProviderStatus::Closed
    );
}

#[test]
fn other_payment_intent_events_are_read_from_the_object() {
    let action = parsed("payment_intent.requires_action");
    assert_eq!(action.observation.status, ProviderStatus::Pending);
    let alipay = parsed("payment_intent.succeeded.alipay");
    assert_eq!(alipay.payment_id, "pay_fixture_alipay");
    assert_eq!(alipay.observation.status, ProviderStatus::Succeeded);
}

#[test]
fn expanded_objects_and_unknown_fields_are_read_the_same() {
    let plain = parsed("payment_intent.succeeded");
    let expanded = parsed("payment_intent.succeeded.expanded");
    assert_eq!(expanded.payment_id, plain.payment_id);
    assert_eq!(expanded.observation.status, plain.observation.status);
    assert_eq!(expanded.observation.amount, plain.observation.amount);
}

#[test]
fn events_that_say_nothing_about_our_payments_are_refused_or_not_for_us() {
    let refused = |body: &[u8]| parse_event(body).err().map(|why| why.to_string());
    let refused = |body: &[u8]| refused(body).map(|why| why.replace("notification refused: ", ""));
    assert_eq!(
        refused(event("payment_intent.succeeded.id_only").as_bytes()).as_deref(),
        Some("event object not expanded")
    );
    // Genuine but about something else: acknowledged, not refused.
    assert_eq!(
        refused(event("charge.succeeded").as_bytes()).as_deref(),
        Some("notification not for us: not a payment intent event")
    );
    let full = event("payment_intent.succeeded");
    assert_eq!(
        refused(&full.as_bytes()[..full.len() / 2]).as_deref(),
        Some("malformed event")
    );
    assert_eq!(refused(b"").as_deref(), Some("malformed event"));
    assert_eq!(refused(b"[1, 2]").as_deref(), Some("malformed event"));
    let without_metadata = full.replace("\"payment_id\": \"pay_fixture_card\",", "");
    assert_eq!(
        refused(without_metadata.as_bytes()).as_deref(),
        Some("notification not for us: payment intent without our payment id")
    );
}

#[test]
fn the_evidence_kept_carries_no_client_secret() {
    for name in [
        "payment_intent.succeeded",
        "payment_intent.succeeded.expanded",
    ] {
        let raw = parsed(name).observation.raw;
        assert!(!raw.contains("CardFixtureSecret"), "{name}: {raw}");
        assert!(raw.contains("evt_3QCardSucceeded"), "{name}");
    }
}

// ----- PaymentIntents -------------------------------------------------------------

fn intent(name: &str) -> PaymentIntent {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn an_alipay_payment_intent_redirects_to_alipay() {
    let pi = intent("payment_intent.alipay.requires_action.json");
    assert_eq!(pi.provider_status(), ProviderStatus::Pending);
    assert_eq!(
        pi.wallet_next_action("alipay"),
        Some(NextAction::Redirect {
            url: "https://pm-redirects.stripe.com/authorize/acct_1Fixture0000000/pa_nonce_AlipayFixture0000000000000000".into()
        })
    );
    assert_eq!(pi.wallet_next_action("wechat_pay"), None);
}

#[test]
fn a_wechat_pay_payment_intent_shows_its_qr_code() {
    let pi = intent("payment_intent.wechat_pay.requires_action.json");
    assert_eq!(pi.provider_status(), ProviderStatus::Pending);
    assert_eq!(
        pi.wallet_next_action("wechat_pay"),
        Some(NextAction::Qr {
            data: "weixin://wxpay/bizpayurl?pr=Fixture0".into(),
            url: "https://payments.stripe.com/wechat_pay/qr/test_YWNjdF8xRml4dHVyZQ".into(),
        })
    );
    assert_eq!(pi.wallet_next_action("alipay"), None);
}

#[test]
fn card_payment_intents_in_each_state() {
    let status = |name: &str| intent(name).provider_status();
    assert_eq!(
        status("payment_intent.card.requires_payment_method.json"),
        ProviderStatus::Pending
    );
    assert_eq!(
        status("payment_intent.card.succeeded.json"),
        ProviderStatus::Succeeded
    );
    assert_eq!(
        status("payment_intent.card.declined.json"),
        ProviderStatus::Failed
    );
    assert_eq!(
        status("payment_intent.card.canceled.json"),
        ProviderStatus::Closed
    );
    assert_eq!(
        intent("payment_intent.card.succeeded.json").amount(),
        Some(Money::new(9020, Currency::HKD))
    );
}

// ----- configuration --------------------------------------------------------------

#[test]
fn stripe_serves_a_method_only_with_a_secret_key_and_never_shows_it() {
    use datacard::config::{Config, Secret};
    let mut config = Config::default();
    config.payments.card.provider = datacard::payments::ProviderName::Stripe;
    assert!(config.validate().is_err(), "no secret key");
    config.payments.providers.stripe.secret_key = Secret::new("sk_live_do_not_show");
    config.payments.providers.stripe.webhook_secret = Secret::new("whsec_do_not_show");
    config.payments.providers.stripe.publishable_key = "pk_live_can_be_shown".into();
    config.payments.alipay.provider = datacard::payments::ProviderName::Stripe;
    config.payments.wechat_pay.provider = datacard::payments::ProviderName::Stripe;
    assert!(config.validate().is_ok());
    let shown = format!("{config:?}");
    assert!(
        !shown.contains("do_not_show"),
        "secrets in Debug output: {shown}"
    );
    let env = [(
        "DATACARD_PAYMENTS_CARD_PROVIDER".to_owned(),
        "stripey".to_owned(),
    )];
    assert!(
        Config::load_from(None, &env).is_err(),
        "an unknown provider"
    );
}
