//! The order page on the phone that pays: Alipay opens the provider rather than
//! asking to scan a QR on the same screen, the page follows the payment by itself
//! (a JSON status the page's script polls), back from the provider it does not invite
//! a second payment, Refresh says what it found, a decline says why with Retry and
//! another method, a wallet too short says so on the review with a top-up of the
//! shortfall that comes back to the checkout, and the support contact is on the
//! footer and every error page.

use super::helpers::*;

const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const DESKTOP: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

struct Browser<'a> {
    app: &'a TestApp,
    csrf: String,
    cookie: String,
}

impl<'a> Browser<'a> {
    async fn demo(app: &'a TestApp) -> Browser<'a> {
        datacard::demo::seed(app).await.expect("demo");
        let (csrf, cookie) = app
            .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        Browser { app, csrf, cookie }
    }

    async fn get(&self, path: &str, agent: &str) -> (StatusCode, HeaderMapOwned, String) {
        let separator = if path.contains('?') { '&' } else { '?' };
        let request = Request::get(format!("{path}{separator}lang=en"))
            .header(header::COOKIE, &self.cookie)
            .header(header::USER_AGENT, agent)
            .body(Body::empty())
            .expect("request");
        let (status, headers, body) = self.app.send(request).await;
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    async fn post(
        &self,
        path: &str,
        agent: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, agent, &all).await
    }

    async fn post_raw(
        &self,
        path: &str,
        agent: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let request = Request::post(format!("{path}?lang=en"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &self.cookie)
            .header(header::USER_AGENT, agent)
            .body(Body::from(
                serde_urlencoded::to_string(fields).expect("form"),
            ))
            .expect("request");
        let (status, headers, body) = self.app.send(request).await;
        let location = headers
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (
            status,
            location,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    /// Pay on the review for one period of the plan on the demo line.
    async fn buy(&self, method: &str, total: i64, agent: &str) -> (StatusCode, String, String) {
        // Orders are told apart by when they were made.
        self.app.advance_secs(1);
        let iccid = demo_iccid();
        let total = total.to_string();
        self.post(
            "/checkout",
            agent,
            &[
                ("plan", PLAN),
                ("target", iccid.as_str()),
                ("method", method),
                ("periods", "1"),
                ("confirmed_total", total.as_str()),
            ],
        )
        .await
    }

    async fn latest_order(&self) -> (String, String) {
        let row = sqlx::query(
            "SELECT o.id, p.id AS payment FROM orders o JOIN payments p ON p.order_id = o.id \
             ORDER BY o.created_at DESC, o.id DESC, p.created_at DESC LIMIT 1",
        )
        .fetch_one(self.app.db.reader())
        .await
        .expect("an order");
        (row.get("id"), row.get("payment"))
    }
}

type HeaderMapOwned = axum::http::HeaderMap;

const ALIPAY_TOTAL: i64 = 8932; // HK$88.00 + 1.5 %
const CARD_TOTAL: i64 = 9020; // HK$88.00 + 2.5 %

story!(
    alipay_on_a_phone_opens_the_provider_instead_of_a_qr_to_scan,
    |app| {
        let shopper = Browser::demo(&app).await;
        // From a phone: straight on to the provider's mobile page, as wap / H5 pay do.
        let (status, location, page) = shopper.buy("alipay", ALIPAY_TOTAL, PHONE).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert!(location.contains("/sandbox/pay/pay_"), "{location}");
        let (order_id, _) = shopper.latest_order().await;
        let (_, _, page) = shopper.get(&format!("/orders/{order_id}"), PHONE).await;
        assert!(page.contains("data-testid=\"pay-here\""), "{page}");
        assert!(page.contains("Pay with Alipay"), "{page}");
        assert!(!page.contains("Scan this code"), "{page}");

        // An order made at a computer (a QR code), opened on the phone: the code's own
        // link opens the app as the big button; the QR is for another device, folded away.
        let (status, _, _) = shopper.buy("alipay", ALIPAY_TOTAL, DESKTOP).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (qr_order, _) = shopper.latest_order().await;
        let (_, _, phone) = shopper.get(&format!("/orders/{qr_order}"), PHONE).await;
        let button = phone
            .find("data-testid=\"pay-here\"")
            .expect("a pay button");
        let other = phone
            .find("data-testid=\"other-device\"")
            .expect("the QR for another device");
        assert!(button < other, "the app first, the QR after");
        assert!(
            phone.contains("<details class=\"other-device\" data-testid=\"other-device\">"),
            "folded away: {phone}"
        );
        let (_, _, desktop) = shopper.get(&format!("/orders/{qr_order}"), DESKTOP).await;
        assert!(desktop.contains("Scan this code"), "{desktop}");
        assert!(
            !desktop.contains("data-testid=\"other-device\""),
            "{desktop}"
        );
    }
);

story!(the_order_page_follows_the_payment_by_itself, |app| {
    let shopper = Browser::demo(&app).await;
    let (status, _, _) = shopper.buy("card", CARD_TOTAL, PHONE).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (order_id, payment_id) = shopper.latest_order().await;

    let (_, _, page) = shopper.get(&format!("/orders/{order_id}"), PHONE).await;
    assert!(
        page.contains("Waiting for your bank to confirm the card payment."),
        "{page}"
    );
    assert!(
        page.contains(&format!("data-follow=\"/orders/{order_id}/status\"")),
        "{page}"
    );
    assert!(
        page.contains("<script src=\"/assets/order-status.js\""),
        "{page}"
    );
    assert!(!page.contains("http-equiv"), "no meta refresh: {page}");
    let (status, headers, script) = shopper.get("/assets/order-status.js", PHONE).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/javascript")
    );
    assert!(
        script.contains("fetch(") && script.contains("location.replace"),
        "{script}"
    );

    let status_path = format!("/orders/{order_id}/status");
    let (status, _, json) = shopper.get(&status_path, PHONE).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert!(json.contains("\"state\":\"pending_payment\""), "{json}");

    let (status, _, _) = press(&app, &payment_id, "succeed").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    deliver_notifications(&app).await;
    let (_, _, json) = shopper.get(&status_path, PHONE).await;
    assert!(json.contains("\"state\":\"fulfilled\""), "{json}");
    // Without the script, loading the page shows the final state.
    let (_, _, page) = shopper.get(&format!("/orders/{order_id}"), PHONE).await;
    assert!(page.contains("data-state=\"fulfilled\""), "{page}");
    assert!(!page.contains("data-follow"), "{page}");

    // Someone else's order: nothing to read.
    let (status, _, _) = app
        .request(axum::http::Method::GET, &status_path, None, &[])
        .await;
    assert_ne!(status, StatusCode::OK, "not without a session");
    let (status, _, _) = shopper.get("/orders/ord_nope/status", PHONE).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

story!(
    back_from_the_provider_the_page_confirms_without_inviting_a_second_payment,
    |app| {
        let shopper = Browser::demo(&app).await;
        shopper.buy("card", CARD_TOTAL, PHONE).await;
        let (order_id, _) = shopper.latest_order().await;
        let (_, _, before) = shopper.get(&format!("/orders/{order_id}"), PHONE).await;
        assert!(
            before.contains("data-testid=\"pay-here\"")
                && before.contains("data-testid=\"pay-by\"")
        );
        let (_, _, back) = shopper
            .get(&format!("/orders/{order_id}?returned=1"), PHONE)
            .await;
        assert!(back.contains("confirming your payment"), "{back}");
        assert!(back.contains("Waiting for your bank"), "{back}");
        assert!(!back.contains("data-testid=\"pay-here\""), "{back}");
        assert!(!back.contains("data-testid=\"pay-by\""), "{back}");
        assert!(!back.contains("data-testid=\"cancel\""), "{back}");
    }
);

story!(refresh_says_what_it_found, |app| {
    let shopper = Browser::demo(&app).await;
    shopper.buy("card", CARD_TOTAL, PHONE).await;
    let (order_id, payment_id) = shopper.latest_order().await;
    let refresh = format!("/orders/{order_id}/refresh");
    let (status, location, _) = shopper.post(&refresh, PHONE, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/orders/{order_id}?checked=1"));
    let (_, _, page) = shopper.get(&location, PHONE).await;
    let time = app
        .now()
        .with_timezone(&chrono_tz::Asia::Hong_Kong)
        .format("%H:%M")
        .to_string();
    assert!(page.contains("data-testid=\"checked\""), "{page}");
    assert!(
        page.contains("no word from the payment provider yet") && page.contains(&time),
        "{page}"
    );

    press(&app, &payment_id, "succeed").await;
    deliver_notifications(&app).await;
    let (_, location, _) = shopper.post(&refresh, PHONE, &[]).await;
    let (_, _, page) = shopper.get(&location, PHONE).await;
    assert!(page.contains(": Done."), "{page}");
});

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
    the_support_contact_is_in_the_footer_and_on_error_pages,
    |app| {
        let shopper = Browser::demo(&app).await;
        let (_, _, page) = shopper.get("/plans", PHONE).await;
        assert!(page.contains("data-testid=\"support-footer\""), "{page}");
        assert!(
            page.contains("tel:+85230001234") && page.contains("https://wa.me/85260001234"),
            "{page}"
        );
        let (status, _, page) = shopper.get("/orders/ord_nope", PHONE).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(
            page.contains("data-testid=\"support\"")
                && page.contains("mailto:help@datacard.example"),
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
