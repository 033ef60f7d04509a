//! Console logins: each authenticator code opens one session, recovery codes work
//! once, failures lock the login, sessions end when idle or old, and are apart from
//! subscribers' sessions.

use axum::http::StatusCode;
use datacard::staff::{self, Role};

use super::*;

fn is_login_redirect(status: StatusCode, headers: &axum::http::HeaderMap) -> bool {
    status == StatusCode::SEE_OTHER
        && headers.get("location").and_then(|v| v.to_str().ok()) == Some("/admin/login")
}

story!(each_authenticator_code_opens_one_session, |app| {
    let member = app.enrolled_staff("desk@example.com", Role::Support).await;
    let (status, _, page) = app.console_get("/admin", &member.cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("desk@example.com"), "{page}");

    // The code used to enrol is spent, though still the app's code for this step.
    let code = staff::code_at(&member.secret, app.now());
    let (status, page) = app
        .console_log_in(&member.email, STAFF_PASSWORD, &code)
        .await
        .unwrap_err();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("data-code=\"invalid_totp\""), "{page}");

    // The next step's code works once.
    app.advance_secs(30);
    let code = staff::code_at(&member.secret, app.now());
    let cookie = app
        .console_log_in(&member.email, STAFF_PASSWORD, &code)
        .await
        .expect("the new code");
    assert_ne!(cookie, member.cookie);
    let (status, _) = app
        .console_log_in(&member.email, STAFF_PASSWORD, &code)
        .await
        .unwrap_err();
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a replayed code");

    // A code two steps old is refused; a wrong password is refused without saying
    // whether the email exists.
    let old = staff::code_at(&member.secret, app.now() - chrono::Duration::seconds(60));
    app.advance_secs(30);
    let (status, _) = app
        .console_log_in(&member.email, STAFF_PASSWORD, &old)
        .await
        .unwrap_err();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let code = staff::code_at(&member.secret, app.now());
    let (status, wrong_password) = app
        .console_log_in(&member.email, "not the password at all", &code)
        .await
        .unwrap_err();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, unknown) = app
        .console_log_in("nobody@example.com", STAFF_PASSWORD, &code)
        .await
        .unwrap_err();
    let alert = |page: &str| {
        let start = page.find("role=\"alert\"").expect("an alert");
        let at = start + page[start..].find('>').unwrap() + 1;
        page[at..at + page[at..].find('<').unwrap()].to_owned()
    };
    assert_eq!(
        alert(&wrong_password),
        alert(&unknown),
        "a wrong password and an unknown email answer alike"
    );
    assert_ne!(
        alert(&wrong_password),
        alert(&page),
        "a spent code is told apart"
    );
});

story!(recovery_codes_log_in_once_each, |app| {
    let enrolment = staff::create(&app, "spare@example.com", Role::Finance, "cli")
        .await
        .unwrap();
    let page = staff::enrolment_page(&app, &enrolment.token, "datacard")
        .await
        .unwrap();
    let secret = decode_base32(&page.secret_base32);
    let enrolled = staff::enrol(
        &app,
        &enrolment.token,
        STAFF_PASSWORD,
        &staff::code_at(&secret, app.now()),
    )
    .await
    .unwrap();
    assert_eq!(enrolled.recovery_codes.len(), 10);
    let code = enrolled.recovery_codes[3].to_uppercase().replace('-', " ");
    app.console_log_in("spare@example.com", STAFF_PASSWORD, &code)
        .await
        .expect("a recovery code");
    let (status, _) = app
        .console_log_in("spare@example.com", STAFF_PASSWORD, &code)
        .await
        .unwrap_err();
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a recovery code works once"
    );
    assert_eq!(
        staff::recovery_codes_left(&app, &enrolled.member)
            .await
            .unwrap(),
        9
    );
});

story!(failed_console_logins_lock_the_login, |app| {
    let member = app.enrolled_staff("target@example.com", Role::Admin).await;
    let mut locked = false;
    for _ in 0..12 {
        match app
            .console_log_in(&member.email, "guessing the password", "123456")
            .await
        {
            Err((StatusCode::TOO_MANY_REQUESTS, _)) => {
                locked = true;
                break;
            }
            Err((status, _)) => assert_eq!(status, StatusCode::UNAUTHORIZED),
            Ok(_) => panic!("a guess logged in"),
        }
    }
    assert!(locked, "the login locks after repeated failures");
    app.advance_secs(30);
    let code = staff::code_at(&member.secret, app.now());
    let (status, _) = app
        .console_log_in(&member.email, STAFF_PASSWORD, &code)
        .await
        .unwrap_err();
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right password and code"
    );
});

story!(
    console_sessions_end_when_idle_or_old_and_are_not_portal_sessions,
    |app| {
        let member = app.enrolled_staff("shift@example.com", Role::Viewer).await;
        // Used every 25 minutes, the session lives until its lifetime (10 hours) is over.
        for _ in 0..23 {
            app.advance(chrono::Duration::minutes(25));
            let (status, headers, _) = app.console_get("/admin", &member.cookie).await;
            assert_eq!(status, StatusCode::OK, "still signed in at {}", app.now());
            assert!(!is_login_redirect(status, &headers));
        }
        app.advance(chrono::Duration::minutes(30));
        let (status, headers, _) = app.console_get("/admin", &member.cookie).await;
        assert!(is_login_redirect(status, &headers), "ended after 10 hours");

        // Idle for more than 30 minutes: ended.
        app.advance_secs(30);
        let code = staff::code_at(&member.secret, app.now());
        let cookie = app
            .console_log_in(&member.email, STAFF_PASSWORD, &code)
            .await
            .unwrap();
        app.advance(chrono::Duration::minutes(31));
        let (status, headers, _) = app.console_get("/admin", &cookie).await;
        assert!(is_login_redirect(status, &headers), "ended when idle");

        // A console session is no subscriber session, and the reverse.
        app.advance_secs(30);
        let code = staff::code_at(&member.secret, app.now());
        let cookie = app
            .console_log_in(&member.email, STAFF_PASSWORD, &code)
            .await
            .unwrap();
        let (status, headers, _) = app.console_get("/account", &cookie).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(
            headers
                .get("location")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("/login")
        );
        let token = cookie.trim_start_matches("dc_staff=");
        let (status, headers, _) = app
            .console_get("/admin", &format!("dc_session={token}"))
            .await;
        assert!(is_login_redirect(status, &headers));

        // Logging out ends it.
        let csrf = app.console_csrf(&cookie).await;
        let (status, _, _) = app
            .console_post("/admin/logout", &cookie, &[("csrf", &csrf)])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, headers, _) = app.console_get("/admin", &cookie).await;
        assert!(is_login_redirect(status, &headers));
    }
);

story!(a_disabled_member_is_signed_out_and_cannot_log_in, |app| {
    let admin = app.enrolled_staff("boss@example.com", Role::Admin).await;
    let member = app
        .enrolled_staff("leaver@example.com", Role::Support)
        .await;
    let id = staff::find_by_email(&app, "leaver@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    let path = format!("/admin/staff/{id}/disable");
    // Not by a forged form, nor by the member on someone they are not.
    let (status, _, _) = app
        .console_post(
            &path,
            &admin.cookie,
            &[("csrf", "forged"), ("email", "leaver@example.com")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = app
        .console_post(
            &path,
            &admin.cookie,
            &[("csrf", &admin.csrf), ("email", "boss@example.com")],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the id and email must name the same member"
    );
    let (status, _, _) = app
        .console_post(
            &path,
            &admin.cookie,
            &[("csrf", &admin.csrf), ("email", "leaver@example.com")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, headers, _) = app.console_get("/admin", &member.cookie).await;
    assert!(is_login_redirect(status, &headers), "their session ended");
    app.advance_secs(30);
    let code = staff::code_at(&member.secret, app.now());
    let (status, _) = app
        .console_log_in(&member.email, STAFF_PASSWORD, &code)
        .await
        .unwrap_err();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let log = datacard::audit::list(&app, Some(&id), None, 10)
        .await
        .unwrap();
    assert!(
        log.entries
            .iter()
            .any(|e| e.action == "staff.disable" && e.actor == "staff:boss@example.com")
    );
});
