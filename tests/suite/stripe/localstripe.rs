//! The Stripe adapter against localstripe 1.15.10 (a fake but stateful Stripe), which
//! the test starts on a loopback port with `scripts/stripe/localstripe_loopback.py`
//! next to the datacard server in-process, card payments served by Stripe.
//!
//! The payer's browser and our card page are played by the test: it sets the
//! PaymentMethod and confirms through the API, as the card page's server side does
//! (localstripe's `/confirm` does not take a `payment_method`: "Not implemented"), and
//! does the 3-D Secure step as localstripe's Stripe.js does (`_authenticate`). The
//! card page itself, SetupIntents and saved cards are in `tests/suite/card.rs`.
//!
//! What localstripe shows that fixtures cannot: the requests we send are accepted as
//! they are, its statuses map as we think, and the notifications it signs and sends
//! itself (once, one second after the event, `t` = the event's creation time) are
//! verified and applied. Where it differs from Stripe: `pm_card_visa_chargeDeclined`
//! (card 4000000000000002) is declined only when attached to a customer, and goes
//! through a PaymentIntent; the decline here uses `pm_card_chargeCustomerFail`
//! (4000000000000341), which localstripe declines on charge as Stripe does.
//!
//! Needs `target/pyenv/stripe` (`scripts/test` installs it) or a Python with
//! localstripe in `DATACARD_STRIPE_PYTHON`. Without it the tests say SKIPPED and
//! pass, unless `DATACARD_REQUIRE_PROVIDERS=1`.

use std::time::Duration;

use serde_json::{Value, json};

use datacard::payments::stripe::StripeProvider;

use crate::support::stripe::localstripe::{LocalStripe, PUBLISHABLE_KEY};
use crate::support::stripe::{Server, has_event, id_of, payment_of};

/// The PaymentIntent behind the order's payment, found the way our card page will:
/// through its client secret (`pi_…_secret_…`).
async fn intent_of(server: &Server, stripe: &LocalStripe, order: &Value) -> (String, String) {
    let payment_id = payment_of(order);
    let secret = StripeProvider::new(&server.app)
        .client_secret(&payment_id)
        .await
        .expect("the client secret");
    let pi = secret
        .split("_secret_")
        .next()
        .expect("pi id in the secret")
        .to_owned();
    let (status, intent) = stripe.get(&format!("/v1/payment_intents/{pi}")).await;
    assert_eq!(status, 200, "{intent}");
    assert_eq!(intent["status"], "requires_payment_method", "{intent}");
    assert_eq!(intent["metadata"]["payment_id"], payment_id.as_str());
    assert_eq!(intent["currency"], "hkd");
    assert_eq!(
        Some(intent["amount"].as_i64().expect("an amount")),
        order["breakdown"]["total"]["amount"].as_i64()
    );
    (pi, secret)
}

/// What Stripe.js does on our card page: the card, then confirm. The confirm's
/// answer (402 for a decline).
async fn pay(stripe: &LocalStripe, pi: &str, payment_method: &str) -> (u16, Value) {
    let (status, body) = stripe
        .post(
            &format!("/v1/payment_intents/{pi}"),
            &[("payment_method", payment_method)],
        )
        .await;
    assert_eq!(status, 200, "set the payment method: {body}");
    stripe
        .post(&format!("/v1/payment_intents/{pi}/confirm"), &[])
        .await
}

async fn new_card(stripe: &LocalStripe, number: &str) -> String {
    let (status, method) = stripe
        .post(
            "/v1/payment_methods",
            &[
                ("type", "card"),
                ("card[number]", number),
                ("card[exp_month]", "12"),
                ("card[exp_year]", "2030"),
                ("card[cvc]", "123"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{method}");
    method["id"].as_str().expect("a pm id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_payment_is_fulfilled_by_the_notification_localstripe_signs_then_refunded() {
    let Some(stripe) = LocalStripe::start() else {
        return;
    };
    let server = Server::start(&stripe.base, 10).await;
    stripe.register_webhook(&server.webhook_url()).await;
    let order = server.order("card").await;
    let payment_id = payment_of(&order);
    assert_eq!(
        order["payment"]["next_action"],
        json!({ "type": "redirect", "url": format!("{}/pay/stripe/{payment_id}", server.base) })
    );
    let (pi, _) = intent_of(&server, &stripe, &order).await;

    let (status, confirmed) = pay(&stripe, &pi, "pm_card_visa").await;
    assert_eq!((status, &confirmed["status"]), (200, &json!("succeeded")));
    let id = &id_of(&order);
    let fulfilled = server
        .order_reaching(id, "fulfilled", || stripe.log())
        .await;
    assert_eq!(fulfilled["payment"]["state"], "succeeded");
    let events = server.events_of(&payment_id).await;
    assert!(
        events
            .iter()
            .any(|(source, event, outcome)| source == "notification"
                && event.starts_with("evt_")
                && outcome == "fulfilled"),
        "fulfilled by localstripe's notification: {events:?}"
    );

    // The operator refunds: the refund job asks Stripe, keyed by our refund id.
    datacard::orders::refund::refund(&server.app, &payment_id, "test")
        .await
        .expect("refund accepted");
    server.run_jobs().await;
    let refunded = server.show(id).await;
    assert_eq!(refunded["payment"]["state"], "refunded", "{refunded}");
    let (_, refunds) = stripe
        .get(&format!("/v1/refunds?payment_intent={pi}"))
        .await;
    let refunds = refunds["data"].as_array().expect("a list of refunds");
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(
        refunds[0]["amount"],
        fulfilled["breakdown"]["total"]["amount"]
    );
    assert_eq!(refunds[0]["metadata"]["payment_id"], payment_id.as_str());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_fails_the_order() {
    let Some(stripe) = LocalStripe::start() else {
        return;
    };
    let server = Server::start(&stripe.base, 10).await;
    stripe.register_webhook(&server.webhook_url()).await;
    let order = server.order("card").await;
    let (pi, _) = intent_of(&server, &stripe, &order).await;

    let (status, declined) = pay(&stripe, &pi, "pm_card_chargeCustomerFail").await;
    assert_eq!(status, 402, "{declined}");
    assert_eq!(declined["error"]["code"], "card_declined");
    let id = &id_of(&order);
    let failed = server.order_reaching(id, "failed", || stripe.log()).await;
    assert_eq!(failed["payment"]["state"], "failed");
    let events = server.events_of(&payment_of(&order)).await;
    assert!(
        has_event(&events, "notification", "order_failed"),
        "{events:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_d_secure_card_waits_in_requires_action_then_succeeds() {
    let Some(stripe) = LocalStripe::start() else {
        return;
    };
    let server = Server::start(&stripe.base, 10).await;
    stripe.register_webhook(&server.webhook_url()).await;
    let order = server.order("card").await;
    let id = &id_of(&order);
    let (pi, secret) = intent_of(&server, &stripe, &order).await;

    let card = new_card(&stripe, "4000002760003184").await;
    let (status, confirmed) = pay(&stripe, &pi, &card).await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["status"], "requires_action");
    assert_eq!(confirmed["next_action"]["type"], "use_stripe_sdk");
    // Asked now, Stripe says "requires_action": still waiting on the payer.
    let waiting = server.refresh(id).await;
    assert_eq!(
        (&waiting["state"], &waiting["payment"]["state"]),
        (&json!("pending_payment"), &json!("pending"))
    );

    // The 3-D Secure page, as localstripe's Stripe.js finishes it.
    let (status, authenticated) = stripe
        .post(
            &format!("/v1/payment_intents/{pi}/_authenticate?success=true"),
            &[("client_secret", &secret), ("key", PUBLISHABLE_KEY)],
        )
        .await;
    assert_eq!(status, 200, "{authenticated}");
    assert_eq!(authenticated["status"], "succeeded");
    let fulfilled = server
        .order_reaching(id, "fulfilled", || stripe.log())
        .await;
    assert_eq!(fulfilled["payment"]["state"], "succeeded");
    let events = server.events_of(&payment_of(&order)).await;
    assert!(
        has_event(&events, "notification", "fulfilled"),
        "{events:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_three_d_secure_step_is_found_by_asking() {
    let Some(stripe) = LocalStripe::start() else {
        return;
    };
    let server = Server::start(&stripe.base, 10).await;
    stripe.register_webhook(&server.webhook_url()).await;
    let order = server.order("card").await;
    let id = &id_of(&order);
    let (pi, secret) = intent_of(&server, &stripe, &order).await;
    let card = new_card(&stripe, "4000002500003155").await;
    let (status, _) = pay(&stripe, &pi, &card).await;
    assert_eq!(status, 200);

    // localstripe sends no event for a failed authentication; Stripe would send
    // payment_intent.payment_failed. Asking settles it either way.
    let (status, _) = stripe
        .post(
            &format!("/v1/payment_intents/{pi}/_authenticate?success=false"),
            &[("client_secret", &secret), ("key", PUBLISHABLE_KEY)],
        )
        .await;
    assert_eq!(status, 200);
    let failed = server.refresh(id).await;
    assert_eq!(
        (&failed["state"], &failed["payment"]["state"]),
        (&json!("failed"), &json!("failed")),
        "{failed}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_never_sent_is_repaired_by_reconciliation() {
    let Some(stripe) = LocalStripe::start() else {
        return;
    };
    // No webhook endpoint registered: localstripe notifies nobody.
    let server = Server::start(&stripe.base, 10).await;
    let order = server.order("card").await;
    let id = &id_of(&order);
    let (pi, _) = intent_of(&server, &stripe, &order).await;
    let (status, _) = pay(&stripe, &pi, "pm_card_visa").await;
    assert_eq!(status, 200);

    // Longer than localstripe's one-second delay: nothing came.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(server.show(id).await["state"], "pending_payment");

    // The first status query is due a minute after the order.
    server.clock.advance(chrono::Duration::seconds(61));
    server.run_jobs().await;
    let fulfilled = server
        .order_reaching(id, "fulfilled", || stripe.log())
        .await;
    assert_eq!(fulfilled["payment"]["state"], "succeeded");
    let events = server.events_of(&payment_of(&order)).await;
    assert!(has_event(&events, "query", "fulfilled"), "{events:?}");
    assert!(
        !events.iter().any(|(source, _, _)| source == "notification"),
        "{events:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaid_order_expires_and_its_payment_intent_is_cancelled() {
    let Some(stripe) = LocalStripe::start() else {
        return;
    };
    let server = Server::start(&stripe.base, 10).await;
    let order = server.order("card").await;
    let id = &id_of(&order);
    let (pi, _) = intent_of(&server, &stripe, &order).await;

    let expiry = server.app.config.payments.order_expiry_secs;
    server.clock.advance(chrono::Duration::seconds(expiry + 1));
    server.run_jobs().await;
    let expired = server.order_reaching(id, "expired", || stripe.log()).await;
    assert_eq!(expired["payment"]["state"], "cancelled", "{expired}");
    let (_, intent) = stripe.get(&format!("/v1/payment_intents/{pi}")).await;
    assert_eq!(intent["status"], "canceled", "{intent}");
    server.stop().await;
}
