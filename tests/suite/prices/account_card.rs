//! The account card: one "valid until" over every period, queued ones collapsed, and
//! data figures that say what they are (left on a capped plan, used on an unlimited
//! one), with a bar that agrees.

use chrono::Duration;

use crate::support::{Numbering, PASSWORD, Used};

use super::helpers::*;

const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852614",
    email: "card",
    iccid: "89852078",
};

story!(
    the_account_card_has_one_valid_until_and_says_what_its_data_is,
    |app| {
        datacard::demo::seed(&app.app).await.expect("demo");
        let (_, cookie) = app
            .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        let iccid = datacard::demo::demo_iccid();
        // Six periods queued behind the running one, end to end.
        let mut end = app.now() - Duration::days(10) + Duration::days(30);
        for _ in 0..6 {
            app.add_period(&iccid, "HK-30D-20G", end).await;
            end += Duration::days(30);
        }
        let (status, account) = page(&app, &cookie, "/account?lang=en").await;
        assert_eq!(status, Status::OK, "{account}");
        assert_eq!(account.matches("data-testid=\"valid-until\"").count(), 1);
        assert_eq!(
            text_of(&account, "data-testid=\"valid-until\"").as_deref(),
            Some(en_datetime(end).as_str()),
            "valid until the end of the last queued period"
        );
        let queued = text_of(&account, "data-testid=\"queued\"").unwrap_or_default();
        assert!(
            queued.starts_with("6 more periods after this one"),
            "{queued}"
        );
        assert!(
            account.contains("<details class=\"queued\""),
            "collapsed: {account}"
        );
        // A third of 20 GB used: what is left, and a bar two thirds full.
        assert_eq!(
            text_of(&account, "data-testid=\"data-term\"").as_deref(),
            Some("Data left")
        );
        assert!(
            account.contains("data-kind=\"left\" data-percent=\"66\""),
            "{account}"
        );

        // An unlimited plan with nothing used yet: data used, and an empty bar.
        let unlimited = app
            .subscriber_with_line(&SUBSCRIBERS, 1, "HK-30D-UNL", app.now(), Used::Nothing)
            .await;
        let (_, cookie) = app.portal_log_in(&unlimited.phone, PASSWORD).await;
        let (_, account) = page(&app, &cookie, "/account?lang=en").await;
        assert_eq!(
            text_of(&account, "data-testid=\"data-term\"").as_deref(),
            Some("Data used (fair use)")
        );
        let figure = text_of(&account, "data-testid=\"data-left\"").unwrap_or_default();
        assert!(figure.starts_with("0 B used"), "{figure}");
        assert!(
            account.contains("data-kind=\"used\" data-percent=\"0\""),
            "the bar shows what is used: {account}"
        );
        let (_, zh) = page(&app, &cookie, "/account?lang=zh-HK").await;
        assert_eq!(
            text_of(&zh, "data-testid=\"data-term\"").as_deref(),
            Some("已用數據（公平使用）")
        );
        assert!(zh.contains(">有效至</dt>"), "{zh}");
    }
);
