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
            "/admin/announcements",
        ] {
            let (status, _, page) = app.console_get(path, &member.cookie).await;
            assert_eq!(status, StatusCode::OK, "{path} as {role:?}: {page}");
        }
        // Announcements: every role reads the list; only admins post and edit (an
        // announcement speaks for the operator; a marketing one is direct marketing).
        let admin = role == Role::Admin;
        let (status, _, page) = app
            .console_get("/admin/announcements/new", &member.cookie)
            .await;
        let allowed = if admin {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(
            status, allowed,
            "/admin/announcements/new as {role:?}: {page}"
        );
        let (_, _, list) = app
            .console_get("/admin/announcements", &member.cookie)
            .await;
        assert_eq!(
            list.contains("href=\"/admin/announcements/new\""),
            admin,
            "the New link as {role:?}"
        );
        let before = app.count_rows("announcements").await;
        let (status, _, page) = app
            .console_post(
                "/admin/announcements",
                &member.cookie,
                &[
                    ("csrf", &member.csrf),
                    ("title_en", &format!("By {}", role.as_str())),
                    ("action", "save"),
                ],
            )
            .await;
        let posted = if admin {
            StatusCode::SEE_OTHER
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(status, posted, "posting as {role:?}: {page}");
        assert_eq!(
            app.count_rows("announcements").await - before,
            i64::from(admin)
        );
        for (method, path) in [
            ("GET", "/admin/announcements/ann_nope"),
            ("POST", "/admin/announcements/ann_nope"),
        ] {
            let (status, _, page) = if method == "GET" {
                app.console_get(path, &member.cookie).await
            } else {
                app.console_post(
                    path,
                    &member.cookie,
                    &[
                        ("csrf", &member.csrf),
                        ("title_en", "x"),
                        ("action", "save"),
                    ],
                )
                .await
            };
            let expected = if admin {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{method} {path} as {role:?}: {page}");
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
        "/admin/announcements",
        "/admin/announcements/new",
        "/admin/announcements/ann_nope",
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
            "/api/v1/admin/announcements",
            "/api/v1/admin/inventory",
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
                (
                    Method::POST,
                    "/api/v1/admin/announcements",
                    Some(json!({ "title": { "en": format!("By {}", role.as_str()) } })),
                ),
                (
                    Method::PUT,
                    "/api/v1/admin/announcements/ann_nope",
                    Some(json!({ "title": { "en": "Edited" } })),
                ),
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
        // Only the admin's POST made an announcement.
        assert_eq!(app.count_rows("announcements").await, 1);

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

story!(
    messages_reviews_manual_fulfilment_and_rejections_check_the_role,
    |app| {
        // An ICCID that parses but names no line.
        let line = datacard::lines::Iccid::with_check_digit("898520609999999999")
            .unwrap()
            .to_string();
        let fields = [("reason", "x"), ("reference", "r"), ("back", "attention")];
        let body = |path: &str| match path.ends_with("fulfil") {
            true => json!({ "reason": "x", "reference": "r" }),
            false => json!({ "reason": "x" }),
        };
        let review = format!("lines/{line}/review");
        // (console form under /admin/, API method and path under /api/v1/admin/, least
        // role, the API's refusal once allowed)
        #[rustfmt::skip]
        let routes = [
            ("messages/m_x/resend", Method::POST, "messages/m_x/resend", Role::Support, "message_not_found"),
            (&review, Method::POST, &review, Role::Support, "line_not_found"),
            (&format!("{review}/clear"), Method::DELETE, &review, Role::Support, "not_found"),
            ("payments/p_x/fulfil", Method::POST, "payments/p_x/fulfil", Role::Finance, "payment_not_found"),
            ("refunds/r_x/reject", Method::POST, "refunds/r_x/reject", Role::Finance, "refund_not_found"),
        ];
        for role in Role::ALL {
            let member = app
                .enrolled_staff(&format!("shift-{}@example.com", role.as_str()), role)
                .await;
            let key = datacard::api_keys::create_operator(
                &app,
                &format!("shift-{}", role.as_str()),
                role,
            )
            .await
            .unwrap();
            let auth = bearer(&key);
            let headers = [("authorization", auth.as_str())];
            let (status, _, list) = app.get_json("/api/v1/admin/lines/reviews", &headers).await;
            assert_eq!(status, StatusCode::OK, "reviews as {role:?}: {list}");
            for (form, method, endpoint, least, missing) in &routes {
                let form = format!("/admin/{form}");
                let endpoint = format!("/api/v1/admin/{endpoint}");
                let mut posted = vec![("csrf", member.csrf.as_str())];
                posted.extend(fields);
                let (status, _, page) = app.console_post(&form, &member.cookie, &posted).await;
                let reply = app
                    .request(method.clone(), &endpoint, Some(body(&endpoint)), &headers)
                    .await;
                if role >= *least {
                    assert_eq!(status, StatusCode::NOT_FOUND, "{form} as {role:?}: {page}");
                    assert_error(&reply, StatusCode::NOT_FOUND, missing);
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{form} as {role:?}");
                    assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");
                }
            }
        }
        for table in ["sent_messages", "line_reviews", "refunds"] {
            assert_eq!(
                app.count_rows(table).await,
                0,
                "{table}: refusals changed nothing"
            );
        }
    }
);
story!(every_catalog_page_and_form_checks_the_role, |app| {
    datacard::demo::seed(&app).await.expect("demo seed");
    for role in Role::ALL {
        let member = app
            .enrolled_staff(&format!("cat-{}@example.com", role.as_str()), role)
            .await;
        let admin = role == Role::Admin;
        for path in ["/admin/catalog", "/admin/inventory"] {
            let (status, _, page) = app.console_get(path, &member.cookie).await;
            assert_eq!(status, StatusCode::OK, "{path} as {role:?}");
            assert_eq!(
                page.contains("/admin/catalog/plans/new") || page.contains("multipart/form-data"),
                admin,
                "{path}'s forms as {role:?}"
            );
        }
        let forms = [
            "/admin/catalog/plans/new",
            "/admin/catalog/plans/HK-7D-5G",
            "/admin/catalog/promotions/new",
            "/admin/catalog/promotions/BUY3GET1",
            "/admin/catalog/coupons/new",
            "/admin/catalog/coupons/WELCOME10",
        ];
        for path in forms {
            let (status, _, _) = app.console_get(path, &member.cookie).await;
            let expected = if admin {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{path} as {role:?}");
        }
        // Saving or previewing: admins only; a refusal stores nothing.
        let before = super::catalog::catalog_state(&app).await;
        for path in [
            "/admin/catalog/plans",
            "/admin/catalog/plans/HK-7D-5G",
            "/admin/catalog/promotions",
            "/admin/catalog/promotions/BUY3GET1",
            "/admin/catalog/coupons",
            "/admin/catalog/coupons/WELCOME10",
        ] {
            for action in ["preview", "save"] {
                let fields = [
                    ("csrf", member.csrf.as_str()),
                    ("code", "X"),
                    ("action", action),
                ];
                let (status, _, page) = app.console_post(path, &member.cookie, &fields).await;
                if admin {
                    assert_eq!(
                        status,
                        StatusCode::BAD_REQUEST,
                        "{action} {path} as admin: {page}"
                    );
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{action} {path} as {role:?}");
                }
            }
        }
        let (status, _) =
            super::inventory::upload(&app, &member, "iccid,smdp_address,matching_id\n").await;
        let expected = if admin {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(status, expected, "inventory import as {role:?}");
        assert_eq!(
            super::catalog::catalog_state(&app).await,
            before,
            "as {role:?}"
        );
    }
    for path in [
        "/admin/catalog",
        "/admin/inventory",
        "/admin/catalog/plans/new",
    ] {
        let (status, headers, _) = app.console_get(path, "").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(headers.get("location").unwrap(), "/admin/login");
    }
});

story!(support_cases_and_help_articles_check_the_role, |app| {
    let article = json!({ "slug": "roles-test", "topic": "other",
        "title": { "en": "Roles" }, "body": { "en": "Who may." } });
    for role in Role::ALL {
        let member = app
            .enrolled_staff(&format!("cases-{}@example.com", role.as_str()), role)
            .await;
        for path in ["/admin/tickets", "/admin/help"] {
            let (status, _, page) = app.console_get(path, &member.cookie).await;
            assert_eq!(status, StatusCode::OK, "{path} as {role:?}: {page}");
        }
        let admin_only = if role == Role::Admin {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        for path in ["/admin/help/new", "/admin/canned-replies"] {
            let (status, _, _) = app.console_get(path, &member.cookie).await;
            assert_eq!(status, admin_only, "{path} as {role:?}");
        }
        let answers = role >= Role::Support;
        for path in [
            "/admin/tickets/tkt_nope/messages",
            "/admin/tickets/tkt_nope/state",
            "/admin/tickets/tkt_nope/assign",
        ] {
            let (status, _, _) = app
                .console_post(
                    path,
                    &member.cookie,
                    &[
                        ("csrf", &member.csrf),
                        ("body", "hi"),
                        ("state", "resolved"),
                        ("assignee", ""),
                    ],
                )
                .await;
            let expected = if answers {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{path} as {role:?}");
        }
        let (status, _, _) = app
            .console_post(
                "/admin/canned-replies",
                &member.cookie,
                &[
                    ("csrf", &member.csrf),
                    ("language", "en"),
                    ("title", "T"),
                    ("body", "B"),
                ],
            )
            .await;
        let expected = if role == Role::Admin {
            StatusCode::SEE_OTHER
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(status, expected, "saved reply as {role:?}");

        let key =
            datacard::api_keys::create_operator(&app, &format!("cases-{}", role.as_str()), role)
                .await
                .unwrap();
        let auth = bearer(&key);
        let headers = [("authorization", auth.as_str())];
        for path in ["/api/v1/admin/tickets", "/api/v1/admin/help/articles"] {
            let (status, _, body) = app.get_json(path, &headers).await;
            assert_eq!(status, StatusCode::OK, "{path} as {role:?}: {body}");
        }
        for (method, path, body) in [
            (
                Method::POST,
                "/api/v1/admin/tickets/tkt_nope/messages",
                json!({ "body": "hi" }),
            ),
            (
                Method::PATCH,
                "/api/v1/admin/tickets/tkt_nope",
                json!({ "state": "resolved" }),
            ),
        ] {
            let reply = app.request(method, path, Some(body), &headers).await;
            if answers {
                assert_error(&reply, StatusCode::NOT_FOUND, "ticket_not_found");
            } else {
                assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");
            }
        }
        let open =
            json!({ "account_id": "acc_nope", "category": "other", "subject": "S", "body": "B" });
        let reply = app.post_json("/api/v1/admin/tickets", open, &headers).await;
        if answers {
            assert_error(&reply, StatusCode::NOT_FOUND, "not_found");
        } else {
            assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");
        }
        let reply = app
            .post_json("/api/v1/admin/help/articles", article.clone(), &headers)
            .await;
        let put = app
            .request(
                Method::PUT,
                "/api/v1/admin/help/articles/roles-test",
                Some(article.clone()),
                &headers,
            )
            .await;
        if role == Role::Admin {
            assert_eq!(reply.0, StatusCode::CREATED, "{:?}", reply.2);
            assert_eq!(put.0, StatusCode::OK, "{:?}", put.2);
        } else {
            assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");
            assert_error(&put, StatusCode::FORBIDDEN, "role_forbidden");
        }
    }
    assert_eq!(app.count_rows("tickets").await, 0);
    assert_eq!(app.count_rows("help_articles").await, 1, "only the admin's");
    assert_eq!(
        app.count_rows("ticket_canned_replies").await,
        1,
        "only the admin's"
    );
});
