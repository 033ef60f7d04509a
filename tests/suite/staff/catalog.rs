//! The catalog in the console: the plans with their versions, the offers with their
//! redemptions; a plan changed through its form (a new version, audited with the
//! member), and a bad form refused with every problem beside its field, nothing
//! stored.

use axum::http::StatusCode;
use datacard::staff::Role;

use super::*;

/// The demo's week plan, with no offer on it.
pub(super) const WEEK: &str = "HK-7D-5G";

/// The week plan's form as its page fills it in, with `price` (HK$) and the action.
pub(super) fn week_form<'a>(
    csrf: &'a str,
    price: &'a str,
    action: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("zone", "hk"),
        ("period.count", "7"),
        ("period.unit", "day"),
        ("data", "5 GB"),
        ("fair_use", ""),
        ("throttle_kbps", ""),
        ("prices.HKD", price),
        ("prices.new_currency", ""),
        ("prices.new_amount", ""),
        ("names.zh-HK", "香港 7 日 5GB"),
        ("names.zh-CN", "香港 7 天 5GB"),
        ("names.en", "Hong Kong 7 Days 5 GB"),
        ("effective_from", ""),
        ("action", action),
    ]
}

/// Everything a catalog form could change, row by row.
pub(super) async fn catalog_state(app: &TestApp) -> Vec<String> {
    let mut state = Vec::new();
    for table in [
        "plans",
        "plan_versions",
        "plan_prices",
        "promotions",
        "audit_log",
        "jobs",
        "orders",
    ] {
        state.push(format!("{table}: {}", app.count_rows(table).await));
    }
    for sql in [
        "SELECT code || ' ' || COALESCE(CAST(retired_at AS TEXT), '-') FROM plans ORDER BY code",
        "SELECT code || ' ' || digest || ' ' || COALESCE(CAST(retired_at AS TEXT), '-') FROM promotions ORDER BY code",
        "SELECT plan_version_id || ' ' || currency || ' ' || CAST(amount AS TEXT) FROM plan_prices ORDER BY plan_version_id, currency",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(app.db.reader())
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"));
        state.extend(rows);
    }
    state
}

/// Audit entries as `actor action subject`, oldest first.
pub(super) async fn audit_entries(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT actor || ' ' || action || ' ' || subject FROM audit_log ORDER BY seq",
    )
    .fetch_all(app.db.reader())
    .await
    .expect("the audit log")
}

story!(
    every_role_reads_the_catalog_and_only_admins_get_the_forms,
    |app| {
        datacard::demo::seed(&app).await.expect("demo seed");
        let admin = app.enrolled_staff("admin@example.com", Role::Admin).await;
        // A scheduled version and a retired plan, made through the forms.
        let later = (app.now() + chrono::Duration::days(10))
            .with_timezone(&chrono_tz::Asia::Hong_Kong)
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        let mut form = week_form(&admin.csrf, "52.00", "save");
        form.retain(|(name, _)| *name != "effective_from");
        form.push(("effective_from", &later));
        let (status, headers, page) = app
            .console_post(
                &format!("/admin/catalog/plans/{WEEK}"),
                &admin.cookie,
                &form,
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(
            headers.get("location").unwrap(),
            &format!("/admin/catalog?done=plan_changed&code={WEEK}#plans")
        );
        let retire = [
            ("csrf", admin.csrf.as_str()),
            ("zone", "hk"),
            ("period.count", "1"),
            ("period.unit", "day"),
            ("data", "1 GB"),
            ("prices.HKD", "18.00"),
            ("names.zh-HK", "香港日票 1GB"),
            ("names.zh-CN", "香港日包 1GB"),
            ("names.en", "Hong Kong Day Pass 1 GB"),
            ("retired", "on"),
            ("action", "save"),
        ];
        let versions = app.count_rows("plan_versions").await;
        let (status, _, page) = app
            .console_post("/admin/catalog/plans/HK-1D-1G", &admin.cookie, &retire)
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(
            app.count_rows("plan_versions").await,
            versions,
            "retiring is no new version"
        );

        for role in Role::ALL {
            let member = if role == Role::Admin {
                app.enrolled_staff("admin-2@example.com", role).await
            } else {
                app.enrolled_staff(&format!("{}@example.com", role.as_str()), role)
                    .await
            };
            let (status, _, page) = app
                .console_get("/admin/catalog?lang=en", &member.cookie)
                .await;
            assert_eq!(status, StatusCode::OK, "{role:?}: {page}");
            // Still sold at HK$48.00 until the scheduled version's time.
            let week = &page[page
                .find(&format!("data-plan=\"{WEEK}\""))
                .expect("the week plan")..];
            assert!(
                week[..week.find("</tr>").unwrap()].contains("HK$48.00"),
                "{week}"
            );
            assert!(
                week[..week.find("</tr>").unwrap()].contains("data-scheduled=\"2\""),
                "{week}"
            );
            let day = &page[page
                .find("data-plan=\"HK-1D-1G\"")
                .expect("the retired plan")..];
            assert!(
                day[..day.find("</tr>").unwrap()].contains("Retired since"),
                "{day}"
            );
            let welcome = &page[page.find("data-offer=\"WELCOME10\"").expect("the coupon")..];
            assert!(
                welcome[..welcome.find("</tr>").unwrap()].contains("1000 / 1000"),
                "uses left: {welcome}"
            );
            assert!(page.contains("data-offer=\"BUY3GET1\""));
            let admin_links = page.contains("href=\"/admin/catalog/plans/new\"")
                || page.contains(&format!("href=\"/admin/catalog/plans/{WEEK}\""))
                || page.contains("href=\"/admin/catalog/coupons/WELCOME10\"");
            assert_eq!(admin_links, role == Role::Admin, "edit links as {role:?}");
            assert!(
                page.contains("href=\"/admin/catalog\""),
                "the bar links the catalog"
            );
        }
    }
);

story!(
    a_plan_changed_through_its_form_gets_a_new_version_audited_with_the_member,
    |app| {
        datacard::demo::seed(&app).await.expect("demo seed");
        let admin = app.enrolled_staff("admin@example.com", Role::Admin).await;
        let (status, _, page) = app
            .console_get(&format!("/admin/catalog/plans/{WEEK}"), &admin.cookie)
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for filled in [
            "value=\"48.00\"",
            "value=\"5 GB\"",
            "value=\"香港 7 日 5GB\"",
        ] {
            assert!(
                page.contains(filled),
                "the form shows the plan as it stands: {filled}"
            );
        }
        let versions = app.count_rows("plan_versions").await;

        // The same entry again changes nothing.
        let path = format!("/admin/catalog/plans/{WEEK}");
        let (status, headers, _) = app
            .console_post(
                &path,
                &admin.cookie,
                &week_form(&admin.csrf, "48.00", "save"),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(
            headers
                .get("location")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("done=plan_unchanged")
        );
        assert_eq!(app.count_rows("plan_versions").await, versions);

        let (status, headers, page) = app
            .console_post(
                &path,
                &admin.cookie,
                &week_form(&admin.csrf, "52.00", "save"),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let location = headers
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(app.count_rows("plan_versions").await, versions + 1);
        let (address, _) = location.split_once('#').expect("back to the plans");
        let (_, _, listed) = app
            .console_get(&format!("{address}&lang=en"), &admin.cookie)
            .await;
        assert!(
            listed.contains(&format!("Plan {WEEK} changed.")),
            "{listed}"
        );
        let price: i64 = sqlx::query_scalar(
        "SELECT pp.amount FROM plan_prices pp JOIN plan_versions v ON v.id = pp.plan_version_id \
         WHERE v.plan_code = $1 AND v.version = 2",
    )
    .bind(WEEK)
    .fetch_one(app.db.reader())
    .await
    .expect("version 2's price");
        assert_eq!(price, 5_200);
        let entries = audit_entries(&app).await;
        assert_eq!(
            entries.last().map(String::as_str),
            Some(format!("staff:admin@example.com plan.version {WEEK}").as_str()),
            "{entries:?}"
        );
        // The portal sells the new version.
        let (_, _, plans) = app.get_json("/api/v1/plans", &[]).await;
        let week = plans
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"] == WEEK)
            .expect("on sale");
        assert_eq!(week["price"]["amount"], 5_200);
    }
);

/// The problems a refused page shows beside each field, by field.
pub(super) fn problems_beside(page: &str) -> Vec<String> {
    page.match_indices("data-field-error=\"")
        .map(|(at, needle)| {
            let rest = &page[at + needle.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

story!(
    a_bad_plan_form_shows_every_problem_beside_its_field_and_stores_nothing,
    |app| {
        datacard::demo::seed(&app).await.expect("demo seed");
        let admin = app.enrolled_staff("admin@example.com", Role::Admin).await;
        let before = catalog_state(&app).await;
        let path = format!("/admin/catalog/plans/{WEEK}");

        let mut bad = week_form(&admin.csrf, "-5.00", "save");
        for (name, value) in bad.iter_mut() {
            match *name {
                "zone" => *value = "mars",
                "names.en" => *value = "<b>Week</b>",
                "names.zh-HK" => *value = "<script>alert(1)</script>",
                "period.count" => *value = "seven",
                _ => {}
            }
        }
        let (status, _, page) = app
            .console_post(&format!("{path}?lang=en"), &admin.cookie, &bad)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        let beside = problems_beside(&page);
        for field in [
            "prices.HKD",
            "zone",
            "names.en",
            "names.zh-HK",
            "period.count",
        ] {
            assert!(
                beside.iter().any(|f| f == field),
                "a problem beside {field}: {beside:?}"
            );
        }
        assert!(
            page.contains("data-testid=\"form-problems\""),
            "and all of them at the top"
        );
        assert!(
            page.contains("price in HKD must be between 1 and 100000000"),
            "the shared check's words"
        );
        assert!(
            !page.contains("<script>alert(1)</script>") && !page.contains("<b>Week</b>"),
            "typed HTML is shown as text"
        );
        assert!(page.contains("value=\"-5.00\""), "what was typed is kept");

        // No English name; a preview of a bad form is refused the same way.
        let mut nameless = week_form(&admin.csrf, "52.00", "preview");
        nameless.retain(|(name, _)| *name != "names.en");
        let (status, _, page) = app.console_post(&path, &admin.cookie, &nameless).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(problems_beside(&page), vec!["names.en".to_owned()]);
        assert!(!page.contains("data-testid=\"preview\""));

        // A new plan cannot take a code in use, nor an unknown zone or no price.
        let mut new = week_form(&admin.csrf, "", "save");
        new.push(("code", WEEK));
        let (status, _, page) = app
            .console_post("/admin/catalog/plans", &admin.cookie, &new)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let beside = problems_beside(&page);
        assert!(
            beside.contains(&"code".to_owned()) && beside.contains(&"prices".to_owned()),
            "{beside:?}"
        );

        // An amount that is no number is said once, in the reader's language.
        let (status, _, page) = app
            .console_post(
                &format!("{path}?lang=zh-HK"),
                &admin.cookie,
                &week_form(&admin.csrf, "八十", "save"),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(problems_beside(&page), vec!["prices.HKD".to_owned()]);
        assert!(page.contains("請輸入金額"), "{page}");

        assert_eq!(catalog_state(&app).await, before, "nothing was stored");
        // The same entries through the admin API are refused by the same check.
        let key = datacard::api_keys::create_operator(&app, "checker", Role::Admin)
            .await
            .unwrap();
        let reply = app
        .request(
            axum::http::Method::PUT,
            &format!("/api/v1/admin/plans/{WEEK}"),
            Some(serde_json::json!({
                "code": WEEK, "zone": "hk", "period": { "unit": "day", "count": 7 }, "data": "5 GB",
                "prices": { "HKD": 4800 }, "names": { "en": "<b>Week</b>" },
            })),
            &[("authorization", &bearer(&key))],
        )
        .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_plan");
        assert!(
            reply.2["error"]["details"][0]
                .as_str()
                .unwrap()
                .contains("without < or >"),
            "{:?}",
            reply.2
        );
        assert_eq!(catalog_state(&app).await, before);
    }
);
