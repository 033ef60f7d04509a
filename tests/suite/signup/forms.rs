//! Every problem of a form at once, each at its field (`aria-invalid`, described by
//! its message), one summary alert on top, what was typed kept (never a password),
//! and nothing sent or created. And phones typed in every common way.

use axum::http::StatusCode;

use super::{Browser, PASSWORD, count, input};

/// The field `id` is marked invalid and described by its own message.
fn flagged(page: &str, id: &str) {
    let tag = input(page, id);
    assert!(
        tag.contains("aria-invalid=\"true\""),
        "#{id} not invalid: {tag}"
    );
    assert!(
        tag.contains(&format!("{id}-error")),
        "#{id} not described by its error: {tag}"
    );
    assert!(
        page.contains(&format!("id=\"{id}-error\"")),
        "no message for #{id}"
    );
}

fn not_flagged(page: &str, id: &str) {
    let tag = input(page, id);
    assert!(!tag.contains("aria-invalid"), "#{id} flagged: {tag}");
}

/// One alert: the summary, linking to each field with a problem.
fn one_summary(page: &str, fields: &[&str]) {
    assert_eq!(count(page, "role=\"alert\""), 1, "{page}");
    for field in fields {
        assert!(
            page.contains(&format!("href=\"#f-{field}\"")),
            "the summary does not link to #{field}"
        );
    }
}

story!(an_empty_registration_shows_every_problem_at_once, |app| {
    let mut browser = Browser::new(&app);
    browser.get("/register?lang=en").await;
    let page = browser
        .post(
            "/register",
            &[("phone", ""), ("email", ""), ("password", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    for id in ["f-phone", "f-email", "f-password"] {
        flagged(&page.body, id);
    }
    one_summary(&page.body, &["phone", "email", "password"]);
    assert!(page.body.contains("There are 3 problems"), "{}", page.body);

    // Two wrong of three: those two flagged, what was typed kept, the password never
    // written back into the page.
    let page = browser
        .post(
            "/register",
            &[
                ("phone", "9876 543a"),
                ("email", "chan@example.hk"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    flagged(&page.body, "f-phone");
    flagged(&page.body, "f-password");
    not_flagged(&page.body, "f-email");
    assert!(input(&page.body, "f-phone").contains("value=\"9876 543a\""));
    assert!(input(&page.body, "f-email").contains("value=\"chan@example.hk\""));
    assert!(!page.body.contains("value=\"short\""));
    assert!(page.body.contains("There are 2 problems"));
    assert_eq!(app.count_rows("verification_codes").await, 0);
    assert_eq!(app.count_rows("accounts").await, 0);
});

story!(every_code_and_login_form_shows_all_its_problems, |app| {
    let mut browser = Browser::new(&app);
    browser.get("/login?lang=en").await;
    let page = browser
        .post("/login", &[("login", ""), ("password", "")])
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    flagged(&page.body, "f-login");
    flagged(&page.body, "f-password");
    one_summary(&page.body, &["login", "password"]);
    assert!(page.body.contains("Enter your password."));

    browser.get("/password-reset/confirm?lang=en").await;
    let page = browser
        .post(
            "/password-reset/confirm",
            &[("login", ""), ("code", ""), ("new_password", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    for id in ["f-login", "f-code", "f-new_password"] {
        flagged(&page.body, id);
    }
    one_summary(&page.body, &["login", "code", "new_password"]);

    browser.get("/register/verify?phone=%2B85298765432").await;
    let page = browser
        .post(
            "/register/verify",
            &[("phone", "+85298765432"), ("code", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    flagged(&page.body, "f-code");
    one_summary(&page.body, &["code"]);
    assert!(page.body.contains("Enter the 6-digit code from the SMS."));
    // A wrong code stays in its field, to be corrected rather than typed again.
    let page = browser
        .post(
            "/register/verify",
            &[("phone", "+85298765432"), ("code", "12345")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    flagged(&page.body, "f-code");
    assert!(input(&page.body, "f-code").contains("value=\"12345\""));

    // Signed in, the phone change too.
    app.register("+85261230001", "forms@example.hk", PASSWORD)
        .await;
    browser.get("/login").await;
    let page = browser
        .post("/login", &[("login", "6123 0001"), ("password", PASSWORD)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    browser.get("/account/phone").await;
    let page = browser.post("/account/phone", &[("phone", "")]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    flagged(&page.body, "f-phone");
    one_summary(&page.body, &["phone"]);
    browser
        .get("/account/phone/confirm?phone=%2B85261230002")
        .await;
    let page = browser
        .post(
            "/account/phone/confirm",
            &[("phone", "+85261230002"), ("code", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    flagged(&page.body, "f-code");
});

/// What people type that is not a mobile number here: too short, too long, a
/// leading 0, letters, a mainland number without its +86, an international prefix
/// with too few digits.
const NOT_A_PHONE: [&str; 9] = [
    "9876 543",
    "987654321",
    "09876543",
    "9876 543a",
    "phone",
    "138 0013 8000",
    "+852 9876",
    "00852 9876 543",
    "+852 9876 5432 ext 1",
];

story!(a_phone_that_is_not_one_is_refused_on_every_form, |app| {
    let mut browser = Browser::new(&app);
    browser.get("/register?lang=en").await;
    for typed in NOT_A_PHONE {
        let page = browser
            .post(
                "/register",
                &[
                    ("phone", typed),
                    ("email", "new@example.hk"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{typed:?}");
        flagged(&page.body, "f-phone");
        assert!(
            page.body.contains("Enter a mobile number, e.g. 9123 4567"),
            "{typed:?}"
        );
        let kept = maud::html! { (typed) }.into_string();
        assert!(
            input(&page.body, "f-phone").contains(&format!("value=\"{kept}\"")),
            "{typed:?} not kept"
        );
    }
    browser.get("/password-reset?lang=en").await;
    for typed in NOT_A_PHONE {
        let page = browser.post("/password-reset", &[("login", typed)]).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{typed:?}");
        flagged(&page.body, "f-login");
    }
    app.register("+85261230003", "phones@example.hk", PASSWORD)
        .await;
    browser.get("/login").await;
    browser
        .post(
            "/login",
            &[("login", "+85261230003"), ("password", PASSWORD)],
        )
        .await;
    assert!(browser.signed_in());
    let codes_before = app.count_rows("verification_codes").await;
    browser.get("/account/phone?lang=en").await;
    for typed in NOT_A_PHONE {
        let page = browser.post("/account/phone", &[("phone", typed)]).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{typed:?}");
        flagged(&page.body, "f-phone");
    }
    assert_eq!(app.count_rows("verification_codes").await, codes_before);
    assert_eq!(app.count_rows("accounts").await, 1);
});

story!(
    a_local_number_typed_any_common_way_is_the_same_number,
    |app| {
        let mut browser = Browser::new(&app);
        browser.get("/register").await;
        for (n, typed) in [
            "9876 5401",
            "9876-5402",
            "98765403",
            "852 9876 5404",
            "00852 9876 5405",
            "+852 9876-5406",
            " (852) 9876 5407 ",
        ]
        .into_iter()
        .enumerate()
        {
            let page = browser
                .post(
                    "/register",
                    &[
                        ("phone", typed),
                        ("email", &format!("way{n}@example.hk")),
                        ("password", PASSWORD),
                    ],
                )
                .await;
            assert_eq!(
                page.status,
                StatusCode::SEE_OTHER,
                "{typed:?}: {}",
                page.body
            );
            let e164 = format!("%2B852987654{:02}", n + 1);
            assert!(
                page.location
                    .starts_with(&format!("/register/verify?phone={e164}")),
                "{typed:?} → {}",
                page.location
            );
        }
        assert_eq!(app.count_rows("verification_codes").await, 7);
    }
);
