//! The Stripe adapter against a fake Stripe on a loopback port
//! (`crate::support::stripe::fake`) that answers with the recorded PaymentIntents of
//! `tests/fixtures/stripe/` and keeps Stripe's documented idempotency. It covers what
//! localstripe does not: Alipay and WeChat Pay PaymentIntents, `Idempotency-Key`,
//! search, refunds refused as already made, a create that fails or times out after
//! Stripe made the PaymentIntent, and events shaped as Stripe sends them today.

use std::time::Duration;

use serde_json::{Value, json};

use datacard::money::{Currency, Money};
use datacard::payments::stripe::{StripeProvider, signature};
use datacard::payments::{CreateRequest, Provider, ProviderError};

use crate::support::stripe::fake::{Fake, Mishap, fixture, start_fake};
use crate::support::stripe::{SECRET_KEY, Server, WEBHOOK_SECRET, has_event, id_of, payment_of};

async fn provider_ref(server: &Server, payment_id: &str) -> Option<String> {
    use sqlx::Row;
    sqlx::query("SELECT provider_ref FROM payments WHERE id = $1")
        .bind(payment_id)
        .fetch_one(server.app.db.reader())
        .await
        .expect("the payment")
        .get("provider_ref")
}

fn no_context() -> String {
    String::new()
}

// ----- creating ---------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_payment_intent_is_created_unconfirmed_with_our_id_as_its_key() {
    let (fake, api) = start_fake().await;
    let server = Server::start(&api, 5).await;
    let order = server.order("card").await;
    let payment_id = payment_of(&order);

    let creates = fake.creates();
    assert_eq!(creates.len(), 1);
    let create = &creates[0];
    assert_eq!(create.authorization, format!("Bearer {SECRET_KEY}"));
    assert_eq!(create.idempotency_key.as_deref(), Some(payment_id.as_str()));
    // Pinned, so that the account's default version cannot change what we read.
    assert_eq!(
        create.stripe_version.as_deref(),
        Some(datacard::config::STRIPE_API_VERSION)
    );
    let total = order["breakdown"]["total"]["amount"]
        .as_i64()
        .expect("a total");
    assert_eq!(create.field("amount"), Some(total.to_string().as_str()));
    assert_eq!(create.field("currency"), Some("hkd"));
    assert_eq!(create.field("payment_method_types[]"), Some("card"));
    assert_eq!(
        create.field("metadata[payment_id]"),
        Some(payment_id.as_str())
    );
    assert_eq!(create.field("metadata[description]"), Some("HK-30D-20G"));
    assert_eq!(create.field("confirm"), None, "the card page confirms");

    assert_eq!(order["payment"]["state"], "pending");
    assert_eq!(
        order["payment"]["next_action"],
        json!({"type": "redirect", "url": format!("{}/pay/stripe/{payment_id}", server.base)})
    );
    assert_eq!(
        provider_ref(&server, &payment_id).await.as_deref(),
        Some("pi_wire_1")
    );
    // The card page's Stripe.js gets the client secret from us, not from its URL.
    let secret = StripeProvider::new(&server.app)
        .client_secret(&payment_id)
        .await
        .expect("a client secret");
    assert_eq!(secret, "pi_wire_1_secret_wire");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alipay_redirects_and_wechat_pay_shows_the_qr_code_stripe_gave() {
    let (fake, api) = start_fake().await;
    let server = Server::start(&api, 5).await;

    let alipay = server.order("alipay").await;
    assert_eq!(
        alipay["payment"]["next_action"],
        json!({"type": "redirect", "url": "https://pm-redirects.stripe.com/authorize/acct_1Fixture0000000/pa_nonce_AlipayFixture0000000000000000"})
    );
    let create = fake.creates().remove(0);
    assert_eq!(create.field("payment_method_types[]"), Some("alipay"));
    assert_eq!(create.field("payment_method_data[type]"), Some("alipay"));
    assert_eq!(create.field("confirm"), Some("true"));
    let return_url = create.field("return_url").expect("a return url");
    assert!(
        return_url.starts_with(&format!("{}/orders/{}", server.base, id_of(&alipay))),
        "{return_url}"
    );

    let wechat = server.order("wechat_pay").await;
    assert_eq!(
        wechat["payment"]["next_action"],
        json!({"type": "qr", "data": "weixin://wxpay/bizpayurl?pr=Fixture0",
               "url": "https://payments.stripe.com/wechat_pay/qr/test_YWNjdF8xRml4dHVyZQ"})
    );
    let create = fake.creates().remove(1);
    assert_eq!(
        create.field("payment_method_data[type]"),
        Some("wechat_pay")
    );
    assert_eq!(
        create.field("payment_method_options[wechat_pay][client]"),
        Some("web")
    );
    assert_eq!(create.field("confirm"), Some("true"));
    assert_eq!(create.field("return_url"), None);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_create_gives_the_same_payment_intent() {
    let (fake, api) = start_fake().await;
    let server = Server::start(&api, 5).await;
    let stripe = StripeProvider::new(&server.app);
    let request = CreateRequest {
        payment_id: "pay_retried".into(),
        amount: Money::new(9020, Currency::HKD),
        method: datacard::payments::Method::Card,
        description: "HK-30D-20G".into(),
        return_url: format!("{}/orders/ord_retried", server.base),
        expires_at: server.app.now() + chrono::Duration::minutes(30),
        payer: Default::default(),
    };
    let first = stripe.create(&request).await.expect("created");
    let again = stripe.create(&request).await.expect("replayed");
    assert_eq!(first.provider_ref, again.provider_ref);
    assert_eq!(fake.books().intents.len(), 1, "one PaymentIntent");
    assert_eq!(fake.creates().len(), 2, "two requests, one key");

    // The same key with another amount is Stripe's idempotency_error: nothing made.
    let changed = CreateRequest {
        amount: Money::new(1, Currency::HKD),
        ..request
    };
    match stripe.create(&changed).await {
        Err(ProviderError::Unavailable(why)) => assert!(why.contains("idempotent"), "{why}"),
        other => panic!("expected the idempotency error, got {other:?}"),
    }
    assert_eq!(fake.books().intents.len(), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_answered_500_is_settled_by_asking() {
    let (fake, api) = start_fake().await;
    let server = Server::start(&api, 5).await;
    fake.misbehave(Mishap::Answer500);
    let order = server.order("card").await;
    let payment_id = payment_of(&order);
    let id = id_of(&order);
    // The answer was lost, the PaymentIntent made: unknown to us.
    assert_eq!(order["payment"]["state"], "created");
    assert_eq!(provider_ref(&server, &payment_id).await, None);

    // Asking finds it by our id (Stripe's search) and the payer's progress with it.
    let found = server.refresh(&id).await;
    assert_eq!(found["payment"]["state"], "pending", "{found}");
    fake.set(
        "pi_wire_1",
        json!({"status": "succeeded", "amount_received": 9020}),
    );
    // A subscriber's refreshes ask the provider at most once every few seconds.
    server.clock.advance(chrono::Duration::seconds(6));
    let paid = server.refresh(&id).await;
    assert_eq!(paid["state"], "fulfilled", "{paid}");
    let events = server.events_of(&payment_id).await;
    assert!(has_event(&events, "query", "fulfilled"), "{events:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_that_times_out_is_cancelled_at_expiry() {
    let (fake, api) = start_fake().await;
    let server = Server::start(&api, 1).await;
    fake.misbehave(Mishap::AnswerAfter(Duration::from_millis(2_500)));
    let order = server.order("alipay").await;
    assert_eq!(order["payment"]["state"], "created");
    let id = id_of(&order);

    let expiry = server.app.config.payments.order_expiry_secs;
    server.clock.advance(chrono::Duration::seconds(expiry + 1));
    server.run_jobs().await;
    let expired = server.order_reaching(&id, "expired", no_context).await;
    assert_eq!(expired["payment"]["state"], "cancelled", "{expired}");
    // Found by search and cancelled at Stripe, so the QR code nobody saw is dead.
    assert_eq!(fake.intent("pi_wire_1")["status"], "canceled");
    assert_eq!(fake.requested("/v1/payment_intents/{id}/cancel").len(), 1);
    server.stop().await;
}

// ----- asking, refunding ------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_are_keyed_by_our_refund_id_and_one_made_already_counts() {
    let (fake, api) = start_fake().await;
    let server = Server::start(&api, 5).await;
    let order = server.order("card").await;
    let payment_id = payment_of(&order);
    fake.set("pi_wire_1", json!({"status": "succeeded"}));
    assert_eq!(server.refresh(&id_of(&order)).await["state"], "fulfilled");

    datacard::orders::refund::refund(&server.app, &payment_id, "test")
        .await
        .expect("refund accepted");
    server.run_jobs().await;
    assert_eq!(
        server.show(&id_of(&order)).await["payment"]["state"],
        "refunded"
    );
    let refunds = fake.requested("/v1/refunds");
    assert_eq!(refunds.len(), 1);
    let refund_id = format!("rf_{payment_id}");
    assert_eq!(
        refunds[0].idempotency_key.as_deref(),
        Some(refund_id.as_str())
    );
    assert_eq!(refunds[0].field("payment_intent"), Some("pi_wire_1"));
    assert_eq!(refunds[0].field("amount"), Some("9020"));

    let stripe = StripeProvider::new(&server.app);
    let amount = Money::new(9020, Currency::HKD);
    // The same refund again: Stripe replays its answer.
    stripe
        .refund(&payment_id, amount, &refund_id)
        .await
        .expect("replayed");
    // Another refund of the same payment (say, from the Dashboard): already refunded.
    stripe
        .refund(&payment_id, amount, "rf_from_elsewhere")
        .await
        .expect("already refunded is done");
    server.stop().await;
}

// ----- notifications ----------------------------------------------------------------

/// An event as Stripe sends it, about the fake's PaymentIntent as it is now.
fn event_about(fake: &Fake, pi: &str, id: &str, kind: &str) -> String {
    let mut event = fixture("events/payment_intent.succeeded.json");
    event["id"] = json!(id);
    event["type"] = json!(kind);
    event["data"]["object"] = fake.intent(pi);
    serde_json::to_string_pretty(&event).expect("json")
}

async fn deliver(server: &Server, body: &str, header: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(server.webhook_url())
        .header("content-type", "application/json; charset=utf-8")
        .header("stripe-signature", header)
        .body(body.to_owned())
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_events_fulfil_once_and_forged_ones_change_nothing() {
    let (fake, api) = start_fake().await;
    let server = Server::start(&api, 5).await;
    let order = server.order("wechat_pay").await;
    let payment_id = payment_of(&order);
    let id = id_of(&order);
    let now = server.app.now().timestamp();
    fake.set(
        "pi_wire_1",
        json!({"status": "succeeded", "next_action": null}),
    );

    // Forged or stale: refused.
    let body = event_about(&fake, "pi_wire_1", "evt_wire_1", "payment_intent.succeeded");
    let forged = signature::sign("whsec_someone_else", now, body.as_bytes());
    assert_eq!(deliver(&server, &body, &forged).await.0, 400);
    let stale = signature::sign(WEBHOOK_SECRET, now - 301, body.as_bytes());
    assert_eq!(deliver(&server, &body, &stale).await.0, 400);
    // Genuine but not about our payment (another event type; a PaymentIntent another
    // system made on the same account): acknowledged, so Stripe stops resending it,
    // and nothing changes.
    let charge = serde_json::to_string(&fixture("events/charge.succeeded.json")).expect("json");
    let signed = signature::sign(WEBHOOK_SECRET, now, charge.as_bytes());
    assert_eq!(
        deliver(&server, &charge, &signed).await,
        (200, json!({"received": true, "ignored": true}))
    );
    let mut foreign: Value = serde_json::from_str(&body).expect("json");
    foreign["id"] = json!("evt_wire_foreign");
    foreign["data"]["object"]["metadata"] = json!({"order": "from the shop next door"});
    let foreign = foreign.to_string();
    let signed = signature::sign(WEBHOOK_SECRET, now, foreign.as_bytes());
    assert_eq!(
        deliver(&server, &foreign, &signed).await,
        (200, json!({"received": true, "ignored": true}))
    );
    // …but a forged one of those is still refused.
    let forged = signature::sign("whsec_someone_else", now, charge.as_bytes());
    assert_eq!(deliver(&server, &charge, &forged).await.0, 400);
    assert_eq!(server.show(&id).await["state"], "pending_payment");
    let kept: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM payment_events WHERE provider_event_id = $1")
            .bind("evt_wire_foreign")
            .fetch_one(server.app.db.reader())
            .await
            .expect("count");
    assert_eq!(kept, 0, "an event not for us is not kept as evidence");

    // Signed with our secret: fulfilled, once.
    let signed = signature::sign(WEBHOOK_SECRET, now, body.as_bytes());
    let (status, reply) = deliver(&server, &body, &signed).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply, json!({"received": true, "duplicate": false}));
    assert_eq!(server.show(&id).await["state"], "fulfilled");
    let (status, reply) = deliver(&server, &body, &signed).await;
    assert_eq!(
        (status, reply),
        (200, json!({"received": true, "duplicate": true}))
    );
    let events = server.events_of(&payment_id).await;
    assert!(
        events
            .iter()
            .any(|(s, e, o)| s == "notification" && e == "evt_wire_1" && o == "fulfilled"),
        "{events:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_with_another_amount_is_kept_and_flagged_not_applied() {
    let (fake, api) = start_fake().await;
    let server = Server::start(&api, 5).await;
    let order = server.order("card").await;
    let id = id_of(&order);
    fake.set("pi_wire_1", json!({"status": "succeeded", "amount": 1}));
    let body = event_about(&fake, "pi_wire_1", "evt_wire_2", "payment_intent.succeeded");
    let now = server.app.now().timestamp();
    let signed = signature::sign(WEBHOOK_SECRET, now, body.as_bytes());
    let (status, reply) = deliver(&server, &body, &signed).await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(reply["error"]["code"], "amount_mismatch");
    assert_eq!(server.show(&id).await["state"], "pending_payment");
    server.stop().await;
}
