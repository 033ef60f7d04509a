//! The journey's state survives the language switch (for every language there is),
//! the login and the registration; `next` leads only to our own pages.

use axum::http::StatusCode;
use datacard::i18n::Locale;

use super::{Browser, PASSWORD, language_links};

/// The language switch of `page` leads to `path` with `state` kept, in every other
/// language.
fn switch_keeps(page: &str, path: &str, state: &[&str], shown: Locale) {
    let links = language_links(page);
    let others: Vec<Locale> = Locale::ALL.into_iter().filter(|l| *l != shown).collect();
    assert_eq!(links.len(), others.len(), "{links:?}");
    for (link, locale) in links.iter().zip(others) {
        assert!(link.starts_with(&format!("{path}?")), "{link}");
        for kept in state {
            assert!(link.contains(kept), "{link} lost {kept}");
        }
        assert!(link.ends_with(&format!("lang={}", locale.tag())), "{link}");
        assert_eq!(link.matches("lang=").count(), 1, "{link}");
    }
}

story!(
    the_language_switch_keeps_the_phone_and_the_next_step,
    |app| {
        let mut browser = Browser::new(&app);
        browser.get("/register?lang=en").await;
        let page = browser
            .post(
                "/register?lang=en",
                &[
                    ("phone", "9876 5432"),
                    ("email", "lang@example.hk"),
                    ("password", PASSWORD),
                    ("next", "/checkout?plan=HK-30D-20G"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let verify = page.location.clone();
        let page = browser.get(&verify).await;
        let state = [
            "phone=%2B85298765432",
            "next=%2Fcheckout%3Fplan%3DHK-30D-20G",
        ];
        switch_keeps(&page.body, "/register/verify", &state, Locale::En);
        // Switching there: the page in Chinese, still for the same phone.
        let link = language_links(&page.body)
            .into_iter()
            .find(|l| l.ends_with("lang=zh-HK"))
            .expect("a link to Chinese");
        let page = browser.get(&link).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<html lang=\"zh-HK\""));
        assert!(
            page.body.contains("name=\"phone\" value=\"+85298765432\""),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("name=\"next\" value=\"/checkout?plan=HK-30D-20G\"")
        );

        // A wrong code shows the page again (answering the POST): its switch still leads
        // to the verify page for this phone, not to the form's address.
        let page = browser
            .post(
                "/register/verify",
                &[("phone", "+85298765432"), ("code", "000000")],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        switch_keeps(
            &page.body,
            "/register/verify",
            &["phone=%2B85298765432"],
            Locale::ZhHk,
        );

        // A refused registration keeps what was typed (not the password) across the switch.
        let page = browser
            .post(
                "/register",
                &[
                    ("phone", "9876"),
                    ("email", "lang2@example.hk"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        switch_keeps(
            &page.body,
            "/register",
            &["phone=9876", "email=lang2%40example.hk"],
            Locale::ZhHk,
        );
        assert!(
            !language_links(&page.body)
                .iter()
                .any(|l| l.contains("password"))
        );

        // A page with a query of its own keeps it, whatever `lang` it came with.
        let page = browser
            .get("/login?next=%2Fcheckout%3Fplan%3DHK-7D-5G&lang=en")
            .await;
        switch_keeps(
            &page.body,
            "/login",
            &["next=%2Fcheckout%3Fplan%3DHK-7D-5G"],
            Locale::En,
        );
    }
);

story!(
    a_plan_chosen_before_logging_in_is_where_the_login_returns,
    |app| {
        app.register("+85261230020", "plan@example.hk", PASSWORD)
            .await;
        let mut browser = Browser::new(&app);
        let page = browser.get("/checkout?plan=HK-30D-20G&lang=en").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location, "/login?next=%2Fcheckout%3Fplan%3DHK-30D-20G");
        let page = browser.get(&page.location).await;
        assert!(
            page.body
                .contains("name=\"next\" value=\"/checkout?plan=HK-30D-20G\"")
        );
        assert!(
            page.body
                .contains("href=\"/register?next=%2Fcheckout%3Fplan%3DHK-30D-20G\""),
            "the way to register carries the plan too"
        );
        let page = browser
            .post(
                "/login",
                &[
                    ("login", "6123 0020"),
                    ("password", PASSWORD),
                    ("next", "/checkout?plan=HK-30D-20G"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.location, "/checkout?plan=HK-30D-20G");
    }
);

story!(registering_from_a_checkout_returns_to_it, |app| {
    let mut browser = Browser::new(&app);
    let page = browser
        .get("/register?next=%2Fcheckout%3Fplan%3DHK-7D-5G")
        .await;
    assert!(
        page.body
            .contains("name=\"next\" value=\"/checkout?plan=HK-7D-5G\"")
    );
    let page = browser
        .post(
            "/register",
            &[
                ("phone", "6123 0030"),
                ("email", "from-checkout@example.hk"),
                ("password", PASSWORD),
                ("next", "/checkout?plan=HK-7D-5G"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let code = app.last_code("+85261230030").await;
    browser.get(&page.location).await;
    let page = browser
        .post(
            "/register/verify",
            &[
                ("phone", "+85261230030"),
                ("code", &code),
                ("next", "/checkout?plan=HK-7D-5G"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location, "/checkout?plan=HK-7D-5G");
    assert!(browser.signed_in());
});

/// `next` as an attacker writes it into a link (raw, percent-encoded as they like).
const FOREIGN: [&str; 12] = [
    "//evil.com",
    "%2F%2Fevil.com",
    "https://evil.com",
    "https%3A%2F%2Fevil.com",
    "/%5Cevil.com",
    "%2F%5Cevil.com",
    "%5C%5Cevil.com",
    "%252F%252Fevil.com",
    "%2F%09%2Fevil.com",
    "/checkout%2F%2Fevil.com",
    "%2Fcheckout%3Fplan%3Dx%0D%0ALocation%3A%20https%3A%2F%2Fevil.com",
    "javascript%3Aalert(1)",
];

story!(a_foreign_next_lands_on_the_account_page, |app| {
    app.register("+85261230040", "next@example.hk", PASSWORD)
        .await;
    for next in FOREIGN {
        // Through the login page's link: the form does not carry it.
        let mut browser = Browser::new(&app);
        let page = browser.get(&format!("/login?next={next}")).await;
        assert_eq!(page.status, StatusCode::OK, "{next}");
        assert!(!page.body.contains("evil.com"), "{next}: {}", page.body);
        assert!(!page.body.contains("javascript:"), "{next}");
        let page = browser
            .post(
                "/login",
                &[("login", "+85261230040"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(page.location, "/account", "{next}");

        // Posted straight (decoded once, as a form field arrives).
        let decoded: String =
            serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("n={next}"))
                .ok()
                .and_then(|pairs| pairs.into_iter().next())
                .map(|(_, v)| v)
                .unwrap_or_default();
        let mut browser = Browser::new(&app);
        browser.get("/login").await;
        let page = browser
            .post(
                "/login",
                &[
                    ("login", "+85261230040"),
                    ("password", PASSWORD),
                    ("next", &decoded),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(page.location, "/account", "{next} ({decoded:?})");

        // The way to register neither carries it into its form nor sends a new
        // subscriber there.
        let page = browser.get(&format!("/register?next={next}")).await;
        assert!(!page.body.contains("evil.com"), "{next}: {}", page.body);
        let page = browser
            .post(
                "/register/verify",
                &[
                    ("phone", "+85261230040"),
                    ("code", "123456"),
                    ("next", &decoded),
                ],
            )
            .await;
        assert!(!page.body.contains("evil.com"), "{next}");
    }
});
