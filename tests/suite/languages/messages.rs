//! SMS and email in Simplified Chinese for a subscriber who chose it: when registering,
//! from the language switch, and an auto-renew reminder's HTML part.

use super::helpers::*;

story!(
    a_subscriber_who_registers_in_simplified_chinese_is_written_to_in_it,
    |app| {
        let phone = "+85261390001";
        let email = "zh.cn@example.com";
        app.request_code(phone, "register", &[("accept-language", "zh-CN")])
            .await;
        let sms = app.last_message(phone).await.message;
        assert_eq!((sms.channel, sms.locale), (Channel::Sms, Locale::ZhCn));
        assert!(sms.body.contains("你的验证码是"), "{}", sms.body);
        assert!(
            sms.body.chars().count() <= 70,
            "one SMS: {} characters",
            sms.body.chars().count()
        );
        let code = app.last_code(phone).await;

        // The API takes zh-CN as a language; nothing in the request asks for it otherwise.
        let (status, _, account) = app
            .post_json(
                "/api/v1/accounts",
                json!({ "phone": phone, "email": email, "password": PASSWORD,
                    "code": code, "language": "zh-CN" }),
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{account}");

        let mail = app.last_message(email).await.message;
        assert_eq!((mail.channel, mail.locale), (Channel::Email, Locale::ZhCn));
        assert_eq!(mail.kind, "email_verification");
        assert_eq!(mail.subject, "验证你的 datacard 邮箱");
        assert!(mail.body.contains("以验证此邮箱"), "{}", mail.body);

        let token = app.log_in(phone, PASSWORD).await;
        let (status, _, me) = app.me(&token).await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["language"], "zh-CN");

        // A code for the account's owner is in the owner's language, whatever the request's.
        app.advance_secs(app.config.accounts.code_resend_cooldown_secs + 1);
        app.request_code(phone, "reset_password", &[("accept-language", "en")])
            .await;
        let reset = app.last_message(phone).await.message;
        assert_eq!(reset.locale, Locale::ZhCn);
        assert!(reset.body.contains("验证码"), "{}", reset.body);
    }
);

story!(
    a_subscriber_who_switches_to_simplified_chinese_gets_alerts_in_it,
    |app| {
        let sub = subscriber(&app, 1, app.now() - Duration::days(1)).await;
        let (_, cookie) = app.portal_log_in(&sub.phone, PASSWORD).await;
        // The subscriber reads English, then picks 简体中文 from the switch.
        let (_, account) = page(&app, "/account", &[("cookie", &cookie)]).await;
        assert_ne!(lang_of(&account), "zh-CN");
        let (_, account) = page(&app, "/account?lang=zh-CN", &[("cookie", &cookie)]).await;
        assert_simplified("/account", &account);
        for text in ["我的账户", "剩余流量", "香港 7 天 5GB", "续费", "使用中"] {
            assert!(account.contains(text), "/account has no {text}");
        }
        let (_, orders) = page(
            &app,
            "/orders",
            &[("cookie", &format!("{cookie}; dc_lang=zh-CN"))],
        )
        .await;
        assert_simplified("/orders", &orders);

        // Usage past 75 %: the SMS and the email are in the language chosen on the page.
        let key = datacard::usage::keys::create(&app, "tower-zh")
            .await
            .expect("a network key");
        let at = app.now() - Duration::hours(1);
        let (status, _, body) = app
            .post_json(
                "/api/v1/usage",
                json!({ "records": [{ "id": "zh-1", "iccid": sub.iccid, "bytes": 4 * (1_i64 << 30),
                                  "started_at": at, "ended_at": at + Duration::minutes(1) }] }),
                &[("authorization", &bearer(&key))],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        datacard::jobs::run_due(&app, "languages-story")
            .await
            .expect("jobs run");
        let sms = app.last_message(&sub.phone).await.message;
        assert_eq!(
            (sms.kind.as_str(), sms.locale),
            ("alert_used_75", Locale::ZhCn)
        );
        assert!(sms.body.contains("的流量已用 75%"), "{}", sms.body);
        let mail = app.last_message(&sub.email).await.message;
        assert_eq!(
            (mail.kind.as_str(), mail.locale),
            ("alert_used_75", Locale::ZhCn)
        );
        assert_eq!(mail.subject, "你的流量已用 75%");
    }
);

story!(
    an_auto_renew_reminder_email_is_simplified_in_both_parts,
    |app| {
        let sub = subscriber(&app, 2, app.now() - Duration::days(5)).await;
        datacard::accounts::set_locale(&app, &sub.account_id, Locale::ZhCn)
            .await
            .expect("the subscriber picks Simplified");
        let reply = app
            .request(
                Method::PUT,
                &format!("/api/v1/lines/{}/auto-renew", sub.iccid),
                Some(json!({ "enabled": true, "method": "alipay" })),
                &[("authorization", &sub.auth())],
            )
            .await;
        assert_eq!(reply.0, StatusCode::OK, "{}", reply.2);
        app.advance(Duration::hours(25));
        datacard::auto_renew::scan(&app).await.expect("scan");
        for _ in 0..2 {
            datacard::jobs::run_due(&app, "languages-story")
                .await
                .expect("jobs run");
        }

        let mail = app.last_message(&sub.email).await.message;
        assert_eq!(
            (mail.kind.as_str(), mail.locale),
            ("auto_renew_reminder", Locale::ZhCn)
        );
        assert_eq!(mail.subject, "该续费了");
        assert!(
            mail.body.contains("支付宝和微信支付需要你确认"),
            "{}",
            mail.body
        );
        let html = mail.html.expect("the reminder has an HTML part");
        assert!(
            html.markup.contains(r#"<html lang="zh-CN">"#),
            "{}",
            html.markup
        );
        assert!(
            html.markup.contains("用手机扫描二维码") && html.markup.contains("结算链接的二维码"),
            "the caption and the image's text: {}",
            html.markup
        );
        let sms = app.last_message(&sub.phone).await.message;
        assert_eq!(
            (sms.kind.as_str(), sms.locale),
            ("auto_renew_reminder", Locale::ZhCn)
        );
        assert!(sms.body.contains("一键续费"), "{}", sms.body);
    }
);
