//! Cards through our card page and auto-renew by saved card, against localstripe: the
//! test plays the payer's browser (its fake Stripe.js's requests) and the portal's
//! card page through the real router, and moves the clock for auto-renew.
//!
//! - A card saved on the card page renews the line off-session through a time jump.
//! - A saved card that is declined goes to dunning and tells the subscriber each time.
//! - A card whose bank wants the payer (3-D Secure) pays on the page, but fails an
//!   off-session renewal cleanly: the PaymentIntent is cancelled and dunning starts.
//! - Bad input: someone else's card or payment, card auto-renew with no card, made-up,
//!   foreign, unconfirmed and forged SetupIntents, no CSRF token, posts sent twice.
//! - Removing a card detaches it at Stripe; auto-renew then fails and says so.
//!
//! Each story runs on SQLite and on PostgreSQL with a localstripe of its own and ends
//! with the ledger check. Without localstripe the stories say SKIPPED and pass, unless
//! `DATACARD_REQUIRE_PROVIDERS=1`.

mod stripe_support;
#[allow(unused_macros, reason = "these stories use card_story!, not story!")]
mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Duration;
use serde_json::{Value, json};
use sqlx::Row;

use datacard::accounts::{self, Email, Phone};
use datacard::catalog::{self, Allowance, PlanCode};
use datacard::config::Secret;
use datacard::i18n::Locale;
use datacard::lines::{self, Iccid, LineStatus, NewPeriod};
use datacard::money::Currency;

use stripe_support::localstripe::{LocalStripe, PUBLISHABLE_KEY};
use stripe_support::{SECRET_KEY, WEBHOOK_SECRET};
use support::*;

const PASSWORD: &str = "harbour lights 88";
const PLAN: &str = "HK-7D-5G";
/// HK$48.00 and the card's 2.5 % fee.
const CARD_PRICE: i64 = 4_920;
const VISA: &str = "4242424242424242";
/// Set up fine, declined on every charge (localstripe and Stripe alike).
const DECLINES: &str = "4000000000000341";
/// Always asks for 3-D Secure, on the page and off-session.
const THREE_D_SECURE: &str = "4000002760003184";

/// A story with a localstripe of its own, on both databases (see `story!`).
macro_rules! card_story {
    ($name:ident, |$app:ident, $stripe:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                run(Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                run(Backend::Postgres).await;
            }

            async fn run(backend: Backend) {
                let Some($stripe) = LocalStripe::start() else {
                    return;
                };
                let Some($app) = start(backend, &$stripe).await else {
                    return;
                };
                let story = async { $body };
                story.await;
                $app.finish().await;
            }
        }
    };
}

/// Cards served by Stripe, at localstripe.
async fn start(backend: Backend, stripe: &LocalStripe) -> Option<TestApp> {
    TestApp::start_with(backend, |config| {
        config.payments.card.provider = "stripe".into();
        let settings = &mut config.payments.providers.stripe;
        settings.api_base = stripe.base.clone();
        settings.secret_key = Secret::new(SECRET_KEY);
        settings.webhook_secret = Secret::new(WEBHOOK_SECRET);
        settings.publishable_key = PUBLISHABLE_KEY.into();
        settings.js_url = stripe.js_url();
    })
    .await
}

struct Subscriber {
    account_id: String,
    phone: String,
    email: String,
    token: String,
    iccid: String,
    /// The portal's CSRF token and the `Cookie` header of a portal session.
    csrf: String,
    cookie: String,
}

impl Subscriber {
    fn auth(&self) -> String {
        bearer(&self.token)
    }
}

/// A subscriber with one line on [`PLAN`] whose period started 5 days ago (it ends 2
/// days after the story's start), signed in to the API and the portal.
async fn subscriber(app: &TestApp, n: u32) -> Subscriber {
    datacard::demo::seed(app).await.expect("demo catalog");
    let phone = format!("+852614{n:05}");
    let email = format!("card{n}@example.com");
    let account = accounts::create_verified(
        app,
        Phone::parse(&phone).expect("a phone"),
        Email::parse(&email).expect("an email"),
        PASSWORD,
        Locale::En,
    )
    .await
    .expect("create the account");
    let iccid = Iccid::with_check_digit(&format!("89852078{n:010}")).expect("an ICCID");
    let mut tx = app.db.begin().await.expect("begin");
    lines::insert_line(
        &mut tx,
        &iccid,
        Some(&account.id),
        LineStatus::Active,
        Some("1$rsp.datacard.example$DC-TEST"),
        app.now(),
    )
    .await
    .expect("insert the line");
    let plan = catalog::find(app, &PlanCode::parse(PLAN).expect("a plan code"))
        .await
        .expect("find the plan")
        .expect("the plan is in the catalog");
    let Allowance::Capped { bytes } = plan.allowance else {
        panic!("{PLAN} is capped");
    };
    let starts_at = app.now() - Duration::days(5);
    lines::insert_period(
        &mut tx,
        &NewPeriod {
            iccid: &iccid,
            plan_version_id: &plan.version_id,
            starts_at,
            ends_at: plan.period.end_from(starts_at, app.config.time_zone()),
            data_allowance: Some(bytes),
            fair_use_cap: None,
            data_used: 0,
        },
        app.now(),
    )
    .await
    .expect("insert the period");
    tx.commit().await.expect("commit");
    let token = app.log_in(&phone, PASSWORD).await;
    let (csrf, cookie) = app.portal_log_in(&phone, PASSWORD).await;
    Subscriber {
        account_id: account.id,
        phone,
        email,
        token,
        iccid: iccid.to_string(),
        csrf,
        cookie,
    }
}

// ----- the portal, as the card page's script uses it -------------------------------------

async fn page(app: &TestApp, sub: &Subscriber, path: &str) -> (StatusCode, String) {
    let request = Request::get(path)
        .header(header::COOKIE, &sub.cookie)
        .body(Body::empty())
        .expect("a request");
    let (status, _, body) = app.send(request).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// A form post with the subscriber's CSRF token (or `csrf` instead); the answer.
async fn post_form(
    app: &TestApp,
    sub: &Subscriber,
    path: &str,
    fields: &[(&str, &str)],
    csrf: Option<&str>,
) -> Reply {
    let mut pairs = vec![("csrf", csrf.unwrap_or(&sub.csrf))];
    pairs.extend_from_slice(fields);
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &sub.cookie)
        .body(Body::from(
            serde_urlencoded::to_string(&pairs).expect("a form"),
        ))
        .expect("a request");
    let (status, headers, body) = app.send(request).await;
    (status, headers, json_of(&body))
}

/// `POST /pay/stripe/{payment}/setup`: the SetupIntent's client secret.
async fn begin_setup(app: &TestApp, sub: &Subscriber, payment: &str, save: bool) -> String {
    let fields: &[(&str, &str)] = if save { &[("save", "on")] } else { &[] };
    let (status, _, body) = post_form(
        app,
        sub,
        &format!("/pay/stripe/{payment}/setup"),
        fields,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["client_secret"]
        .as_str()
        .expect("a client secret")
        .to_owned()
}

async fn confirm(app: &TestApp, sub: &Subscriber, payment: &str, setup_intent: &str) -> Reply {
    post_form(
        app,
        sub,
        &format!("/pay/stripe/{payment}/confirm"),
        &[("setup_intent", setup_intent)],
        None,
    )
    .await
}

/// The whole card page: Pay with `number` (3-D Secure completed when asked), saving
/// the card or not. The SetupIntent and the last answer of our confirm.
async fn pay_on_card_page(
    app: &TestApp,
    stripe: &LocalStripe,
    sub: &Subscriber,
    payment: &str,
    number: &str,
    save: bool,
) -> (String, Value) {
    let (status, html) = page(app, sub, &format!("/pay/stripe/{payment}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains(&format!("data-key=\"{PUBLISHABLE_KEY}\"")),
        "{html}"
    );
    assert!(
        html.contains(&format!("<script src=\"{}\">", stripe.js_url())),
        "the page loads Stripe.js from js_url: {html}"
    );
    let secret = begin_setup(app, sub, payment, save).await;
    let (status, mut setup) = stripe.confirm_card_setup(&secret, number).await;
    assert_eq!(status, 200, "confirmCardSetup: {setup}");
    if setup["status"] == "requires_action" {
        let (status, authenticated) = stripe.authenticate_setup(&secret).await;
        assert_eq!(status, 200, "{authenticated}");
        setup = authenticated;
    }
    assert_eq!(setup["status"], "succeeded", "{setup}");
    let setup_intent = setup["id"].as_str().expect("an id").to_owned();
    let (status, _, mut answer) = confirm(app, sub, payment, &setup_intent).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    if answer["next"] == "authenticate" {
        let secret = answer["client_secret"].as_str().expect("a client secret");
        let (status, authenticated) = stripe.authenticate_payment(secret, true).await;
        assert_eq!(status, 200, "{authenticated}");
        let (status, _, again) = confirm(app, sub, payment, &setup_intent).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        answer = again;
    }
    assert_eq!(answer["next"], "order", "{answer}");
    (setup_intent, answer)
}

// ----- the API ------------------------------------------------------------------------

/// A wallet top-up by card, left at the card page: `(order id, payment id)`.
async fn card_top_up(app: &TestApp, sub: &Subscriber, amount: i64) -> (String, String) {
    let (status, _, order) = app
        .post_json(
            "/api/v1/orders",
            json!({ "kind": "wallet_topup", "amount": { "amount": amount, "currency": "HKD" },
                    "payment_method": "card" }),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let payment = order["payment"]["id"]
        .as_str()
        .expect("a payment")
        .to_owned();
    assert_eq!(
        order["payment"]["next_action"]["url"],
        format!("https://datacard.test/pay/stripe/{payment}"),
        "{order}"
    );
    (order["id"].as_str().expect("an id").to_owned(), payment)
}

/// Tops up by card on the card page, expecting `state` for the order.
async fn top_up_with(
    app: &TestApp,
    stripe: &LocalStripe,
    sub: &Subscriber,
    number: &str,
    state: &str,
) -> String {
    let (order, payment) = card_top_up(app, sub, 10_000).await;
    let (_, answer) = pay_on_card_page(app, stripe, sub, &payment, number, true).await;
    assert_eq!(answer["redirect"], format!("/orders/{order}?returned=1"));
    assert_eq!(order_state(app, sub, &order).await, state);
    payment
}

async fn order_state(app: &TestApp, sub: &Subscriber, order: &str) -> String {
    let (status, _, body) = app
        .get_json(
            &format!("/api/v1/orders/{order}"),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["state"].as_str().unwrap_or_default().to_owned()
}

async fn cards(app: &TestApp, sub: &Subscriber) -> Vec<Value> {
    let (status, _, body) = app
        .get_json("/api/v1/me/cards", &[("authorization", &sub.auth())])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["cards"].as_array().cloned().unwrap_or_default()
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

async fn enable_card(app: &TestApp, sub: &Subscriber) -> Value {
    let (status, _, body) =
        set_auto_renew(app, sub, json!({ "enabled": true, "method": "card" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["method"], "card");
    body
}

// ----- what happened ------------------------------------------------------------------

async fn scan_and_run(app: &TestApp) -> usize {
    let queued = datacard::auto_renew::scan(app).await.expect("scan");
    datacard::jobs::run_due(app, "card-story")
        .await
        .expect("jobs run");
    queued
}

async fn run_jobs(app: &TestApp) {
    datacard::jobs::run_due(app, "card-story")
        .await
        .expect("jobs run");
}

async fn period_count(app: &TestApp, iccid: &str) -> usize {
    sqlx::query("SELECT id FROM line_periods WHERE iccid = $1")
        .bind(iccid)
        .fetch_all(app.db.reader())
        .await
        .expect("periods")
        .len()
}

/// `(order state, payment state, PaymentIntent)` of each renewal, oldest first.
async fn renewals(app: &TestApp, account_id: &str) -> Vec<(String, String, Option<String>)> {
    sqlx::query(
        "SELECT o.state, p.state AS payment_state, p.provider_ref FROM orders o \
         JOIN payments p ON p.order_id = o.id \
         WHERE o.account_id = $1 AND o.kind = 'renewal' ORDER BY o.created_at",
    )
    .bind(account_id)
    .fetch_all(app.db.reader())
    .await
    .expect("renewals")
    .iter()
    .map(|row| {
        (
            row.get("state"),
            row.get("payment_state"),
            row.get("provider_ref"),
        )
    })
    .collect()
}

/// The auto-renew messages sent to `destination`, oldest first.
async fn renew_messages(app: &TestApp, destination: &str) -> Vec<String> {
    app.messages_to(destination)
        .await
        .into_iter()
        .map(|entry| entry.message.kind)
        .filter(|kind| kind.starts_with("auto_renew"))
        .collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

async fn saved_payment_method(app: &TestApp, card_id: &str) -> String {
    sqlx::query("SELECT provider_ref FROM saved_cards WHERE id = $1")
        .bind(card_id)
        .fetch_one(app.db.reader())
        .await
        .expect("the saved card")
        .get("provider_ref")
}

async fn balance(app: &TestApp, sub: &Subscriber) -> i64 {
    datacard::ledger::wallet_balance(app, &sub.account_id, Currency::HKD)
        .await
        .expect("balance")
        .amount
}

// ===== stories =========================================================================

card_story!(
    a_saved_card_renews_the_line_off_session_through_a_time_jump,
    |app, stripe| {
        let sub = subscriber(&app, 1).await;
        top_up_with(&app, &stripe, &sub, VISA, "fulfilled").await;
        assert_eq!(balance(&app, &sub).await, 10_000);
        let saved = cards(&app, &sub).await;
        assert_eq!(saved.len(), 1, "{saved:?}");
        assert_eq!(
            (
                &saved[0]["brand"],
                &saved[0]["last4"],
                &saved[0]["exp_month"],
                &saved[0]["exp_year"]
            ),
            (&json!("visa"), &json!("4242"), &json!(12), &json!(2030))
        );
        let (_, account_page) = page(&app, &sub, "/account").await;
        assert!(account_page.contains("Visa •••• 4242"), "{account_page}");

        let settings = enable_card(&app, &sub).await;
        assert_eq!(settings["next_charge"]["amount"]["amount"], CARD_PRICE);

        // A day before the end: nothing. Within 24 hours of it: one charge, once.
        app.advance(Duration::hours(23));
        assert_eq!(scan_and_run(&app).await, 0);
        app.advance(Duration::hours(2));
        assert_eq!(scan_and_run(&app).await, 1);
        assert_eq!(scan_and_run(&app).await, 0);

        assert_eq!(period_count(&app, &sub.iccid).await, 2);
        let renewed = renewals(&app, &sub.account_id).await;
        assert_eq!(renewed.len(), 1, "{renewed:?}");
        assert_eq!(
            (renewed[0].0.as_str(), renewed[0].1.as_str()),
            ("fulfilled", "succeeded")
        );
        // Charged off-session at Stripe, to the saved card on the account's customer.
        let intent = renewed[0].2.clone().expect("a PaymentIntent");
        let (_, charged) = stripe.get(&format!("/v1/payment_intents/{intent}")).await;
        assert_eq!(charged["status"], "succeeded", "{charged}");
        assert_eq!(charged["amount"], CARD_PRICE);
        let card_id = saved[0]["id"].as_str().expect("an id");
        assert_eq!(
            charged["payment_method"],
            saved_payment_method(&app, card_id).await
        );
        assert!(
            charged["customer"]
                .as_str()
                .is_some_and(|c| c.starts_with("cus_")),
            "{charged}"
        );
        assert_eq!(
            balance(&app, &sub).await,
            10_000,
            "the wallet is not touched"
        );
        assert_eq!(
            renew_messages(&app, &sub.email).await,
            strings(&["auto_renew_card_done"])
        );
        let email = app.last_message(&sub.email).await.message.body;
        assert!(email.contains("saved card"), "{email}");
    }
);

card_story!(a_declined_saved_card_is_dunned_and_told, |app, stripe| {
    let sub = subscriber(&app, 2).await;
    // 4000 0000 0000 0002 is declined as soon as it is set up: Stripe.js says so on
    // the page, nothing is saved, and the payer can try another card.
    let (order, payment) = card_top_up(&app, &sub, 10_000).await;
    let secret = begin_setup(&app, &sub, &payment, true).await;
    let (status, declined) = stripe.confirm_card_setup(&secret, "4000000000000002").await;
    assert_eq!(
        (status, &declined["error"]["code"]),
        (402, &json!("card_declined"))
    );
    let setup_intent = secret.split("_secret_").next().expect("an id");
    let reply = confirm(&app, &sub, &payment, setup_intent).await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_setup_intent");
    assert!(cards(&app, &sub).await.is_empty());
    assert_eq!(order_state(&app, &sub, &order).await, "pending_payment");
    // 4000 0000 0000 0341 sets up fine and is declined when charged, there already;
    // it stays saved.
    pay_on_card_page(&app, &stripe, &sub, &payment, DECLINES, true).await;
    assert_eq!(order_state(&app, &sub, &order).await, "failed");
    assert_eq!(balance(&app, &sub).await, 0);
    assert_eq!(cards(&app, &sub).await.len(), 1);
    enable_card(&app, &sub).await;

    app.advance(Duration::hours(25));
    assert_eq!(scan_and_run(&app).await, 1);
    let first = strings(&["auto_renew_card_failed_0"]);
    assert_eq!(renew_messages(&app, &sub.email).await, first);
    // Within a day of the end: the SMS goes at once.
    assert_eq!(renew_messages(&app, &sub.phone).await, first);
    let sms = app.last_message(&sub.phone).await.message.body;
    assert!(
        sms.contains(&format!(
            "https://datacard.test/checkout?plan={PLAN}&iccid={}",
            sub.iccid
        )),
        "a one-tap renewal link: {sms}"
    );
    assert_eq!(
        renewals(&app, &sub.account_id)
            .await
            .into_iter()
            .map(|(order, payment, _)| (order, payment))
            .collect::<Vec<_>>(),
        vec![("failed".to_owned(), "failed".to_owned())]
    );

    // Retried an hour later and at six hours; the step at a day would be after the end.
    app.advance(Duration::minutes(59));
    run_jobs(&app).await;
    assert_eq!(renew_messages(&app, &sub.email).await.len(), 1);
    app.advance(Duration::minutes(1));
    run_jobs(&app).await;
    app.advance(Duration::hours(5));
    run_jobs(&app).await;
    let all = strings(&[
        "auto_renew_card_failed_0",
        "auto_renew_card_failed_1",
        "auto_renew_card_failed_2",
    ]);
    assert_eq!(renew_messages(&app, &sub.email).await, all);
    assert_eq!(
        datacard::jobs::pending(&app, datacard::auto_renew::ATTEMPT_JOB)
            .await
            .expect("pending"),
        0
    );
    app.advance(Duration::days(2));
    scan_and_run(&app).await;
    assert_eq!(renew_messages(&app, &sub.email).await, all);
    let renewed = renewals(&app, &sub.account_id).await;
    assert_eq!(renewed.len(), 3, "{renewed:?}");
    assert!(
        renewed
            .iter()
            .all(|(order, payment, _)| order == "failed" && payment == "failed")
    );
    assert_eq!(period_count(&app, &sub.iccid).await, 1);
});

card_story!(
    a_card_that_wants_three_d_secure_pays_on_the_page_but_fails_off_session_cleanly,
    |app, stripe| {
        let sub = subscriber(&app, 3).await;
        // On the page, 3-D Secure twice (setting up, paying) and the top-up goes through.
        top_up_with(&app, &stripe, &sub, THREE_D_SECURE, "fulfilled").await;
        assert_eq!(balance(&app, &sub).await, 10_000);
        enable_card(&app, &sub).await;

        app.advance(Duration::hours(25));
        assert_eq!(scan_and_run(&app).await, 1);
        let renewed = renewals(&app, &sub.account_id).await;
        assert_eq!(renewed.len(), 1, "{renewed:?}");
        assert_eq!(
            (renewed[0].0.as_str(), renewed[0].1.as_str()),
            ("expired", "cancelled")
        );
        // Nobody can complete it behind the dunning's back.
        let intent = renewed[0].2.clone().expect("a PaymentIntent");
        let (_, cancelled) = stripe.get(&format!("/v1/payment_intents/{intent}")).await;
        assert_eq!(cancelled["status"], "canceled", "{cancelled}");
        assert_eq!(
            renew_messages(&app, &sub.email).await,
            strings(&["auto_renew_card_failed_0"])
        );
        assert_eq!(period_count(&app, &sub.iccid).await, 1);
        assert_eq!(
            datacard::jobs::pending(&app, datacard::auto_renew::ATTEMPT_JOB)
                .await
                .expect("pending"),
            1,
            "the first dunning retry is queued"
        );
    }
);

card_story!(
    bad_input_is_refused_and_posts_sent_twice_pay_once,
    |app, stripe| {
        let alice = subscriber(&app, 4).await;
        let bob = subscriber(&app, 5).await;

        // No saved card: card auto-renew is refused, nothing is stored.
        let reply = set_auto_renew(&app, &bob, json!({ "enabled": true, "method": "card" })).await;
        assert_error(&reply, StatusCode::CONFLICT, "no_saved_card");
        assert_eq!(app.count_rows("auto_renew").await, 0);

        let alice_payment = top_up_with(&app, &stripe, &alice, VISA, "fulfilled").await;
        let alice_card = cards(&app, &alice).await[0]["id"]
            .as_str()
            .expect("an id")
            .to_owned();

        // Someone else's card, by the API and by the portal's form.
        let reply = app
            .delete(
                &format!("/api/v1/me/cards/{alice_card}"),
                &[("authorization", &bob.auth())],
            )
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "card_not_found");
        let (status, _, _) = post_form(
            &app,
            &bob,
            &format!("/account/cards/{alice_card}/remove"),
            &[],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(cards(&app, &alice).await.len(), 1);

        // Someone else's payment: no page, no SetupIntent.
        let (status, _) = page(&app, &bob, &format!("/pay/stripe/{alice_payment}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, body) = post_form(
            &app,
            &bob,
            &format!("/pay/stripe/{alice_payment}/setup"),
            &[("save", "on")],
            None,
        )
        .await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::NOT_FOUND, "payment_not_found")
        );

        let (order, payment) = card_top_up(&app, &bob, 5_000).await;
        // No CSRF token, or a wrong one.
        for csrf in ["", "not-the-token-of-this-session-at-all"] {
            let (status, _, _) = post_form(
                &app,
                &bob,
                &format!("/pay/stripe/{payment}/confirm"),
                &[("setup_intent", "seti_whatever")],
                Some(csrf),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN);
        }
        // Made up, malformed, Alice's, not confirmed yet, and one made at Stripe with our
        // metadata for another customer: all refused, nothing changes.
        let (status, alice_setup) = stripe.get("/v1/setup_intents?limit=100").await;
        assert_eq!(status, 200, "{alice_setup}");
        let alice_setup = alice_setup["data"][0]["id"]
            .as_str()
            .expect("Alice's SetupIntent")
            .to_owned();
        let unconfirmed = begin_setup(&app, &bob, &payment, true).await;
        let unconfirmed = unconfirmed
            .split("_secret_")
            .next()
            .expect("an id")
            .to_owned();
        let (_, stranger) = stripe.post("/v1/customers", &[]).await;
        let stranger = stranger["id"].as_str().expect("a customer");
        let (_, forged) = stripe
            .post(
                "/v1/setup_intents",
                &[
                    ("customer", stranger),
                    ("usage", "off_session"),
                    ("metadata[payment_id]", payment.as_str()),
                    ("metadata[account_id]", bob.account_id.as_str()),
                    ("metadata[save]", "1"),
                ],
            )
            .await;
        let forged_secret = forged["client_secret"].as_str().expect("a secret");
        let (status, _) = stripe.confirm_card_setup(forged_secret, VISA).await;
        assert_eq!(status, 200);
        let forged = forged["id"].as_str().expect("an id");
        for setup_intent in [
            "seti_doesnotexist",
            "seti_../../v1/customers",
            "pi_123",
            "",
            alice_setup.as_str(),
            unconfirmed.as_str(),
            forged,
        ] {
            let reply = confirm(&app, &bob, &payment, setup_intent).await;
            assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_setup_intent");
        }
        assert_eq!(order_state(&app, &bob, &order).await, "pending_payment");
        assert!(cards(&app, &bob).await.is_empty());
        let intent: String = sqlx::query("SELECT provider_ref FROM payments WHERE id = $1")
            .bind(&payment)
            .fetch_one(app.db.reader())
            .await
            .expect("the payment")
            .get("provider_ref");
        let (_, untouched) = stripe.get(&format!("/v1/payment_intents/{intent}")).await;
        assert_eq!(
            untouched["status"], "requires_payment_method",
            "{untouched}"
        );

        // Done properly, then the same post twice more: paid once, saved once.
        let (setup_intent, _) = pay_on_card_page(&app, &stripe, &bob, &payment, VISA, true).await;
        for _ in 0..2 {
            let (status, _, again) = confirm(&app, &bob, &payment, &setup_intent).await;
            assert_eq!(status, StatusCode::OK, "{again}");
            assert_eq!(again["next"], "order");
        }
        assert_eq!(order_state(&app, &bob, &order).await, "fulfilled");
        assert_eq!(balance(&app, &bob).await, 5_000);
        assert_eq!(cards(&app, &bob).await.len(), 1);
        let fulfilled: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM payment_events WHERE payment_id = $1 AND outcome = 'fulfilled'",
    )
    .bind(&payment)
    .fetch_one(app.db.reader())
    .await
    .expect("count")
    .get("n");
        assert_eq!(fulfilled, 1);
        // A settled payment takes no new SetupIntent.
        let (status, _, body) = post_form(
            &app,
            &bob,
            &format!("/pay/stripe/{payment}/setup"),
            &[],
            None,
        )
        .await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::CONFLICT, "payment_not_open")
        );
        // And its page goes to the order.
        let (status, _) = page(&app, &bob, &format!("/pay/stripe/{payment}")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
);

card_story!(
    a_removed_card_is_detached_and_auto_renew_says_it_cannot_charge,
    |app, stripe| {
        let sub = subscriber(&app, 6).await;
        top_up_with(&app, &stripe, &sub, VISA, "fulfilled").await;
        enable_card(&app, &sub).await;
        let card = cards(&app, &sub).await[0]["id"]
            .as_str()
            .expect("an id")
            .to_owned();
        let method = saved_payment_method(&app, &card).await;

        let (status, _, body) = app
            .delete(
                &format!("/api/v1/me/cards/{card}"),
                &[("authorization", &sub.auth())],
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        assert!(cards(&app, &sub).await.is_empty());
        assert!(
            stripe
                .log()
                .contains(&format!("POST /v1/payment_methods/{method}/detach")),
            "detached at Stripe:\n{}",
            stripe.log()
        );
        let (_, detached) = stripe.get(&format!("/v1/payment_methods/{method}")).await;
        assert_eq!(detached["customer"], Value::Null, "{detached}");
        let reply = app
            .delete(
                &format!("/api/v1/me/cards/{card}"),
                &[("authorization", &sub.auth())],
            )
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "card_not_found");

        // The portal's Remove button does the same.
        top_up_with(&app, &stripe, &sub, VISA, "fulfilled").await;
        let card = cards(&app, &sub).await[0]["id"]
            .as_str()
            .expect("an id")
            .to_owned();
        let (status, headers, _) = post_form(
            &app,
            &sub,
            &format!("/account/cards/{card}/remove"),
            &[],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers[header::LOCATION], "/account?card_removed=1");
        assert!(cards(&app, &sub).await.is_empty());
        let (_, account_page) = page(&app, &sub, "/account?card_removed=1&lang=en").await;
        assert!(account_page.contains("Card removed."), "{account_page}");

        // Auto-renew by card stays on, finds no card, charges nothing and says so.
        app.advance(Duration::hours(25));
        assert_eq!(scan_and_run(&app).await, 1);
        assert!(renewals(&app, &sub.account_id).await.is_empty());
        assert_eq!(
            renew_messages(&app, &sub.email).await,
            strings(&["auto_renew_card_failed_0"])
        );
    }
);

// ===== the migration ===================================================================

/// Runs `migrations/<dir>/NNNN_*.sql` for NNNN in `versions`, in order.
async fn run_migrations(db: &datacard::db::Db, dir: &str, versions: std::ops::RangeInclusive<u32>) {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .expect("the migrations")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            name.get(..4)
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|n| versions.contains(&n))
        })
        .collect();
    files.sort();
    for file in files {
        let sql = std::fs::read_to_string(&file).expect("read a migration");
        let mut tx = db.begin().await.expect("begin");
        sqlx::raw_sql(&sql)
            .execute(&mut *tx)
            .await
            .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        tx.commit().await.expect("commit");
    }
}

async fn insert_auto_renew(
    db: &datacard::db::Db,
    iccid: &str,
    method: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO auto_renew (iccid, enabled, method, \"trigger\", hours_before, plan_code, periods, sms, updated_at) \
         VALUES ($1, 1, $2, 'on_exhaustion', 12, 'HK-7D-5G', 3, 0, 42)",
    )
    .bind(iccid)
    .bind(method)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// 0006 on a database at 0005 with auto-renew rows: the rows stay as they were, `card`
/// is taken from then on, and the constraint still refuses anything else.
async fn card_joins_the_methods(db: &datacard::db::Db, dir: &str) {
    run_migrations(db, dir, 1..=5).await;
    insert_auto_renew(db, "89852000000000000011", "alipay")
        .await
        .expect("an Alipay row");
    assert!(
        insert_auto_renew(db, "89852000000000000029", "card")
            .await
            .is_err(),
        "no card before 0006"
    );
    run_migrations(db, dir, 6..=6).await;
    let row = sqlx::query("SELECT enabled, method, \"trigger\", hours_before, plan_code, periods, sms, updated_at FROM auto_renew")
        .fetch_one(db.reader())
        .await
        .expect("the row kept");
    assert_eq!(
        (
            row.get::<i64, _>("enabled"),
            row.get::<String, _>("method"),
            row.get::<String, _>("trigger"),
            row.get::<i64, _>("hours_before"),
            row.get::<Option<String>, _>("plan_code"),
            row.get::<i64, _>("periods"),
            row.get::<i64, _>("sms"),
            row.get::<i64, _>("updated_at"),
        ),
        (
            1,
            "alipay".into(),
            "on_exhaustion".into(),
            12,
            Some("HK-7D-5G".into()),
            3,
            0,
            42
        )
    );
    insert_auto_renew(db, "89852000000000000029", "card")
        .await
        .expect("card after 0006");
    assert!(
        insert_auto_renew(db, "89852000000000000037", "bitcoin")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn migration_0006_keeps_auto_renew_rows_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = datacard::db::Db::connect(&datacard::db::DbOptions {
        url: datacard::db::sqlite_url(&dir.path().join("upgrade.sqlite3")),
        max_connections: 2,
        schema: None,
    })
    .await
    .expect("connect");
    card_joins_the_methods(&db, "sqlite").await;
    db.close().await;
}

#[tokio::test]
async fn migration_0006_keeps_auto_renew_rows_on_postgres() {
    let Ok(url) = std::env::var("DATACARD_TEST_DATABASE_URL") else {
        eprintln!("SKIPPED (postgres): DATACARD_TEST_DATABASE_URL is not set");
        return;
    };
    let options = |schema: Option<String>| datacard::db::DbOptions {
        url: url.clone(),
        max_connections: 2,
        schema,
    };
    let guard = DropSchema {
        url: url.clone(),
        name: format!("t_upgrade_{:016x}", rand::random::<u64>()),
    };
    let admin = datacard::db::Db::connect(&options(None))
        .await
        .expect("connect");
    sqlx::query(&format!("CREATE SCHEMA \"{}\"", guard.name))
        .execute(admin.reader())
        .await
        .expect("create the schema");
    admin.close().await;
    let db = datacard::db::Db::connect(&options(Some(guard.name.clone())))
        .await
        .expect("connect");
    card_joins_the_methods(&db, "postgres").await;
    db.close().await;
}

/// A schema of the test's own, dropped (on a runtime of its own) however the test ends.
struct DropSchema {
    url: String,
    name: String,
}

impl Drop for DropSchema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let options = datacard::db::DbOptions {
                    url,
                    max_connections: 1,
                    schema: None,
                };
                if let Ok(admin) = datacard::db::Db::connect(&options).await {
                    let drop = format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE");
                    if let Err(error) = sqlx::query(&drop).execute(admin.reader()).await {
                        eprintln!("could not drop {name}: {error}");
                    }
                    admin.close().await;
                }
            });
        })
        .join();
    }
}
