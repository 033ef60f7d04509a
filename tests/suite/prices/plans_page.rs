//! The plans page: the price of each plan is what the chosen method charges, and it
//! is the review's total; plans grouped by how long they run, with the price per GB.

use datacard::payments::Method;

use super::helpers::*;

fn enabled(app: &TestApp) -> Vec<Method> {
    Method::ALL
        .into_iter()
        .filter(|m| m.config(&app.config.payments).enabled)
        .collect()
}

story!(
    the_plans_page_total_is_the_review_total_for_every_method,
    |app| {
        datacard::demo::seed(&app.app).await.expect("demo");
        let (_, cookie) = app
            .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        let methods = enabled(&app);
        assert!(
            methods.len() >= 3,
            "card, Alipay, WeChat Pay at least: {methods:?}"
        );
        for method in methods {
            let method = method.as_str();
            let (status, plans) =
                page(&app, &cookie, &format!("/plans?method={method}&lang=en")).await;
            assert_eq!(status, Status::OK, "{plans}");
            let totals = plan_totals(&plans);
            assert_eq!(
                totals.len(),
                11,
                "every plan priced for {method}: {totals:?}"
            );
            for (plan, total) in totals {
                let path = format!(
                    "/checkout/review?plan={plan}&method={method}&target=new&periods=1&lang=en"
                );
                let (status, review) = page(&app, &cookie, &path).await;
                assert_eq!(status, Status::OK, "{path}: {review}");
                assert_eq!(
                    review_total(&review),
                    Some(total),
                    "{plan} by {method}: the plans page said {total}"
                );
            }
        }
        // The fee is in the price, and said: HK$88.00 is HK$90.20 by card (2.5 %), HK$89.32
        // by Alipay (1.5 %), HK$88.00 from the wallet.
        for (method, total, fee) in [
            ("card", 9020, "fee 2.5 %"),
            ("alipay", 8932, "fee 1.5 %"),
            ("wallet", 8800, "no fee"),
        ] {
            let (_, plans) = page(&app, &cookie, &format!("/plans?method={method}&lang=en")).await;
            let totals = plan_totals(&plans);
            assert!(
                totals.contains(&("HK-30D-20G".to_owned(), total)),
                "{method}: {totals:?}"
            );
            let said = text_of(&plans, "data-testid=\"method-fee\"").unwrap_or_default();
            assert!(said.contains(fee), "{method}: {said}");
            assert!(!plans.contains("Prices include everything"), "{plans}");
        }
        let (_, zh) = page(&app, &cookie, "/plans?method=alipay&lang=zh-HK").await;
        assert!(!zh.contains("價格已包括所有費用"), "{zh}");
        assert!(zh.contains("已包括支付寶手續費 HK$1.32"), "{zh}");
        assert_eq!(app.count_rows("orders").await, 0, "looking orders nothing");
    }
);

story!(plans_are_grouped_by_length_with_the_price_per_gb, |app| {
    datacard::demo::seed(&app.app).await.expect("demo");
    let (status, plans) = page(&app, "", "/plans?lang=en").await;
    assert_eq!(status, Status::OK, "{plans}");
    let headings: Vec<usize> = ["Day passes", "Weekly", "Monthly", "Yearly"]
        .iter()
        .map(|h| {
            plans
                .find(&format!(">{h}</h2>"))
                .unwrap_or_else(|| panic!("a heading {h}: {plans}"))
        })
        .collect();
    assert!(headings.is_sorted(), "short plans first: {headings:?}");
    let group_of = |code: &str| {
        let at = plans.find(&format!("data-plan=\"{code}\"")).expect(code);
        headings.iter().filter(|h| **h < at).count()
    };
    assert_eq!(group_of("HK-1D-1G"), 1);
    assert_eq!(group_of("HK-1D-UNL"), 1);
    assert_eq!(group_of("HK-7D-5G"), 2);
    assert_eq!(group_of("GBA-7D-10G"), 2);
    assert_eq!(group_of("HK-30D-20G"), 3);
    assert_eq!(group_of("HK-1M-25G"), 3);
    assert_eq!(group_of("HK-365D-200G"), 4);
    assert_eq!(group_of("GBA-365D-UNL"), 4);
    // By card (the first method): HK$90.20 for 20 GB is HK$4.51 a GB; unlimited
    // plans have no price per GB.
    let card = |code: &str| {
        let start = plans.find(&format!("data-plan=\"{code}\"")).expect(code);
        let rest = &plans[start + 1..];
        let end = rest
            .find("data-plan=")
            .map_or(plans.len(), |e| start + 1 + e);
        plans[start..end].to_owned()
    };
    assert!(
        card("HK-30D-20G").contains("HK$4.51 per GB"),
        "{}",
        card("HK-30D-20G")
    );
    assert!(
        !card("HK-30D-UNL").contains("per GB"),
        "{}",
        card("HK-30D-UNL")
    );
    // Each offer once on each plan it is for: buy 3 get 1 on its four plans.
    assert_eq!(plans.matches("data-offer=\"BUY3GET1\"").count(), 4);
    // The public coupon is for every plan: once on each.
    assert_eq!(plans.matches("data-offer=\"WELCOME10\"").count(), 11);
    assert!(card("HK-1M-25G").contains("data-offer=\"BUY3GET1\""));
    // Choosing carries the method to the checkout.
    let (_, alipay) = page(&app, "", "/plans?method=alipay&lang=en").await;
    assert!(
        alipay.contains("href=\"/checkout?plan=HK-30D-20G&amp;method=alipay\""),
        "{alipay}"
    );
    // An unknown method prices by the first one instead of failing.
    let (status, odd) = page(&app, "", "/plans?method=bitcoin&lang=en").await;
    assert_eq!(status, Status::OK);
    assert_eq!(plan_totals(&odd), plan_totals(&plans));
});
