//! A way on from every failure, at the portal: a decline says why with Retry (one new
//! order however often it is pressed) and another method; a pending order is
//! cancelled from its page; a wallet too short says so on the review with a top-up of
//! the shortfall that comes back to the checkout; auto-renew offers no saved card
//! without one and warns of a short wallet; someone else's order is out of reach.

use super::helpers::*;
use super::phone_browser::*;

story!(
    a_declined_card_says_why_and_retry_makes_one_new_order,
    |app| {
        let shopper = Browser::demo(&app).await;
        shopper.buy("card", CARD_TOTAL, PHONE).await;
        let (order_id, payment_id) = shopper.latest_order().await;
        press(&app, &payment_id, "fail").await;
        deliver_notifications(&app).await;

        let (_, _, page) = shopper.get(&format!("/orders/{order_id}"), PHONE).await;
        assert!(page.contains("data-state=\"failed\""), "{page}");
        assert!(page.contains("data-reason=\"declined\""), "{page}");
        assert!(page.contains("Your bank declined the payment"), "{page}");
        assert!(
            page.contains("Try again with Credit or debit card"),
            "{page}"
        );
        assert!(page.contains("data-testid=\"other-method\""), "{page}");
        assert!(page.contains("/checkout?plan=HK-30D-20G"), "{page}");
        assert!(
            page.contains("data-testid=\"support\"") && page.contains("tel:+85230001234"),
            "{page}"
        );

        let retry = format!("/orders/{order_id}/retry");
        // Without the form's token: refused, nothing ordered.
        let (status, _, _) = shopper.post_raw(&retry, PHONE, &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(app.count_rows("orders").await, 1);

        let (status, first, page) = shopper.post(&retry, PHONE, &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert!(
            first.contains("/sandbox/pay/pay_"),
            "on to pay the new order: {first}"
        );
        // A double tap: the same new order, not a second one.
        let (status, second, _) = shopper.post(&retry, PHONE, &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(first, second);
        assert_eq!(app.count_rows("orders").await, 2);
        let (new_order, new_payment) = shopper.latest_order().await;
        assert_ne!(new_order, order_id);

        press(&app, &new_payment, "succeed").await;
        deliver_notifications(&app).await;
        assert_eq!(periods_of(&app, &new_order).await, 1);
        assert_eq!(periods_of(&app, &order_id).await, 0);
        // A fulfilled order is not retried; nor is one still waiting.
        let (status, _, page) = shopper
            .post(&format!("/orders/{new_order}/retry"), PHONE, &[])
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{page}");
        assert!(
            page.contains("Only a failed, expired or cancelled order"),
            "{page}"
        );
        assert_eq!(app.count_rows("orders").await, 2);
    }
);

story!(cancel_from_the_order_page, |app| {
    let shopper = Browser::demo(&app).await;
    shopper.buy("alipay", ALIPAY_TOTAL, DESKTOP).await;
    let (order_id, _) = shopper.latest_order().await;
    let cancel = format!("/orders/{order_id}/cancel");
    let (status, _, _) = shopper.post_raw(&cancel, PHONE, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token, no cancel");
    let (status, location, _) = shopper.post(&cancel, PHONE, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/orders/{order_id}"));
    let (_, _, page) = shopper.get(&location, PHONE).await;
    assert!(page.contains("data-state=\"cancelled\""), "{page}");
    assert!(page.contains("data-testid=\"retry\""), "{page}");
    let (status, _, page) = shopper.post(&cancel, PHONE, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(
        page.contains("cannot be cancelled") && page.contains("Back to the order"),
        "{page}"
    );
});

story!(
    a_short_wallet_says_so_on_the_review_and_the_top_up_comes_back,
    |app| {
        let shopper = Browser::demo(&app).await;
        let iccid = demo_iccid();
        let review = format!("/checkout/review?plan={PLAN}&target={iccid}&method=wallet&periods=1");
        let (status, _, page) = shopper.get(&review, PHONE).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        // HK$50.00 in the demo wallet, HK$88.00 to pay.
        assert!(
            page.contains("data-testid=\"wallet-short\"") && page.contains("HK$38.00 short"),
            "{page}"
        );
        assert!(
            !page.contains("Pay HK$88.00"),
            "no Pay that cannot work: {page}"
        );
        let start = page
            .find("/checkout?topup=38&amp;resume=")
            .expect("a top-up of the shortfall");
        let link = page[start..page[start..].find('"').map(|e| start + e).expect("end")]
            .replace("&amp;", "&");
        let (status, headers, _) = shopper.get(&link, PHONE).await;
        assert_eq!(status, StatusCode::OK);
        let resume =
            crate::support::set_cookie(&headers, "dc_resume").expect("the way back remembered");

        let (status, _, page) = shopper
            .post(
                "/checkout",
                PHONE,
                &[
                    ("topup", "38"),
                    ("method", "card"),
                    ("confirmed_total", &(3800 + card_fee(3800)).to_string()),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let (topup_order, payment) = shopper.latest_order().await;
        press(&app, &payment, "succeed").await;
        deliver_notifications(&app).await;
        let with_resume = Browser {
            app: &app,
            csrf: shopper.csrf.clone(),
            cookie: format!("{}; dc_resume={resume}", shopper.cookie),
        };
        let (_, _, page) = with_resume
            .get(&format!("/orders/{topup_order}"), PHONE)
            .await;
        assert!(page.contains("data-testid=\"resume-checkout\""), "{page}");
        assert!(page.contains("/checkout/review?plan=HK-30D-20G"), "{page}");
        let (_, _, page) = shopper.get(&review, PHONE).await;
        assert!(
            page.contains("Pay HK$88.00") && !page.contains("wallet-short"),
            "{page}"
        );
    }
);

story!(
    auto_renew_offers_no_saved_card_without_one_and_warns_of_a_short_wallet,
    |app| {
        let shopper = Browser::demo(&app).await;
        let iccid = demo_iccid();
        let (_, _, page) = shopper.get("/account", PHONE).await;
        assert!(
            !page.contains("<option value=\"card\""),
            "no saved card to pick: {page}"
        );
        let (status, _, page) = shopper
            .post(
                &format!("/lines/{iccid}/auto-renew"),
                PHONE,
                &[
                    ("enabled", "on"),
                    ("method", "wallet"),
                    ("trigger", "before_expiry"),
                    ("hours_before", "24"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let (_, _, page) = shopper.get("/account", PHONE).await;
        assert!(page.contains("data-testid=\"wallet-short\""), "{page}");
        assert!(page.contains("/checkout?topup=38"), "{page}");
    }
);

story!(
    someone_elses_order_is_neither_read_cancelled_nor_retried,
    |app| {
        let shopper = Browser::demo(&app).await;
        shopper.buy("card", CARD_TOTAL, PHONE).await;
        let (order_id, payment_id) = shopper.latest_order().await;
        app.register("+85291110000", "other@example.hk", "harbour lights 88")
            .await;
        let (csrf, cookie) = app.portal_log_in("+85291110000", "harbour lights 88").await;
        let other = Browser {
            app: &app,
            csrf,
            cookie,
        };
        let (status, _, _) = other
            .get(&format!("/orders/{order_id}/status"), PHONE)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, page) = other
            .post(&format!("/orders/{order_id}/cancel"), PHONE, &[])
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
        assert_eq!(
            shopper
                .get(&format!("/orders/{order_id}/status"), PHONE)
                .await
                .2,
            "{\"payment_state\":\"pending\",\"state\":\"pending_payment\"}"
        );

        press(&app, &payment_id, "fail").await;
        deliver_notifications(&app).await;
        let (status, _, page) = other
            .post(&format!("/orders/{order_id}/retry"), PHONE, &[])
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
        assert_eq!(
            app.count_rows("orders").await,
            1,
            "nothing ordered for anyone"
        );
    }
);

story!(money_late_for_an_order_tried_again_goes_back, |app| {
    let shopper = Browser::demo(&app).await;
    shopper.buy("card", CARD_TOTAL, PHONE).await;
    let (order_id, payment_id) = shopper.latest_order().await;
    press(&app, &payment_id, "fail").await;
    deliver_notifications(&app).await;
    app.advance_secs(1);
    let (status, _, _) = shopper
        .post(&format!("/orders/{order_id}/retry"), PHONE, &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (new_order, new_payment) = shopper.latest_order().await;

    // The declined attempt succeeds after all at the provider: one renewal was meant,
    // the new order's; the old one's money is refunded, not a second renewal.
    let (status, _, answer) =
        money_after_the_close(&app, &payment_id, "evt_late_after_retry").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(periods_of(&app, &order_id).await, 0, "no second renewal");
    assert!(attention(&app, &order_id).await.contains("order_retried"));
    assert_eq!(
        payment_state(&app, &payment_id).await,
        PaymentState::RefundPending
    );
    press(&app, &new_payment, "succeed").await;
    deliver_notifications(&app).await;
    assert_eq!(periods_of(&app, &new_order).await, 1);
    run_jobs(&app, "worker-a").await;
    assert_eq!(
        payment_state(&app, &payment_id).await,
        PaymentState::Refunded
    );
});
