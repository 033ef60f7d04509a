//! Auto-renew by saved card through time jumps: charged off-session, declined and
//! dunned, stopped by 3-D Secure, or left with no card to charge.

use super::*;

story_with!(
    a_saved_card_renews_the_line_off_session_through_a_time_jump,
    start,
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
        // The renewal's own email (its receipt follows in another).
        let email = app
            .messages_to(&sub.email)
            .await
            .into_iter()
            .rfind(|entry| entry.message.kind == "auto_renew_card_done")
            .expect("the renewal's email")
            .message
            .body;
        assert!(email.contains("saved card"), "{email}");
    }
);

story_with!(
    a_declined_saved_card_is_dunned_and_told,
    start,
    |app, stripe| {
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
    }
);

story_with!(
    a_card_that_wants_three_d_secure_pays_on_the_page_but_fails_off_session_cleanly,
    start,
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

story_with!(
    a_removed_card_is_detached_and_auto_renew_says_it_cannot_charge,
    start,
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
