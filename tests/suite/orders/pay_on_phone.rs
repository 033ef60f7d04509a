//! The order page on the phone that pays: Alipay opens the provider rather than
//! asking to scan a QR on the same screen, the page follows the payment by itself
//! (a JSON status the page's script polls), back from the provider it does not invite
//! a second payment, Refresh says what it found, and the support contact is on the
//! footer and every error page.

use super::helpers::*;
use super::phone_browser::*;

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
