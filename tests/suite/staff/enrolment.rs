//! Enrolment: the link works once and for 24 hours; the page shows the authenticator
//! key; a weak password or a wrong code changes nothing; recovery codes are shown once.

use axum::http::StatusCode;
use datacard::staff::{self, Role};

use super::*;

story!(
    a_member_enrols_with_password_and_authenticator_then_the_link_is_spent,
    |app| {
        let enrolment = staff::create(&app, "Ops@Example.com", Role::Support, "cli")
            .await
            .unwrap();
        assert_eq!(enrolment.member.email, "ops@example.com");
        let link = enrolment.link("https://datacard.example");
        assert!(
            link.starts_with("https://datacard.example/admin/enrol/"),
            "{link}"
        );
        let path = format!("/admin/enrol/{}", enrolment.token);

        let (pre, csrf, page) = app.console_pre_session(&path).await;
        let key = testid_text(&page, "totp-secret").expect("the key to type");
        assert!(
            page.contains("data-qr=\"otpauth://totp/"),
            "the QR code for the app"
        );
        // Reloading shows the same key: the one the app was given.
        let (_, _, again) = app.console_pre_session(&path).await;
        assert_eq!(
            testid_text(&again, "totp-secret").as_deref(),
            Some(key.as_str())
        );
        let secret = decode_base32(&key);
        let code = staff::code_at(&secret, app.now());

        // A weak password, then a wrong code: refused at the field, nothing enrolled.
        let (status, _, page) = app
            .console_post(
                &path,
                &pre,
                &[("csrf", &csrf), ("password", "short"), ("code", &code)],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("data-code=\"weak_password\""), "{page}");
        assert!(
            page.contains("id=\"f-password\"") && page.contains("aria-invalid=\"true\""),
            "{page}"
        );
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let (status, _, page) = app
            .console_post(
                &path,
                &pre,
                &[
                    ("csrf", &csrf),
                    ("password", STAFF_PASSWORD),
                    ("code", wrong),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
        assert!(page.contains("data-code=\"invalid_totp\""), "{page}");
        assert!(
            staff::find_by_email(&app, "ops@example.com")
                .await
                .unwrap()
                .unwrap()
                .enrolled_at
                .is_none()
        );

        // Without the form's CSRF token: refused.
        let (status, _, _) = app
            .console_post(
                &path,
                &pre,
                &[
                    ("csrf", "forged"),
                    ("password", STAFF_PASSWORD),
                    ("code", &code),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let (status, headers, page) = app
            .console_post(
                &path,
                &pre,
                &[
                    ("csrf", &csrf),
                    ("password", STAFF_PASSWORD),
                    ("code", &code),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(
            set_cookie(&headers, "dc_staff").is_some(),
            "signed in after enrolling"
        );
        let list = &page[page.find("data-testid=\"recovery-codes\"").unwrap()..];
        let codes = list[..list.find("</ol>").unwrap()].matches("<li>").count();
        assert_eq!(codes, 10, "ten recovery codes, shown once: {page}");
        let cookie_header = headers
            .get_all(axum::http::header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|v| v.starts_with("dc_staff="))
            .unwrap();
        assert!(
            cookie_header.contains("SameSite=Strict") && cookie_header.contains("HttpOnly"),
            "{cookie_header}"
        );
        let member = staff::find_by_email(&app, "ops@example.com")
            .await
            .unwrap()
            .unwrap();
        assert!(member.enrolled_at.is_some());

        // The link is spent: a second visit or submit is refused, nothing changes.
        let (status, _, page) = app.console_get(&path, "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        assert!(
            page.contains("data-code=\"enrolment_link_invalid\""),
            "{page}"
        );
        let (status, _, _) = app
            .console_post(
                &path,
                &pre,
                &[
                    ("csrf", &csrf),
                    ("password", "another long passphrase"),
                    ("code", &code),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(app.count_rows("staff_recovery_codes").await, 10);

        // Enrolling and creating are in the audit log, with who did them.
        let log = datacard::audit::list(&app, Some(&member.id), None, 10)
            .await
            .unwrap();
        let actions: Vec<(String, String)> = log
            .entries
            .iter()
            .map(|e| (e.actor.clone(), e.action.clone()))
            .collect();
        assert!(
            actions.contains(&("cli".into(), "staff.create".into())),
            "{actions:?}"
        );
        assert!(
            actions.contains(&("staff:ops@example.com".into(), "staff.enrol".into())),
            "{actions:?}"
        );
    }
);

story!(an_enrolment_link_expires_after_a_day, |app| {
    let enrolment = staff::create(&app, "late@example.com", Role::Viewer, "cli")
        .await
        .unwrap();
    let path = format!("/admin/enrol/{}", enrolment.token);
    let (pre, csrf, page) = app.console_pre_session(&path).await;
    let secret = decode_base32(&testid_text(&page, "totp-secret").unwrap());
    app.advance(chrono::Duration::hours(24) + chrono::Duration::seconds(1));
    let code = staff::code_at(&secret, app.now());
    let (status, _, page) = app
        .console_post(
            &path,
            &pre,
            &[
                ("csrf", &csrf),
                ("password", STAFF_PASSWORD),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("data-code=\"enrolment_link_invalid\""));
    assert!(
        staff::find_by_email(&app, "late@example.com")
            .await
            .unwrap()
            .unwrap()
            .enrolled_at
            .is_none()
    );
    // A made-up link is refused the same way.
    let (status, _, _) = app.console_get("/admin/enrol/not-a-real-token", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
});

story!(
    bad_and_duplicate_staff_are_refused_and_nothing_is_made,
    |app| {
        for bad in ["", "not-an-email", "a b@example.com", "<script>@x.com"] {
            let refused = staff::create(&app, bad, Role::Viewer, "cli")
                .await
                .err()
                .expect(bad);
            assert_eq!(refused.code.as_str(), "invalid_email", "{bad}");
        }
        assert_eq!(
            Role::parse("root").unwrap_err().code.as_str(),
            "invalid_role"
        );
        staff::create(&app, "once@example.com", Role::Viewer, "cli")
            .await
            .unwrap();
        let taken = staff::create(&app, "ONCE@example.com", Role::Admin, "cli")
            .await
            .err()
            .unwrap();
        assert_eq!(taken.code.as_str(), "staff_email_taken");
        assert_eq!(app.count_rows("staff").await, 1);
        assert_eq!(app.count_rows("staff_enrolments").await, 1);
    }
);
