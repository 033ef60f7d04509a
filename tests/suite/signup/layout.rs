//! Amounts for people are grouped by thousands; what programs get is unchanged.

use axum::http::StatusCode;

use super::{Browser, PASSWORD};

story!(
    prices_read_with_thousands_separators_and_the_api_keeps_integers,
    |app| {
        datacard::demo::seed(&app.app).await.expect("demo");
        let mut browser = Browser::new(&app);
        for lang in ["en", "zh-HK"] {
            // From the wallet (no fee), GBA-365D-UNL costs HK$1,688.00.
            let page = browser
                .get(&format!("/plans?method=wallet&lang={lang}"))
                .await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains("HK$1,688.00"), "{lang}: no HK$1,688.00");
            assert!(!page.body.contains("HK$1688.00"), "{lang}");
        }
        let (status, _, plans) = app.get_json("/api/v1/plans", &[]).await;
        assert_eq!(status, StatusCode::OK);
        let yearly = plans
            .as_array()
            .or_else(|| plans["plans"].as_array())
            .and_then(|plans| plans.iter().find(|p| p["code"] == "GBA-365D-UNL"))
            .unwrap_or_else(|| panic!("no GBA-365D-UNL in {plans}"))
            .clone();
        assert_eq!(yearly["price"]["amount"], 168_800, "{yearly}");
        assert_eq!(yearly["price"]["currency"], "HKD", "{yearly}");
    }
);

story!(
    an_order_page_is_named_by_its_day_and_what_it_is_for,
    |app| {
        let auth = crate::support::bearer(
            &app.register("+85261230050", "titles@example.hk", PASSWORD)
                .await,
        );
        let order = app.order_top_up(&auth, 168_800, "card").await;
        let id = order["id"].as_str().expect("an order id").to_owned();
        let mut browser = Browser::new(&app);
        browser.get("/login").await;
        browser
            .post("/login", &[("login", "6123 0050"), ("password", PASSWORD)])
            .await;
        let page = browser.get(&format!("/orders/{id}?lang=en")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let title = between(&page.body, "<title>", "</title>");
        assert_eq!(title, "Order 25 Nov · Wallet top-up · datacard");
        let h1 = between(&page.body, "<h1>", "</h1>");
        assert_eq!(h1, "Order 25 Nov · Wallet top-up");
        // The id is still there for support, small.
        assert!(page.body.contains(&format!("Reference {id}")));
        // HK$1,688.00 and the 2.5 % card fee.
        assert!(page.body.contains("HK$1,730.20"), "{}", page.body);
        let page = browser.get(&format!("/orders/{id}?lang=zh-HK")).await;
        assert_eq!(
            between(&page.body, "<h1>", "</h1>"),
            "訂單 11月25日 · 錢包增值"
        );

        // The history is a list of cards, each with its total and state, no table.
        let page = browser.get("/orders?lang=zh-HK").await;
        assert!(!page.body.contains("<table"), "{}", page.body);
        assert!(page.body.contains(&format!("data-order=\"{id}\"")));
        assert!(page.body.contains("HK$1,730.20"));
    }
);

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).map_or(0, |at| at + start.len());
    let to = text[from..].find(end).map_or(text.len(), |at| from + at);
    &text[from..to]
}
