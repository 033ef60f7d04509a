//! The catalog forms' preview: what a subscriber would pay, per payment method, priced
//! by the portal's own code; nothing is stored.

use axum::http::StatusCode;
use datacard::staff::Role;

use super::catalog::{catalog_state, problems_beside};

/// The demo's unlimited month, with a first-month discount for a first order.
const UNLIMITED: &str = "HK-30D-UNL";
const METHODS: [&str; 4] = ["card", "alipay", "wechat_pay", "wallet"];

fn unlimited_form<'a>(csrf: &'a str, price: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("zone", "hk"),
        ("period.count", "30"),
        ("period.unit", "day"),
        ("data", "unlimited"),
        ("fair_use", "50 GB"),
        ("throttle_kbps", "1024"),
        ("prices.HKD", price),
        ("names.zh-HK", "香港 30 日 無限數據"),
        ("names.zh-CN", "香港 30 天 不限量"),
        ("names.en", "Hong Kong 30 Days Unlimited"),
        ("action", "preview"),
    ]
}

/// The first `data-total` after `anchor` in `page`.
fn total_after(page: &str, anchor: &str) -> i64 {
    let at = page
        .find(anchor)
        .unwrap_or_else(|| panic!("{anchor} in {page}"));
    let rest = &page[at..];
    let start = rest.find("data-total=\"").expect("a total") + "data-total=\"".len();
    rest[start..start + rest[start..].find('"').unwrap()]
        .parse()
        .expect("a number")
}

story!(
    a_plan_preview_stores_nothing_and_shows_the_plans_pages_total,
    |app| {
        datacard::demo::seed(&app).await.expect("demo seed");
        let admin = app.enrolled_staff("admin@example.com", Role::Admin).await;
        let before = catalog_state(&app).await;
        let path = format!("/admin/catalog/plans/{UNLIMITED}?lang=en");

        let (status, _, preview) = app
            .console_post(&path, &admin.cookie, &unlimited_form(&admin.csrf, "168.00"))
            .await;
        assert_eq!(status, StatusCode::OK, "{preview}");
        assert!(preview.contains("data-testid=\"preview\""));
        assert!(
            preview.contains("First month −30 %"),
            "the first-month offer applies: {preview}"
        );
        for method in METHODS {
            let (status, _, plans) = app
                .console_get(&format!("/plans?method={method}&lang=en"), "")
                .await;
            assert_eq!(status, StatusCode::OK);
            let portal = total_after(&plans, &format!("data-plan=\"{UNLIMITED}\""));
            let shown = total_after(&preview, &format!("data-method=\"{method}\""));
            assert_eq!(
                shown, portal,
                "the preview's {method} total is the plans page's"
            );
        }

        // A lower price: the preview shows it, nothing is stored, the portal is unchanged.
        let (status, _, cheaper) = app
            .console_post(&path, &admin.cookie, &unlimited_form(&admin.csrf, "150.00"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let card_then = total_after(&preview, "data-method=\"card\"");
        let card_now = total_after(&cheaper, "data-method=\"card\"");
        assert!(card_now < card_then, "{card_now} < {card_then}");
        assert!(
            cheaper.contains("value=\"150.00\""),
            "the form keeps what was typed"
        );
        assert!(cheaper.contains("HK$150.00"), "the list price");
        let (_, _, plans) = app.console_get("/plans?method=card", "").await;
        assert_eq!(
            total_after(&plans, &format!("data-plan=\"{UNLIMITED}\"")),
            card_then
        );

        // A new plan previews before it exists.
        let mut new = unlimited_form(&admin.csrf, "99.00");
        new.push(("code", "HK-30D-UNL-LITE"));
        let (status, _, page) = app
            .console_post("/admin/catalog/plans", &admin.cookie, &new)
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("data-method=\"card\""));

        assert_eq!(
            catalog_state(&app).await,
            before,
            "a preview stores nothing"
        );
    }
);

story!(
    an_offer_preview_prices_each_plan_with_the_offer_as_typed,
    |app| {
        datacard::demo::seed(&app).await.expect("demo seed");
        let admin = app.enrolled_staff("admin@example.com", Role::Admin).await;
        let before = catalog_state(&app).await;
        let coupon = [
            ("csrf", admin.csrf.as_str()),
            ("code", "SPRING15"),
            ("percent", "15"),
            ("plans", "HK-7D-5G"),
            ("plans", "HK-30D-20G"),
            ("methods", "card"),
            ("stacking", "combinable"),
            ("priority", "0"),
            ("names.en", "Spring 15 % off"),
            ("action", "preview"),
        ];
        let (status, _, page) = app
            .console_post("/admin/catalog/coupons?lang=en", &admin.cookie, &coupon)
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("data-testid=\"preview-offer\""));
        let rows = page.matches("<tr data-plan=").count();
        assert_eq!(rows, 2, "only the plans it is limited to");
        // HK$48.00 − 15 % = HK$40.80, before the card's fee; the wallet is refused as the
        // checkout would refuse the code.
        let week = &page[page.find("data-plan=\"HK-7D-5G\"").unwrap()..];
        let week = &week[..week.find("</tr>").unwrap()];
        assert!(week.contains("data-applied=\"720\""), "{week}");
        assert!(
            week.contains("data-refused=\"coupon_not_applicable\""),
            "{week}"
        );
        assert_eq!(
            catalog_state(&app).await,
            before,
            "a preview stores nothing"
        );

        // A bad offer is refused beside its fields, whatever the button.
        let bad = [
            ("csrf", admin.csrf.as_str()),
            ("code", "GREEDY"),
            ("percent", "150"),
            ("total_limit", "2"),
            ("per_account_limit", "5"),
            ("zones", "mars"),
            ("starts_at", "2026-12-31T00:00"),
            ("ends_at", "2026-01-01T00:00"),
            ("stacking", "combinable"),
            ("names.en", "<i>Greedy</i>"),
            ("action", "preview"),
        ];
        let (status, _, page) = app
            .console_post("/admin/catalog/coupons", &admin.cookie, &bad)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        let beside = problems_beside(&page);
        for field in [
            "percent",
            "per_account_limit",
            "zones",
            "ends_at",
            "names.en",
        ] {
            assert!(beside.iter().any(|f| f == field), "{field}: {beside:?}");
        }
        assert!(!page.contains("data-testid=\"preview-offer\""));
        assert_eq!(catalog_state(&app).await, before);
    }
);
