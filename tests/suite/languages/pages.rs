//! Pages in Simplified Chinese: by the address, the cookie and the browser's languages.

use super::helpers::*;

story!(
    pages_are_in_simplified_chinese_by_address_cookie_or_browser,
    |app| {
        datacard::demo::seed(&app).await.expect("the demo catalog");

        // Chosen in the address: the page, and a cookie that remembers it.
        let (headers, plans) = page(&app, "/plans?lang=zh-CN", &[]).await;
        assert_simplified("/plans", &plans);
        assert!(plans.contains("<h1>套餐</h1>"), "{plans}");
        assert!(
            plans.contains("香港 30 天 不限量"),
            "the plan's own zh-CN name"
        );
        // The plans grouped by length, each with its coverage.
        assert!(plans.contains("月套餐") && plans.contains("中国内地、香港和澳门"));
        assert_eq!(set_cookie(&headers, "dc_lang").as_deref(), Some("zh-CN"));
        // A close relative is remembered as the language served.
        let (headers, _) = page(&app, "/plans?lang=zh-SG", &[]).await;
        assert_eq!(set_cookie(&headers, "dc_lang").as_deref(), Some("zh-CN"));

        // Remembered by the cookie, on every page a visitor meets first.
        for (path, h1) in [
            ("/", "流量不断，随心畅联"),
            ("/register", "注册账户"),
            ("/login", "登录"),
            ("/password-reset", "重置密码"),
        ] {
            let (_, body) = page(&app, path, &[("cookie", "dc_lang=zh-CN")]).await;
            assert_simplified(path, &body);
            assert!(body.contains(&format!("{h1}</h1>")), "{path}: {body}");
        }
        let (_, not_found) = page_404(&app, "/no-such-page", "dc_lang=zh-CN").await;
        assert_simplified("/no-such-page", &not_found);
        assert!(not_found.contains("页面不存在"));

        // From the browser's languages, by quality; Traditional stays Traditional.
        for (accept, lang) in [
            ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
            ("zh-Hans-HK", "zh-CN"),
            ("zh", "zh-CN"),
            ("en;q=0.5, zh-SG;q=0.8", "zh-CN"),
            ("zh-TW,zh;q=0.9", "zh-HK"),
            ("zh-Hant", "zh-HK"),
            ("zh-CN;q=0.3, en", "en"),
        ] {
            let (_, body) = page(&app, "/", &[("accept-language", accept)]).await;
            assert_eq!(lang_of(&body), lang, "Accept-Language: {accept}");
        }
        // The address wins over the cookie, the cookie over the browser.
        let (_, body) = page(
            &app,
            "/?lang=zh-CN",
            &[("cookie", "dc_lang=en"), ("accept-language", "zh-HK")],
        )
        .await;
        assert_eq!(lang_of(&body), "zh-CN");
        let (_, body) = page(
            &app,
            "/",
            &[("cookie", "dc_lang=zh-CN"), ("accept-language", "en")],
        )
        .await;
        assert_eq!(lang_of(&body), "zh-CN");
    }
);
