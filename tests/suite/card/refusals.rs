//! Bad input on the card page and the card API: each refused with nothing changed,
//! and posts sent twice pay once.

use super::*;

story_with!(
    bad_input_is_refused_and_posts_sent_twice_pay_once,
    start,
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
