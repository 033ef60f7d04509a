//! Promotions and coupons through the console's forms: a form filled in from an offer
//! saves back unchanged, a new coupon is stored and audited with the member, a code
//! in use is refused.

use axum::http::StatusCode;
use datacard::staff::Role;

use super::catalog::{audit_entries, catalog_state, problems_beside};
use super::*;

/// The fields of the form on `page` as a browser would post them: text inputs and
/// selects with their values, ticked checkboxes.
fn posted_fields(page: &str) -> Vec<(String, String)> {
    let form = &page[page
        .find("<form class=\"stack catalog\"")
        .expect("the form")..];
    let form = &form[..form.find("</form>").unwrap()];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[start..start + tag[start..].find('"')?].to_owned())
    };
    let unescape = |text: String| {
        text.replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    let mut fields = Vec::new();
    for (at, _) in form.match_indices("<input ") {
        let tag = &form[at..at + form[at..].find('>').unwrap()];
        let (Some(name), kind) = (attr(tag, "name"), attr(tag, "type").unwrap_or_default()) else {
            continue;
        };
        if kind == "checkbox" && !tag.contains(" checked") {
            continue;
        }
        fields.push((name, unescape(attr(tag, "value").unwrap_or_default())));
    }
    for (at, _) in form.match_indices("<select ") {
        let select = &form[at..at + form[at..].find("</select>").unwrap()];
        let name = attr(select, "name").expect("a named select");
        let chosen = select
            .split("<option")
            .find(|o| o.contains(" selected"))
            .and_then(|o| attr(o, "value"))
            .unwrap_or_default();
        fields.push((name, chosen));
    }
    fields.push(("action".to_owned(), "save".to_owned()));
    fields
}

async fn save_as_shown(app: &TestApp, cookie: &str, path: &str) -> String {
    let (status, _, page) = app.console_get(path, cookie).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let fields = posted_fields(&page);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, headers, page) = app.console_post(path, cookie, &pairs).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{path}: {page}");
    headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

story!(
    every_offer_and_plan_saves_back_unchanged_from_its_form,
    |app| {
        datacard::demo::seed(&app).await.expect("demo seed");
        let admin = app.enrolled_staff("admin@example.com", Role::Admin).await;
        let before = catalog_state(&app).await;
        let (_, _, page) = app
            .console_get("/admin/catalog/coupons/WELCOME10", &admin.cookie)
            .await;
        for filled in [
            "value=\"10\"",
            "value=\"1000\"",
            "value=\"2026-01-01T00:00\"",
            "value=\"2030-01-01T00:00\"",
        ] {
            assert!(page.contains(filled), "the coupon's form shows {filled}");
        }
        for path in [
            "/admin/catalog/coupons/WELCOME10",
            "/admin/catalog/promotions/FIRST-MONTH-30",
            "/admin/catalog/promotions/BUY3GET1",
            "/admin/catalog/plans/HK-30D-UNL",
            "/admin/catalog/plans/HK-365D-200G",
        ] {
            let location = save_as_shown(&app, &admin.cookie, path).await;
            assert!(location.contains("_unchanged"), "{path} → {location}");
        }
        assert_eq!(catalog_state(&app).await, before, "nothing changed");
        // A coupon's address is not a promotion's.
        let (status, _, _) = app
            .console_get("/admin/catalog/promotions/WELCOME10", &admin.cookie)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

story!(a_new_coupon_is_stored_and_audited_with_the_member, |app| {
    datacard::demo::seed(&app).await.expect("demo seed");
    let admin = app.enrolled_staff("admin@example.com", Role::Admin).await;
    let coupon = [
        ("csrf", admin.csrf.as_str()),
        ("code", "spring15"),
        ("percent", "15"),
        ("total_limit", "100"),
        ("per_account_limit", "1"),
        ("min_spend.HKD", "50.00"),
        ("public", "on"),
        ("stacking", "combinable"),
        ("priority", "5"),
        ("names.en", "Spring 15 % off"),
        ("names.zh-HK", "春日八五折"),
        ("action", "save"),
    ];
    let (status, headers, page) = app
        .console_post("/admin/catalog/coupons", &admin.cookie, &coupon)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(
        headers.get("location").unwrap(),
        "/admin/catalog?done=coupon_created&code=SPRING15#coupons"
    );
    let entries = audit_entries(&app).await;
    assert_eq!(
        entries.last().unwrap(),
        "staff:admin@example.com promotion.create SPRING15"
    );
    let key = datacard::api_keys::create_operator(&app, "reader", Role::Viewer)
        .await
        .unwrap();
    let (_, _, stored) = app
        .get_json(
            "/api/v1/admin/coupons/SPRING15",
            &[("authorization", &bearer(&key))],
        )
        .await;
    assert_eq!(stored["entry"]["min_spend"]["HKD"], 5_000, "{stored}");
    assert_eq!(stored["uses_left"], 100);

    // Its code is now taken, for coupons and promotions alike.
    let before = catalog_state(&app).await;
    for path in ["/admin/catalog/coupons", "/admin/catalog/promotions"] {
        let mut again = coupon.to_vec();
        again.push(("kind", "first_period"));
        again.push(("first_order_of", "any"));
        let (status, _, page) = app
            .console_post(
                path,
                &admin.cookie,
                if path.ends_with("coupons") {
                    &coupon
                } else {
                    &again
                },
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert!(
            problems_beside(&page).contains(&"code".to_owned()),
            "{path}"
        );
    }
    assert_eq!(catalog_state(&app).await, before);
});
