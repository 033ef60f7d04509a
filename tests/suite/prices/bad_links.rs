//! Bad links and altered forms: a retired plan, an eSIM that is not the subscriber's,
//! impossible numbers of periods, a tampered total. Each is said on the page it was
//! sent from, and nothing is ordered; the API refuses the same.

use serde_json::json;

use crate::support::{Numbering, Used, assert_error, bearer};

use super::helpers::*;

const OTHERS: Numbering = Numbering {
    phone: "+852615",
    email: "other",
    iccid: "89852079",
};

async fn demo(app: &TestApp) -> (String, String) {
    datacard::demo::seed(&app.app).await.expect("demo");
    app.portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await
}

story!(a_link_to_a_retired_plan_says_it_is_not_sold, |app| {
    let (csrf, cookie) = demo(&app).await;
    let code = datacard::catalog::PlanCode::parse("HK-1D-1G").expect("code");
    datacard::catalog::edit::retire_plan(&app.app, &code, "test")
        .await
        .expect("retire");
    for path in [
        "/checkout?plan=HK-1D-1G&lang=en",
        "/checkout/review?plan=HK-1D-1G&target=new&method=card&periods=1&lang=en",
    ] {
        let (status, page) = page(&app, &cookie, path).await;
        assert_eq!(status, Status::NOT_FOUND, "{path}: {page}");
        assert!(page.contains("That plan is not on sale."), "{path}: {page}");
        assert!(page.contains("href=\"/plans\""), "the way on: {page}");
    }
    let (status, page) = pay(
        &app,
        &csrf,
        &cookie,
        &[
            ("plan", "HK-1D-1G"),
            ("target", "new"),
            ("method", "card"),
            ("periods", "1"),
            ("confirmed_total", "1845"),
        ],
    )
    .await;
    assert_eq!(status, Status::NOT_FOUND, "{page}");
    assert!(page.contains("That plan is not on sale."), "{page}");
    let token = app
        .log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    let auth = bearer(&token);
    let body = json!({ "kind": "new_esim", "plan_code": "HK-1D-1G", "periods": 1, "payment_method": "card" });
    let refused = app
        .post_json("/api/v1/orders", body, &[("authorization", auth.as_str())])
        .await;
    assert_error(&refused, Status::NOT_FOUND, "plan_not_found");
    assert_eq!(app.count_rows("orders").await, 0, "nothing was ordered");
});

story!(an_esim_that_is_not_yours_is_not_found, |app| {
    let (csrf, cookie) = demo(&app).await;
    let other = app
        .subscriber_with_line(&OTHERS, 1, "HK-30D-20G", app.now(), Used::Nothing)
        .await;
    let unknown = datacard::lines::Iccid::with_check_digit("898520000000000999")
        .expect("iccid")
        .to_string();
    for iccid in [other.iccid.as_str(), unknown.as_str()] {
        let (status, choose) = page(
            &app,
            &cookie,
            &format!("/checkout?plan=HK-30D-20G&iccid={iccid}&lang=en"),
        )
        .await;
        assert_eq!(status, Status::NOT_FOUND, "{choose}");
        assert!(
            choose.contains("We could not find that eSIM on your account."),
            "{choose}"
        );
        // Only the links back to this page (the language switch) carry the ICCID
        // typed into the address; the page says nothing of it.
        let shown = choose
            .split("href=\"")
            .map(|part| part.split_once('"').map_or(part, |(_, rest)| rest))
            .collect::<String>();
        assert!(
            !shown.contains(iccid),
            "another's eSIM is not shown: {choose}"
        );
        let path = format!(
            "/checkout/review?plan=HK-30D-20G&target={iccid}&method=card&periods=1&lang=en"
        );
        let (status, review) = page(&app, &cookie, &path).await;
        assert_eq!(status, Status::NOT_FOUND, "{review}");
        assert!(
            review.contains("We could not find that eSIM on your account."),
            "{review}"
        );
        let (status, paid) = pay(
            &app,
            &csrf,
            &cookie,
            &[
                ("plan", "HK-30D-20G"),
                ("target", iccid),
                ("method", "card"),
                ("periods", "1"),
                ("confirmed_total", "9020"),
            ],
        )
        .await;
        assert_eq!(status, Status::NOT_FOUND, "{paid}");
        assert!(
            paid.contains("We could not find that eSIM on your account."),
            "{paid}"
        );
    }
    assert_eq!(app.count_rows("orders").await, 0, "nothing was ordered");
});

story!(
    impossible_periods_and_tampered_totals_order_nothing,
    |app| {
        let (csrf, cookie) = demo(&app).await;
        let iccid = datacard::demo::demo_iccid();
        for periods in ["0", "10000"] {
            let path = format!(
                "/checkout/review?plan=HK-30D-20G&target={iccid}&method=card&periods={periods}&lang=en"
            );
            let (status, page) = page(&app, &cookie, &path).await;
            assert_eq!(status, Status::BAD_REQUEST, "{periods}: {page}");
            assert!(
                page.contains("Choose between 1 and 36 periods."),
                "{periods}: {page}"
            );
        }
        let token = app
            .log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        let auth = bearer(&token);
        for periods in [0, 10_000] {
            let body = json!({ "kind": "renewal", "iccid": iccid, "plan_code": "HK-30D-20G", "periods": periods, "payment_method": "card" });
            let refused = app
                .post_json("/api/v1/orders", body, &[("authorization", auth.as_str())])
                .await;
            assert_error(&refused, Status::BAD_REQUEST, "invalid_periods");
        }
        // A total changed in the form: the review again, saying nothing was charged.
        let form = |total: &'static str| {
            [
                ("plan", "HK-30D-20G"),
                ("target", iccid.as_str()),
                ("method", "card"),
                ("periods", "1"),
                ("confirmed_total", total),
            ]
        };
        let (status, page) = pay(&app, &csrf, &cookie, &form("1")).await;
        assert_eq!(status, Status::CONFLICT, "{page}");
        assert!(
            page.contains("it was HK$0.01, it is now HK$90.20. Nothing was charged"),
            "{page}"
        );
        let (status, page) = pay(&app, &csrf, &cookie, &form("ninety")).await;
        assert_eq!(status, Status::CONFLICT, "{page}");
        assert!(
            page.contains("Nothing was charged: the total sent with this order did not match it."),
            "{page}"
        );
        assert_eq!(review_total(&page), Some(9020));
        assert_eq!(app.count_rows("orders").await, 0, "nothing was ordered");
    }
);
