//! The first-month discount a new subscriber sees and gets, and buy 3 get 1.

use super::helpers::*;

// ----- the first-month discount ----------------------------------------------------------

story!(
    a_new_subscriber_sees_and_gets_the_first_month_discount,
    |app| {
        seed(&app).await;
        let (_, _, anonymous) = app.get_json("/api/v1/plans?lang=en", &[]).await;
        assert_eq!(
            offers(&anonymous, UNLIMITED),
            ["FIRST-MONTH-30", "BUY3GET1", "WELCOME10"]
        );
        assert_eq!(offers(&anonymous, PLAIN), ["WELCOME10"]);
        let (_, _, page) = app.get_json("/plans?lang=en", &[]).await;
        let page = page.as_str().expect("the plans page");
        assert!(
            page.contains("First month −30 %"),
            "the plans page shows the offer"
        );

        let chan = Shopper::new(&app, 1).await;
        let plans = chan.get("/api/v1/plans?lang=en").await;
        let first = &plans
            .as_array()
            .and_then(|plans| plans.iter().find(|p| p["code"] == UNLIMITED))
            .expect("the unlimited plan")["promotions"][0];
        assert_eq!(first["name"], "First month −30 %", "{first}");
        assert_eq!(first["kind"], "first_period");
        assert_eq!(
            first["condition"],
            "30 % off the first period of your first order of this plan"
        );

        let discount = UNLIMITED_PRICE * 30 / 100;
        let subtotal = UNLIMITED_PRICE - discount;
        let quote = chan.quote(new_esim(UNLIMITED, 1, "card")).await;
        assert_eq!(
            quote["breakdown"],
            json!({ "list_price": hkd(UNLIMITED_PRICE),
                "discounts": [{ "promotion": "FIRST-MONTH-30", "name": "First month −30 %",
                                "reason": "30 % off the first period: your first order of this plan",
                                "amount": hkd(discount), "free_periods": 0 }],
                "fee": hkd(card_fee(subtotal)), "total": hkd(subtotal + card_fee(subtotal)) }),
            "{quote}"
        );
        // Why, in the subscriber's language.
        let (_, _, chinese) = chan
            .post("/api/v1/quotes", new_esim(UNLIMITED, 1, "card"), "zh-HK")
            .await;
        let reason = &chinese["breakdown"]["discounts"][0];
        assert_eq!(reason["name"], "首月七折", "{chinese}");
        assert_eq!(reason["reason"], "首期減 30 %：你首次訂購此計劃");

        let order = chan.order(new_esim(UNLIMITED, 1, "card")).await;
        assert_eq!(order["breakdown"], quote["breakdown"]);
        app.pay_at_sandbox(&order).await;
        let order = chan.show(&id_of(&order)).await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        assert_eq!(
            order["breakdown"]["total"],
            hkd(subtotal + card_fee(subtotal))
        );

        // Once: the offer is gone for Chan, and a second order pays the list price.
        let plans = chan.get("/api/v1/plans").await;
        assert_eq!(offers(&plans, UNLIMITED), ["BUY3GET1", "WELCOME10"]);
        let again = chan.quote(new_esim(UNLIMITED, 1, "card")).await;
        assert_eq!(again["breakdown"]["discounts"], json!([]));
        // …while someone new still sees it.
        let (_, _, anonymous) = app.get_json("/api/v1/plans", &[]).await;
        assert_eq!(offers(&anonymous, UNLIMITED)[0], "FIRST-MONTH-30");
    }
);

concurrent_story!(
    two_first_orders_at_once_get_the_first_month_discount_once,
    |app| {
        seed(&app).await;
        let kwok = Shopper::new(&app, 40).await;
        let attempts = (0..3).map(|_| {
            let request = json_request(
                Method::POST,
                "/api/v1/orders",
                Some(new_esim(UNLIMITED, 1, "card")),
                &[("authorization", kwok.auth.as_str())],
            );
            tokio::spawn(call(app.router.clone(), request))
        });
        let answers = futures_join(attempts.collect()).await;
        let discounted = answers
            .iter()
            .filter(|(status, order)| {
                *status == StatusCode::CREATED
                    && order["breakdown"]["discounts"][0]["promotion"] == "FIRST-MONTH-30"
            })
            .count();
        assert_eq!(discounted, 1, "one first order: {answers:?}");
        for (status, body) in &answers {
            // The others were either priced after the first was written (list price), or
            // priced with it and refused when they tried to claim it.
            match *status {
                StatusCode::CREATED => {}
                _ => assert_eq!(
                    (*status, error_code(body)),
                    (StatusCode::CONFLICT, "offer_already_used")
                ),
            }
        }
        let claims = "SELECT COUNT(*) FROM promotion_redemptions WHERE promotion_code = $1";
        assert_eq!(scalar(&app, claims, "FIRST-MONTH-30").await, 1);
    }
);

story!(
    an_expired_first_order_leaves_the_first_month_discount_to_the_next,
    |app| {
        seed(&app).await;
        let mak = Shopper::new(&app, 41).await;
        let first = mak.order(new_esim(UNLIMITED, 1, "card")).await;
        assert_eq!(
            first["breakdown"]["discounts"][0]["promotion"],
            "FIRST-MONTH-30"
        );
        app.advance(Duration::minutes(31));
        reconcile::run_due(&app, "worker").await.expect("jobs");
        assert_eq!(mak.show(&id_of(&first)).await["state"], "expired");
        // Never paid, so the next order is still the first one that counts.
        let plans = mak.get("/api/v1/plans").await;
        assert_eq!(offers(&plans, UNLIMITED)[0], "FIRST-MONTH-30");
        let second = mak.order(new_esim(UNLIMITED, 1, "card")).await;
        assert_eq!(
            second["breakdown"]["discounts"][0]["promotion"],
            "FIRST-MONTH-30"
        );
        app.pay_at_sandbox(&second).await;
        assert_eq!(mak.show(&id_of(&second)).await["state"], "fulfilled");
    }
);

// ----- buy 3 get 1 -----------------------------------------------------------------------

story!(
    a_buy_three_get_one_order_adds_four_periods_to_the_line,
    |app| {
        seed(&app).await;
        let lee = Shopper::new(&app, 2).await;
        // What the client says about prices is not read: the server prices.
        let mut body = new_esim(MONTHLY, 3, "card");
        body["price"] = hkd(1);
        body["total"] = hkd(1);
        body["discounts"] = json!([{ "promotion": "FREE", "amount": hkd(29_400) }]);
        let order = lee.order(body).await;
        let paid = 3 * MONTHLY_PRICE;
        assert_eq!(order["periods"], 4, "{order}");
        assert_eq!(
            order["breakdown"],
            json!({ "list_price": hkd(4 * MONTHLY_PRICE),
                "discounts": [{ "promotion": "BUY3GET1", "name": "Buy 3 months, get 1 free",
                                "reason": "Buy 3, get 1 free: 1 more period at no charge",
                                "amount": hkd(MONTHLY_PRICE), "free_periods": 1 }],
                "fee": hkd(card_fee(paid)), "total": hkd(paid + card_fee(paid)) })
        );
        assert_eq!(order["payment"]["state"], "pending");

        app.pay_at_sandbox(&order).await;
        let order = lee.show(&id_of(&order)).await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        assert_eq!(periods_of(&app, &id_of(&order)).await, 4);
        let me = lee.get("/api/v1/me").await;
        let line = &me["lines"][0];
        assert_eq!(
            line["queued_periods"].as_array().map(Vec::len),
            Some(3),
            "{me}"
        );
        assert_eq!(line["current_period"]["plan_code"], MONTHLY);

        // Two periods earn nothing; seven earn two.
        let two = lee.quote(new_esim(MONTHLY, 2, "card")).await;
        assert_eq!(
            (
                two["periods"].clone(),
                two["breakdown"]["discounts"].clone()
            ),
            (json!(2), json!([]))
        );
        let seven = lee.quote(new_esim(MONTHLY, 7, "card")).await;
        assert_eq!(seven["periods"], 9);
        assert_eq!(seven["breakdown"]["discounts"][0]["free_periods"], 2);
    }
);
