//! Payments: only the payment's own provider may say it was paid; money refunded is
//! money taken back; a subscriber cannot make us hammer a provider.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use datacard::demo::sandbox::bank;
use datacard::orders::apply_notification;
use datacard::payments::{Notification, Observation, ProviderName, ProviderStatus};

use crate::support::{Numbering, Subscriber, TestApp, Used, start_time};

const PROVIDERS: [ProviderName; 4] = [
    ProviderName::Sandbox,
    ProviderName::Stripe,
    ProviderName::Alipay,
    ProviderName::WechatPay,
];

const NUMBERING: Numbering = Numbering {
    phone: "+852642",
    email: "hostile-pay",
    iccid: "89852042",
};

/// A card top-up ordered at the sandbox, then (as the operator's records would
/// show had another provider taken it) served by `provider`.
async fn payment_served_by(app: &TestApp, phone: &str, provider: ProviderName) -> (Value, String) {
    let (auth, order) = app.register_and_order_top_up(phone, "card").await;
    let payment = order["payment"]["id"]
        .as_str()
        .expect("a payment")
        .to_owned();
    sqlx::query("UPDATE payments SET provider = $1 WHERE id = $2")
        .bind(provider.as_str())
        .bind(&payment)
        .execute(app.db.reader())
        .await
        .expect("serve the payment elsewhere");
    (json!({ "auth": auth, "order": order }), payment)
}

async fn order_state(app: &TestApp, held: &Value) -> String {
    let id = held["order"]["id"].as_str().expect("an order id");
    let auth = held["auth"].as_str().expect("auth");
    let (status, _, order) = app
        .get_json(&format!("/api/v1/orders/{id}"), &[("authorization", auth)])
        .await;
    assert_eq!(status, StatusCode::OK, "{order}");
    order["state"].as_str().expect("a state").to_owned()
}

/// Spends the subscriber's wallet on one period of HK-30D-20G for their line.
async fn renew_from_wallet(app: &TestApp, sub: &Subscriber) {
    let (status, _, renewal) = app
        .post_json(
            "/api/v1/orders",
            json!({ "kind": "renewal", "iccid": sub.iccid, "plan_code": "HK-30D-20G",
                    "periods": 1, "payment_method": "wallet" }),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{renewal}");
}

/// The provider's word that it refunded `payment` on its own (a dispute).
fn refunded(payment: &str) -> Notification {
    Notification {
        event_id: format!("evt_refund_{payment}"),
        payment_id: payment.to_owned(),
        observation: Observation {
            status: ProviderStatus::Refunded,
            amount: None,
            raw: "{}".into(),
        },
    }
}

fn paid(payment: &str, event: &str) -> Notification {
    Notification {
        event_id: event.to_owned(),
        payment_id: payment.to_owned(),
        observation: Observation {
            status: ProviderStatus::Succeeded,
            amount: Some(datacard::money::Money::new(
                10_250,
                datacard::money::Currency::HKD,
            )),
            raw: "{\"forged\":true}".into(),
        },
    }
}

/// A sandbox notification that says `payment` succeeded, signed with the sandbox's
/// own key (the forger is assumed to know it).
fn sandbox_notification(app: &TestApp, payment: &str, amount: i64) -> Request<Body> {
    let body = json!({
        "id": format!("evt_forged_{payment}"),
        "type": "payment.succeeded",
        "created": app.now().timestamp(),
        "data": { "id": "sbx_forged", "merchant_ref": payment, "status": "succeeded",
                  "amount": amount, "currency": "HKD" },
    })
    .to_string();
    let secret = datacard::demo::sandbox::webhook_secret(app);
    let signature = bank::sign(&secret, app.now().timestamp(), &body);
    Request::post("/api/v1/webhooks/sandbox")
        .header(header::CONTENT_TYPE, "application/json")
        .header(bank::SIGNATURE_HEADER, signature)
        .body(Body::from(body))
        .expect("a request")
}

story!(
    a_sandbox_notification_cannot_pay_another_providers_order,
    |app| {
        for (n, provider) in [
            ProviderName::Stripe,
            ProviderName::Alipay,
            ProviderName::WechatPay,
        ]
        .into_iter()
        .enumerate()
        {
            let (held, payment) =
                payment_served_by(&app, &format!("+8526420010{n}"), provider).await;
            let amount = datacard::payments::store::find(&app, &payment)
                .await
                .expect("find")
                .expect("the payment")
                .amount
                .amount;
            let (status, _, body) = app.send(sandbox_notification(&app, &payment, amount)).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{provider}: {}",
                String::from_utf8_lossy(&body)
            );
            assert!(
                String::from_utf8_lossy(&body).contains("wrong_provider"),
                "{}",
                String::from_utf8_lossy(&body)
            );
            assert_eq!(
                order_state(&app, &held).await,
                "pending_payment",
                "{provider}"
            );
            let (_, _, me) = app
                .get_json(
                    "/api/v1/me",
                    &[("authorization", held["auth"].as_str().unwrap())],
                )
                .await;
            assert_eq!(me["wallet"]["balance"]["amount"], 0, "{provider}: {me}");
        }
        // The operator sees each refused notification.
        let attention = datacard::orders::attention::needing_attention(&app)
            .await
            .expect("attention");
        let wrong = attention
            .iter()
            .filter(|a| a.reasons.contains("wrong_provider"))
            .count();
        assert_eq!(wrong, 3, "{attention:?}");
    }
);

story!(every_provider_speaks_only_for_its_own_payments, |app| {
    for (n, owner) in PROVIDERS.into_iter().enumerate() {
        let (held, payment) = payment_served_by(&app, &format!("+8526420020{n}"), owner).await;
        for speaker in PROVIDERS.into_iter().filter(|p| *p != owner) {
            let event = format!("evt_{speaker}_{payment}");
            let refused = apply_notification(&app, speaker, &paid(&payment, &event)).await;
            let error = refused.expect_err("another provider's word is refused");
            assert_eq!(
                error.code,
                datacard::error::Code::WrongProvider,
                "{speaker} about {owner}'s payment"
            );
            assert_eq!(order_state(&app, &held).await, "pending_payment");
        }
        // The owner's own word is still heard afterwards.
        let own = apply_notification(&app, owner, &paid(&payment, &format!("evt_own_{payment}")))
            .await
            .expect("the owner's notification");
        assert!(
            matches!(own, datacard::orders::Applied::Moved(_)),
            "{own:?}"
        );
        assert_eq!(order_state(&app, &held).await, "fulfilled", "{owner}");
    }
});

/// A server outside demo mode with Stripe configured (keys of the operator's own).
async fn production(backend: crate::support::Backend) -> Option<TestApp> {
    TestApp::start_with(backend, |config| {
        config.demo = false;
        config.payments.card.provider = ProviderName::Stripe;
        config.payments.alipay.provider = ProviderName::Stripe;
        config.payments.wechat_pay.provider = ProviderName::Stripe;
        let stripe = &mut config.payments.providers.stripe;
        stripe.api_base = "http://127.0.0.1:9".into();
        stripe.secret_key = datacard::config::Secret::new("sk_live_operator_own");
        stripe.webhook_secret = datacard::config::Secret::new("whsec_operator_own");
        stripe.publishable_key = "pk_live_operator_own".into();
        config.messages.sms_transport = "outbox".into();
        config.messages.email_transport = "outbox".into();
    })
    .await
}

story_with!(
    outside_demo_no_sandbox_fake_or_outbox_answers,
    production,
    |app| {
        let (status, _, _) = app.send(sandbox_notification(&app, "pay_x", 100)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "the sandbox's webhook");
        for path in [
            "/sandbox/pay/pay_x",
            "/dev/outbox",
            "/fake/stripe/card/pi_x",
            "/fake/alipay/scan/x",
            "/fake/wechat_pay/scan/x",
        ] {
            let (status, _, _) = app.get_json(path, &[]).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        let (status, _, _) = app
            .post_raw(
                "/sandbox/pay/pay_x",
                Some("application/x-www-form-urlencoded"),
                b"outcome=succeed".to_vec(),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

story!(demo_credentials_open_nothing_outside_demo, |app| {
    datacard::demo::seed(&app).await.expect("the demo seeds");
    // The same database, now served outside demo mode.
    let mut config = app.config.clone();
    config.demo = false;
    config.payments.fakes = false;
    for method in [
        &mut config.payments.card,
        &mut config.payments.alipay,
        &mut config.payments.wechat_pay,
    ] {
        method.enabled = false;
    }
    config.messages.sms_transport = "outbox".into();
    config.messages.email_transport = "outbox".into();
    let production = datacard::server::build_with_db(
        config,
        app.db.clone(),
        std::sync::Arc::new(app.clock.clone()),
    )
    .expect("build");
    let router = datacard::web::router(production.clone());
    let send = |request| crate::support::call(router.clone(), request);

    let login =
        json!({ "login": datacard::demo::DEMO_PHONE, "password": datacard::demo::DEMO_PASSWORD });
    let (status, _, _) = send(crate::support::json_request(
        axum::http::Method::POST,
        "/api/v1/sessions",
        Some(login),
        &[],
    ))
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the demo subscriber");
    let operator = format!("Bearer {}", datacard::demo::DEMO_OPERATOR_KEY);
    let (status, _, _) = send(crate::support::json_request(
        axum::http::Method::GET,
        "/api/v1/admin/plans",
        None,
        &[("authorization", &operator)],
    ))
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the demo operator key");
    let network = format!("Bearer {}", datacard::demo::DEMO_NETWORK_KEY);
    let (status, _, _) = send(crate::support::json_request(
        axum::http::Method::POST,
        "/api/v1/usage",
        Some(json!({ "records": [] })),
        &[("authorization", &network)],
    ))
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the demo network key");
    // The same credentials still work in demo mode.
    app.log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    assert!(
        datacard::demo::seeded(&production).await.expect("seeded"),
        "the start-up check sees the seeds"
    );
});

story!(a_refunded_top_up_takes_its_credit_back, |app| {
    let sub = app
        .subscriber_with_line(&NUMBERING, 1, "HK-30D-20G", start_time(), Used::Nothing)
        .await;
    let order = app.order_top_up(&sub.auth(), 10_000, "card").await;
    app.pay_at_sandbox(&order).await;
    let (_, _, me) = app.me(&sub.token).await;
    let credit = me["wallet"]["balance"]["amount"]
        .as_i64()
        .expect("a balance");
    assert!(credit >= 10_000, "{me}");
    let payment = order["payment"]["id"].as_str().expect("a payment");
    datacard::orders::refund::refund(&app, payment, "test")
        .await
        .expect("refund");
    let (_, _, me) = app.me(&sub.token).await;
    assert_eq!(
        me["wallet"]["balance"]["amount"].as_i64(),
        Some(credit - 10_000),
        "the credit leaves with the money: {me}"
    );
    // Spending what is left with a wallet order now fails for want of money.
    let report = datacard::orders::store::check_books(&app.db)
        .await
        .expect("check");
    assert!(report.is_clean(), "{report:?}");
});

story!(a_spent_top_up_is_not_refunded_and_nothing_changes, |app| {
    let sub = app
        .subscriber_with_line(&NUMBERING, 2, "HK-30D-20G", start_time(), Used::Nothing)
        .await;
    let order = app.order_top_up(&sub.auth(), 10_000, "card").await;
    app.pay_at_sandbox(&order).await;
    // Spend it on a renewal from the wallet.
    renew_from_wallet(&app, &sub).await;
    let (_, _, before) = app.me(&sub.token).await;
    let payment = order["payment"]["id"].as_str().expect("a payment");
    let refused = datacard::orders::refund::refund(&app, payment, "test")
        .await
        .expect_err("a spent top-up is not refunded");
    assert_eq!(refused.code, datacard::error::Code::TopUpSpent);
    let (_, _, after) = app.me(&sub.token).await;
    assert_eq!(before["wallet"], after["wallet"]);
    let id = order["id"].as_str().expect("an id");
    let (_, _, shown) = app
        .get_json(
            &format!("/api/v1/orders/{id}"),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(shown["state"], "fulfilled");
});

story!(
    a_provider_refund_after_spending_is_booked_as_a_loss,
    |app| {
        let sub = app
            .subscriber_with_line(&NUMBERING, 3, "HK-30D-20G", start_time(), Used::Nothing)
            .await;
        let order = app.order_top_up(&sub.auth(), 10_000, "card").await;
        app.pay_at_sandbox(&order).await;
        let payment = order["payment"]["id"].as_str().expect("a payment");
        // The provider refunds on its own (a dispute): its word arrives.
        apply_notification(&app, ProviderName::Sandbox, &refunded(payment))
            .await
            .expect("applied");
        let (_, _, me) = app.me(&sub.token).await;
        assert_eq!(me["wallet"]["balance"]["amount"], 0, "{me}");
        let report = datacard::orders::store::check_books(&app.db)
            .await
            .expect("check");
        assert!(report.is_clean(), "{report:?}");
    }
);

story!(
    a_provider_refund_of_a_wholly_spent_top_up_is_all_loss,
    |app| {
        let sub = app
            .subscriber_with_line(&NUMBERING, 4, "HK-30D-20G", start_time(), Used::Nothing)
            .await;
        // HK$88.00 in, all of it spent on a renewal from the wallet.
        let order = app.order_top_up(&sub.auth(), 8_800, "card").await;
        app.pay_at_sandbox(&order).await;
        renew_from_wallet(&app, &sub).await;
        let (_, _, me) = app.me(&sub.token).await;
        assert_eq!(me["wallet"]["balance"]["amount"], 0, "{me}");
        // The card's holder disputes the top-up; the provider refunds it.
        let payment = order["payment"]["id"].as_str().expect("a payment");
        apply_notification(&app, ProviderName::Sandbox, &refunded(payment))
            .await
            .expect("applied");
        // Nothing was left to take back: the whole amount is the operator's loss, and the
        // books say the refund was accounted for.
        let report = datacard::orders::store::check_books(&app.db)
            .await
            .expect("check");
        assert!(report.unreversed_top_ups.is_empty(), "{report:?}");
        assert!(report.is_clean(), "{report:?}");
    }
);

story!(refreshes_do_not_hammer_the_provider, |app| {
    let (auth, order) = app.register_and_order_top_up("+85264200301", "card").await;
    let id = order["id"].as_str().expect("an id");
    let path = format!("/api/v1/orders/{id}/refresh");
    let headers = [("authorization", auth.as_str())];
    let refreshes = (0..40).map(|_| app.post_json(&path, json!({}), &headers));
    for (status, _, body) in futures_util::future::join_all(refreshes).await {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let payment = order["payment"]["id"].as_str().expect("a payment");
    let queries = datacard::payments::store::find(&app, payment)
        .await
        .expect("find")
        .expect("the payment")
        .queries;
    assert_eq!(queries, 1, "40 refreshes at once ask the provider once");
    app.advance_secs(6);
    let reply = app
        .post_json(&path, json!({}), &[("authorization", &auth)])
        .await;
    assert_eq!(reply.0, StatusCode::OK);
    let queries = datacard::payments::store::find(&app, payment)
        .await
        .expect("find")
        .expect("the payment")
        .queries;
    assert_eq!(queries, 2, "a later refresh asks again");
});
