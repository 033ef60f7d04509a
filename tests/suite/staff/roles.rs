//! What each role may do: every console page and admin endpoint there is, for every
//! role, by console session and by operator key; allowed or 403, and a refusal
//! changes nothing.

use axum::http::{Method, StatusCode};
use datacard::staff::Role;
use serde_json::json;

use super::*;

/// A plan entry the admin API takes (the demo catalog has no such plan).
fn plan_entry() -> serde_json::Value {
    json!({
        "code": "HK-3D-3G", "zone": "hk", "period": { "unit": "day", "count": 3 },
        "data": "3 GB", "prices": { "HKD": 3800 },
        "names": { "en": "Hong Kong 3 Days 3 GB", "zh-HK": "香港 3 日 3GB" },
    })
}

story!(every_console_page_checks_the_role, |app| {
    for role in Role::ALL {
        let member = app
            .enrolled_staff(&format!("{}@example.com", role.as_str()), role)
            .await;
        for path in [
            "/admin",
            "/admin/audit",
            "/admin/customers",
            "/admin/payments/attention",
            "/admin/books",
            "/admin/refunds",
        ] {
            let (status, _, page) = app.console_get(path, &member.cookie).await;
            assert_eq!(status, StatusCode::OK, "{path} as {role:?}: {page}");
        }
        // The books' exports are offered only to the roles that may export.
        let (_, _, books) = app.console_get("/admin/books", &member.cookie).await;
        assert_eq!(
            books.contains("/api/v1/admin/exports/"),
            role >= Role::Finance,
            "exports on the books as {role:?}"
        );
        let (status, _, page) = app.console_get("/admin/staff", &member.cookie).await;
        let expected = if role == Role::Admin {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(status, expected, "/admin/staff as {role:?}");
        // Refunds, adjustments and approvals: finance and admin; a refusal changes nothing.
        let finance = role >= Role::Finance;
        let before = app.count_rows("refunds").await;
        for path in [
            "/admin/customers/acc_nope/refunds",
            "/admin/customers/acc_nope/wallet-adjustments",
            "/admin/refunds/rfd_nope/approve",
        ] {
            let (status, _, page) = app
                .console_post(
                    path,
                    &member.cookie,
                    &[
                        ("csrf", &member.csrf),
                        ("payment", "pay_nope"),
                        ("amount", "1.00"),
                        ("reason", "goodwill"),
                    ],
                )
                .await;
            if finance {
                assert_ne!(status, StatusCode::FORBIDDEN, "{path} as {role:?}: {page}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{path} as {role:?}");
            }
        }
        assert_eq!(app.count_rows("refunds").await, before);
        if role != Role::Admin {
            assert!(
                !page.contains("href=\"/admin/staff\""),
                "no link to what the role may not open"
            );
        }
        let before = app.count_rows("staff").await;
        let (status, _, page) = app
            .console_post(
                "/admin/staff",
                &member.cookie,
                &[
                    ("csrf", &member.csrf),
                    ("email", &format!("new-by-{}@example.com", role.as_str())),
                    ("role", "admin"),
                ],
            )
            .await;
        assert_eq!(status, expected, "adding staff as {role:?}: {page}");
        let made = app.count_rows("staff").await - before;
        assert_eq!(made, i64::from(role == Role::Admin), "{role:?}");
        if role == Role::Admin {
            let link =
                testid_text(&page, "enrolment-link").expect("the new member's link, shown once");
            assert!(link.contains("/admin/enrol/"), "{link}");
        }
    }
    // Asking a provider is support's and up: a viewer is refused before anything is
    // looked up; the others are told there is no such payment.
    for role in Role::ALL {
        let member = app
            .enrolled_staff(&format!("asker-{}@example.com", role.as_str()), role)
            .await;
        let (status, _, _) = app
            .console_post(
                "/admin/payments/pay_none/query",
                &member.cookie,
                &[("csrf", &member.csrf)],
            )
            .await;
        let expected = if role == Role::Viewer {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(status, expected, "query as {role:?}");
        let key =
            datacard::api_keys::create_operator(&app, &format!("asker-{}", role.as_str()), role)
                .await
                .unwrap();
        let reply = app
            .request(
                Method::POST,
                "/api/v1/admin/payments/pay_none/query",
                None,
                &[("authorization", &bearer(&key))],
            )
            .await;
        assert_eq!(reply.0, expected, "API query as {role:?}: {:?}", reply.2);
        // Dismissing a finding of the watch (abnormal charges and usage): the same.
        let (status, _, _) = app
            .console_post(
                "/admin/attention/dismiss",
                &member.cookie,
                &[
                    ("csrf", &member.csrf),
                    ("subject", "finding"),
                    ("id", "fnd_none"),
                    ("reason", "checked"),
                ],
            )
            .await;
        assert_eq!(status, expected, "dismiss a finding as {role:?}");
        let reply = app
            .post_json(
                "/api/v1/admin/payments/attention/dismiss",
                json!({ "subject": "finding", "id": "fnd_none", "reason": "checked" }),
                &[("authorization", &bearer(&key))],
            )
            .await;
        assert_eq!(reply.0, expected, "API dismiss as {role:?}: {:?}", reply.2);
    }
    // Not signed in: every console page sends to the login.
    for path in [
        "/admin",
        "/admin/audit",
        "/admin/staff",
        "/admin/customers",
        "/admin/payments/attention",
        "/admin/books",
    ] {
        let (status, headers, _) = app.console_get(path, "").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(headers.get("location").unwrap(), "/admin/login");
    }
});

story!(
    every_admin_endpoint_checks_the_role_of_the_key_or_session,
    |app| {
        let reads = [
            "/api/v1/admin/plans",
            "/api/v1/admin/promotions",
            "/api/v1/admin/coupons",
            "/api/v1/admin/audit",
            "/api/v1/admin/payments/attention",
            "/api/v1/admin/reports/summary",
            "/api/v1/admin/refunds",
        ];
        for role in Role::ALL {
            let key =
                datacard::api_keys::create_operator(&app, &format!("key-{}", role.as_str()), role)
                    .await
                    .unwrap();
            let auth = bearer(&key);
            let headers = [("authorization", auth.as_str())];
            for path in reads {
                let (status, _, body) = app.get_json(path, &headers).await;
                assert_eq!(status, StatusCode::OK, "{path} with a {role:?} key: {body}");
            }
            for file in ["orders", "payments", "refunds", "ledger"] {
                let path = format!("/api/v1/admin/exports/{file}.csv");
                let reply = app.get_json(&path, &headers).await;
                if role >= Role::Finance {
                    assert_eq!(reply.0, StatusCode::OK, "{path} as {role:?}: {:?}", reply.2);
                } else {
                    assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");
                }
            }
            let writes = [
                (
                    Method::PUT,
                    "/api/v1/admin/plans/HK-3D-3G",
                    Some(plan_entry()),
                ),
                (Method::POST, "/api/v1/admin/plans/HK-3D-3G/retire", None),
                (
                    Method::POST,
                    "/api/v1/admin/promotions/NO-SUCH/retire",
                    None,
                ),
                (Method::POST, "/api/v1/admin/coupons/NO-SUCH/retire", None),
            ];
            for (method, path, body) in writes {
                let reply = app.request(method.clone(), path, body, &headers).await;
                if role == Role::Admin {
                    assert_ne!(
                        reply.0,
                        StatusCode::FORBIDDEN,
                        "{method} {path} as admin: {:?}",
                        reply.2
                    );
                } else {
                    assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");
                }
            }
        }
        // Refunds, adjustments and approvals take finance (or admin); the others are
        // refused before anything is looked up.
        for role in Role::ALL {
            let key = datacard::api_keys::create_operator(
                &app,
                &format!("money-{}", role.as_str()),
                role,
            )
            .await
            .unwrap();
            let auth = bearer(&key);
            let headers = [("authorization", auth.as_str())];
            for (path, body, missing) in [
                (
                    "/api/v1/admin/payments/pay_nope/refunds",
                    json!({ "reason": "goodwill" }),
                    "payment_not_found",
                ),
                (
                    "/api/v1/admin/refunds/rfd_nope/approve",
                    json!({}),
                    "refund_not_found",
                ),
                (
                    "/api/v1/admin/customers/acc_nope/wallet-adjustments",
                    json!({ "amount": { "amount": 100, "currency": "HKD" }, "reason": "goodwill" }),
                    "not_found",
                ),
            ] {
                let reply = app.post_json(path, body, &headers).await;
                if role >= Role::Finance {
                    assert_error(&reply, StatusCode::NOT_FOUND, missing);
                } else {
                    assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");
                }
            }
        }
        assert_eq!(app.count_rows("refunds").await, 0);

        // Only the admin's PUT made a plan: refusals changed nothing.
        let (_, _, plan) = app
            .get_json(
                "/api/v1/admin/plans/HK-3D-3G",
                &[(
                    "authorization",
                    &bearer(
                        &datacard::api_keys::create_operator(&app, "reader", Role::Viewer)
                            .await
                            .unwrap(),
                    ),
                )],
            )
            .await;
        assert_eq!(plan["code"], "HK-3D-3G");

        // Keys made before roles, or without one, are an admin's.
        let old = datacard::api_keys::create(&app, &datacard::api_keys::OPERATOR, "old-key")
            .await
            .unwrap();
        let reply = app
            .request(
                Method::POST,
                "/api/v1/admin/plans/HK-3D-3G/retire",
                None,
                &[("authorization", &bearer(&old))],
            )
            .await;
        assert_eq!(reply.0, StatusCode::OK, "{:?}", reply.2);

        // A console session reads; it writes only with the console's CSRF token, and then
        // only as its role allows.
        let support = app
            .enrolled_staff("support@example.com", Role::Support)
            .await;
        let admin = app.enrolled_staff("admin@example.com", Role::Admin).await;
        let (status, _, _) = app
            .get_json("/api/v1/admin/plans", &[("cookie", &support.cookie)])
            .await;
        assert_eq!(status, StatusCode::OK);
        let retire = "/api/v1/admin/promotions/NO-SUCH/retire";
        let reply = app
            .request(Method::POST, retire, None, &[("cookie", &admin.cookie)])
            .await;
        assert_error(&reply, StatusCode::FORBIDDEN, "csrf_failed");
        let reply = app
            .request(
                Method::POST,
                retire,
                None,
                &[("cookie", &admin.cookie), ("x-csrf-token", &support.csrf)],
            )
            .await;
        assert_error(&reply, StatusCode::FORBIDDEN, "csrf_failed");
        let reply = app
            .request(
                Method::POST,
                retire,
                None,
                &[("cookie", &support.cookie), ("x-csrf-token", &support.csrf)],
            )
            .await;
        assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");
        let reply = app
            .request(
                Method::POST,
                retire,
                None,
                &[("cookie", &admin.cookie), ("x-csrf-token", &admin.csrf)],
            )
            .await;
        assert_ne!(reply.0, StatusCode::FORBIDDEN, "{:?}", reply.2);
        // A subscriber's session cookie is no console session.
        let (status, _, _) = app
            .get_json("/api/v1/admin/plans", &[("cookie", "dc_session=whatever")])
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
);
