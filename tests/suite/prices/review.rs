//! The review: the method and its fee, the dates each period covers and the one
//! "valid until" they lead to, buy 3 get 1 as a choice, and a warning when a renewal
//! ends a used-up period now.

use chrono::Duration;

use crate::support::{Numbering, PASSWORD, Used};

use super::helpers::*;

const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852613",
    email: "prices",
    iccid: "89852077",
};

story!(
    the_review_says_the_method_the_fee_and_the_dates_it_buys,
    |app| {
        datacard::demo::seed(&app.app).await.expect("demo");
        let (_, cookie) = app
            .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        let iccid = datacard::demo::demo_iccid();
        // The demo line's 30 days started 10 days ago: two more queue behind them.
        let current_end = app.now() - Duration::days(10) + Duration::days(30);
        let path = format!(
            "/checkout/review?plan=HK-30D-20G&target={iccid}&method=alipay&periods=2&lang=en"
        );
        let (status, review) = page(&app, &cookie, &path).await;
        assert_eq!(status, Status::OK, "{review}");
        let method = text_of(&review, "data-testid=\"review-method\"").unwrap_or_default();
        assert_eq!(method, "Pay with Alipay · fee 1.5 %");
        // 1.5 % of HK$176.00.
        assert_eq!(
            text_of(&review, "data-testid=\"order-fee\"").as_deref(),
            Some("HK$2.64")
        );
        assert_eq!(review_total(&review), Some(17_864));
        let dates = text_of(&review, "data-testid=\"period-dates\"").unwrap_or_default();
        let first = format!(
            "{} – {}",
            en_datetime(current_end),
            en_datetime(current_end + Duration::days(30))
        );
        let second = format!(
            "{} – {}",
            en_datetime(current_end + Duration::days(30)),
            en_datetime(current_end + Duration::days(60))
        );
        assert_eq!(dates, format!("{first} {second}"));
        assert_eq!(
            text_of(&review, "data-testid=\"valid-until\"").as_deref(),
            Some(en_datetime(current_end + Duration::days(60)).as_str())
        );
        assert!(!review.contains("data-testid=\"ends-early\""), "{review}");

        let zh = path.replace("lang=en", "lang=zh-HK");
        let (_, review) = page(&app, &cookie, &zh).await;
        assert!(review.contains(">有效至</dt>"), "{review}");
        assert_eq!(
            text_of(&review, "data-testid=\"review-method\"").as_deref(),
            Some("付款方式 支付寶 · 手續費 1.5 %")
        );
    }
);

story!(buy_three_get_one_is_a_choice_of_periods, |app| {
    datacard::demo::seed(&app.app).await.expect("demo");
    let (_, cookie) = app
        .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    let (status, choose) = page(
        &app,
        &cookie,
        "/checkout?plan=HK-30D-UNL&method=card&lang=en",
    )
    .await;
    assert_eq!(status, Status::OK, "{choose}");
    assert!(
        !choose.contains("type=\"number\" name=\"periods\""),
        "no bare number box"
    );
    let offered = attr_after(
        &choose,
        "<label class=\"choice\" data-periods=",
        "data-free",
    );
    let counts = attr_after(
        &choose,
        "<label class=\"choice\" data-periods=",
        "data-periods",
    );
    assert_eq!(counts, ["1", "2", "3", "6", "12"]);
    assert_eq!(offered, ["0", "0", "1", "2", "4"]);
    assert!(
        choose.contains("3 × 30 days <strong>+ 1 free</strong>"),
        "{choose}"
    );
    assert!(choose.contains("4 periods in all"), "{choose}");
    // The price per period is said as what it is, not as a total.
    assert!(
        choose.contains("HK$168.00 a period, before the payment fee"),
        "{choose}"
    );
    // A plan without the offer gets none.
    let (_, plain) = page(
        &app,
        &cookie,
        "/checkout?plan=HK-30D-20G&method=card&lang=en",
    )
    .await;
    assert_eq!(
        attr_after(&plain, "<label class=\"choice\" data-periods=", "data-free"),
        ["0", "0", "0", "0", "0"]
    );
    // A link's own number of periods is offered, and chosen.
    let (_, linked) = page(
        &app,
        &cookie,
        "/checkout?plan=HK-30D-UNL&method=card&periods=5&lang=en",
    )
    .await;
    assert!(
        linked.contains("name=\"periods\" value=\"5\" checked"),
        "{linked}"
    );
    // The review of 3 lists the 4 periods it puts on the line.
    let path = format!(
        "/checkout/review?plan=HK-30D-UNL&target={}&method=card&periods=3&lang=en",
        datacard::demo::demo_iccid()
    );
    let (_, review) = page(&app, &cookie, &path).await;
    assert_eq!(
        review.matches("<li><span class=\"nowrap\">").count(),
        4,
        "{review}"
    );
});

story!(
    a_renewal_that_ends_a_used_up_period_says_so_on_the_review,
    |app| {
        let started = app.now() - Duration::days(10);
        let spent = app
            .subscriber_with_line(&SUBSCRIBERS, 1, "HK-30D-20G", started, Used::All)
            .await;
        let (_, cookie) = app.portal_log_in(&spent.phone, PASSWORD).await;
        let path = format!(
            "/checkout/review?plan=HK-30D-20G&target={}&method=card&periods=1&lang=en",
            spent.iccid
        );
        let (status, review) = page(&app, &cookie, &path).await;
        assert_eq!(status, Status::OK, "{review}");
        let warning = text_of(&review, "data-testid=\"ends-early\"").unwrap_or_default();
        let would_end = en_datetime(started + Duration::days(30));
        assert!(
            warning.contains("paying ends it now") && warning.contains(&would_end),
            "{warning}"
        );
        // The new period starts now, so the line is valid 30 days from now, not 50.
        assert_eq!(
            text_of(&review, "data-testid=\"starts\"").as_deref(),
            Some(en_datetime(app.now()).as_str())
        );
        assert_eq!(
            text_of(&review, "data-testid=\"valid-until\"").as_deref(),
            Some(en_datetime(app.now() + Duration::days(30)).as_str())
        );

        // With data left, nothing is cut short.
        let fresh = app
            .subscriber_with_line(&SUBSCRIBERS, 2, "HK-30D-20G", started, Used::Nothing)
            .await;
        let (_, cookie) = app.portal_log_in(&fresh.phone, PASSWORD).await;
        let path = format!(
            "/checkout/review?plan=HK-30D-20G&target={}&method=card&periods=1&lang=en",
            fresh.iccid
        );
        let (_, review) = page(&app, &cookie, &path).await;
        assert!(!review.contains("data-testid=\"ends-early\""), "{review}");
    }
);
