//! The history: every movement of the subscriber's money, newest first, paged with
//! `before`, each wallet movement with the balance after it; and the receipt and
//! credit note each payment and refund brings, sent by email and SMS.

use datacard::orders::staff_refund::{
    Destination, Reason, RefundRequest, adjust_wallet, request_refund,
};

use super::helpers::*;

/// The demo subscriber tops up, renews from the wallet and by card, gets part of the
/// card payment back to the wallet and a goodwill credit.
async fn a_month_of_activity(app: &TestApp, auth: &str) -> Value {
    buy(app, auth, top_up(10_000, "card")).await;
    buy(app, auth, renewal(1, "wallet")).await;
    let card = buy(app, auth, renewal(1, "card")).await;
    let payment = card["payment"]["id"].as_str().expect("a payment");
    request_refund(
        app,
        RefundRequest {
            payment_id: payment,
            amount: Some(2_000),
            destination: Destination::Wallet,
            reason: Reason::parse("service_problem").expect("a reason"),
            note: String::new(),
            actor: "finance@staff.example",
        },
    )
    .await
    .expect("refunded to the wallet");
    let (_, _, me) = app.get_json("/api/v1/me", &[("authorization", auth)]).await;
    let account = me["id"].as_str().expect("an id").to_owned();
    adjust_wallet(
        app,
        &account,
        datacard::money::Money::new(1_000, datacard::money::Currency::HKD),
        Reason::parse("goodwill").expect("a reason"),
        String::new(),
        "finance@staff.example",
    )
    .await
    .expect("a goodwill credit");
    card
}

story!(
    the_history_lists_every_movement_newest_first_in_pages,
    |app| {
        let auth = demo(&app).await;
        a_month_of_activity(&app, &auth).await;
        let (status, _, me) = app
            .get_json("/api/v1/me", &[("authorization", &auth)])
            .await;
        assert_eq!(status, StatusCode::OK);
        let balance = me["wallet"]["balance"]["amount"]
            .as_i64()
            .expect("a balance");

        let mut kinds = Vec::new();
        let mut entries = Vec::new();
        let mut path = "/api/v1/me/transactions?limit=2&lang=en".to_owned();
        loop {
            let (status, _, page) = app.get_json(&path, &[("authorization", &auth)]).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            let page_entries = page["entries"].as_array().expect("entries").clone();
            assert!(page_entries.len() <= 2);
            entries.extend(page_entries);
            match page["next_before"].as_str() {
                Some(next) => {
                    path = format!("/api/v1/me/transactions?limit=2&lang=en&before={next}")
                }
                None => break,
            }
        }
        for entry in &entries {
            kinds.push(entry["kind"].as_str().expect("a kind").to_owned());
        }
        assert_eq!(
            kinds,
            [
                "adjustment",
                "refund",
                "payment",
                "wallet_payment",
                "top_up",
                "credit"
            ],
            "{entries:#?}"
        );
        // Newest first, and the newest wallet balance is the wallet's.
        assert_eq!(entries[0]["balance_after"]["amount"], balance);
        // Each wallet movement leads from the balance before it to the one after.
        let wallet: Vec<&Value> = entries
            .iter()
            .filter(|e| e.get("balance_after").is_some())
            .collect();
        for pair in wallet.windows(2) {
            let (newer, older) = (pair[0], pair[1]);
            assert_eq!(
                older["balance_after"]["amount"].as_i64().unwrap()
                    + newer["amount"]["amount"].as_i64().unwrap(),
                newer["balance_after"]["amount"].as_i64().unwrap(),
                "{newer} after {older}"
            );
        }
        assert_eq!(
            entries[2]["amount"]["amount"],
            -(PLAN_PRICE + (PLAN_PRICE * 250 + 5_000) / 10_000)
        );
        assert!(
            entries[2].get("balance_after").is_none(),
            "a card payment leaves the wallet alone"
        );
        assert!(
            entries[2]["description"].as_str().unwrap().contains("Card"),
            "{}",
            entries[2]
        );

        // The page says the same in Chinese.
        let (status, page) = {
            let (status, _, bytes) = get_bytes(&app, "/history?lang=zh-HK", "").await;
            (status, String::from_utf8_lossy(&bytes).into_owned())
        };
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "signed-out visitors go to log in: {page}"
        );
        let (_, cookie) = app
            .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        let request = Request::get("/history?lang=zh-HK")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .expect("a request");
        let (status, _, body) = app.send(request).await;
        let page = String::from_utf8_lossy(&body);
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("交易記錄") && page.contains("錢包增值"),
            "{page}"
        );
    }
);

story!(
    each_payment_and_refund_brings_its_receipt_and_credit_note,
    |app| {
        let auth = demo(&app).await;
        let card = a_month_of_activity(&app, &auth).await;
        let order_id = id_of(&card);
        let (status, _, receipt) = app
            .get_json(
                &format!("/api/v1/orders/{order_id}/receipt?lang=en"),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{receipt}");
        assert_eq!(receipt["number"], "R2026-000003");
        assert_eq!(receipt["order_id"], order_id.as_str());
        assert_eq!(receipt["method"], "card");
        assert_eq!(receipt["issuer"]["business_registration"], "12345678");
        assert_eq!(receipt["items"].as_array().map(Vec::len), Some(1));
        assert!(
            receipt["items"][0]["description"]
                .as_str()
                .unwrap()
                .contains("period 1 of 1"),
            "{receipt}"
        );
        assert_eq!(receipt["items"][0]["amount"]["amount"], PLAN_PRICE);
        let fee = (PLAN_PRICE * 250 + 5_000) / 10_000;
        assert_eq!(receipt["fee"]["amount"], fee);
        assert_eq!(receipt["total"]["amount"], PLAN_PRICE + fee);
        assert!(receipt["provider_reference"].is_string(), "{receipt}");
        assert_eq!(receipt["time_zone"], "Asia/Hong_Kong");
        assert_eq!(receipt["credit_notes"][0]["number"], "CN2026-000001");
        assert_eq!(receipt["credit_notes"][0]["amount"]["amount"], 2_000);
        assert_eq!(receipt["credit_notes"][0]["destination"], "wallet");

        // Sent: an email with HTML and text, and a short SMS with the link.
        datacard::jobs::run_due_of_kind(&app, "w", datacard::orders::receipts::DOCUMENT_JOB)
            .await
            .expect("documents sent");
        let outbox = app.outbox_as_sent().await;
        let email = outbox
            .iter()
            .find(|m| m.message.subject.contains("R2026-000003"))
            .expect("the receipt's email");
        assert!(
            email.message.body.contains("/orders/") && email.message.html.is_some(),
            "{email:?}"
        );
        let sms = outbox
            .iter()
            .find(|m| {
                m.message.to == datacard::demo::DEMO_PHONE
                    && m.message.body.contains("R2026-000003")
            })
            .expect("the receipt's SMS");
        assert!(
            sms.message
                .body
                .contains(&format!("https://datacard.test/orders/{order_id}/receipt")),
            "{}",
            sms.message.body
        );
        assert!(
            outbox
                .iter()
                .any(|m| m.message.body.contains("CN2026-000001")),
            "the credit note is sent too"
        );

        // The order page leads to the receipt page, which shows it.
        let (_, cookie) = app
            .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        for (path, wanted) in [
            (
                format!("/orders/{order_id}"),
                "data-testid=\"receipt-link\"",
            ),
            (format!("/orders/{order_id}/receipt"), "R2026-000003"),
            (
                format!("/orders/{order_id}/receipt?lang=zh-HK"),
                "商業登記號碼 12345678",
            ),
        ] {
            let request = Request::get(&path)
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .expect("a request");
            let (status, _, body) = app.send(request).await;
            let page = String::from_utf8_lossy(&body);
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(page.contains(wanted), "{path}: {page}");
        }
    }
);
