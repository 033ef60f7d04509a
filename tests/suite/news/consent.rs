//! Marketing only with consent: a marketing announcement reaches only the subscribers
//! who opted in by each channel, each message carrying its one-click opt-out; the link
//! stops the next one at once; the consent log keeps time, channel and source; a
//! service notice reaches everyone it is for; nothing is sent twice.

use super::helpers::*;

const UNSUBSCRIBE: &str = "https://datacard.test/u/";

fn offer(title: &str) -> Value {
    json!({
        "title": { "en": title, "zh-HK": "新優惠" },
        "body": { "en": "**20 GB** for HK$98 this week.", "zh-HK": "本星期 **20GB** 只需 HK$98。" },
        "marketing": true,
        "send": { "sms": true, "email": true },
    })
}

story!(
    a_marketing_announcement_reaches_only_consenting_subscribers,
    |app| {
        let admin = admin(&app).await;
        let email_only = subscriber(&app, 1, "HK-30D-20G").await;
        let both = subscriber(&app, 2, "HK-30D-20G").await;
        let nobody = subscriber(&app, 3, "HK-30D-20G").await;
        opt_in(&app, &email_only, false, true).await;
        opt_in(&app, &both, true, true).await;

        post(&app, &admin, offer("Weekend offer")).await;
        send_due(&app).await;

        let to_email_only = announcements_to(&app, &email_only.email).await;
        assert_eq!(to_email_only.len(), 1);
        assert!(announcements_to(&app, &email_only.phone).await.is_empty());
        assert_eq!(announcements_to(&app, &both.email).await.len(), 1);
        assert_eq!(announcements_to(&app, &both.phone).await.len(), 1);
        assert!(announcements_to(&app, &nobody.email).await.is_empty());
        assert!(announcements_to(&app, &nobody.phone).await.is_empty());

        // Each marketing message carries its own opt-out.
        let email = &to_email_only[0].message;
        assert_eq!(email.kind, "announcement_marketing");
        assert_eq!(email.subject, "Weekend offer");
        let link = email.unsubscribe.clone().expect("List-Unsubscribe");
        assert!(link.starts_with(UNSUBSCRIBE), "{link}");
        assert!(email.body.contains(&link), "{}", email.body);
        assert!(email.body.contains("20 GB for HK$98"), "{}", email.body);
        let html = &email.html.as_ref().expect("an HTML part").markup;
        assert!(html.contains("<strong>20 GB</strong>"), "{html}");
        assert!(html.contains(&link), "{html}");
        let sms = &announcements_to(&app, &both.phone).await[0].message;
        let sms_link = link_in(&sms.body, UNSUBSCRIBE).expect("the SMS's opt-out");
        assert_ne!(sms_link, link, "a link per account and channel");
        assert!(sms.body.contains("Stop offers"), "{}", sms.body);

        // Going through again (a restart, an edit) sends nothing twice.
        send_due(&app).await;
        assert_eq!(announcements_to(&app, &both.email).await.len(), 1);
        assert_eq!(announcements_to(&app, &both.phone).await.len(), 1);
    }
);

story!(opt_out_by_the_link_stops_the_next_one, |app| {
    let admin = admin(&app).await;
    let sub = subscriber(&app, 1, "HK-30D-20G").await;
    opt_in(&app, &sub, true, true).await;
    let opted_in_at = app.now();
    post(&app, &admin, offer("First offer")).await;
    send_due(&app).await;
    let link = announcements_to(&app, &sub.email).await[0]
        .message
        .unsubscribe
        .clone()
        .expect("an opt-out link");
    let path = format!(
        "{}?lang=en",
        link.trim_start_matches("https://datacard.test")
    );

    // Opening the link only asks (a mail scanner following it opts nobody out).
    app.advance(Duration::minutes(5));
    let (status, _, confirm) = app.console_get(&path, "").await;
    assert_eq!(status, StatusCode::OK, "{confirm}");
    assert!(confirm.contains("Stop offers by email"), "{confirm}");
    assert_eq!(preferences(&app, &sub).await["marketing"]["email"], true);

    // The one-click POST, as a mail app sends it: no login, no form token.
    let (status, _, done) = app
        .console_post(&path, "", &[("List-Unsubscribe", "One-Click")])
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(done.contains("no more offers by email"), "{done}");
    let unsubscribed_at = app.now();

    let now = preferences(&app, &sub).await;
    assert_eq!(now["marketing"], json!({ "sms": true, "email": false }));
    // The log: newest first, each with its time, channel and source.
    let log = now["marketing_log"].as_array().expect("the consent log");
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(log[0]["channel"], "email");
    assert_eq!(log[0]["opted_in"], false);
    assert_eq!(log[0]["source"], "unsubscribe_link");
    assert_eq!(log[0]["at"], json!(unsubscribed_at));
    let opt_ins: Vec<&Value> = log[1..].iter().collect();
    assert!(
        opt_ins
            .iter()
            .all(|e| e["opted_in"] == true && e["source"] == "api")
    );
    assert!(opt_ins.iter().all(|e| e["at"] == json!(opted_in_at)));
    let mut channels: Vec<&str> = opt_ins
        .iter()
        .filter_map(|e| e["channel"].as_str())
        .collect();
    channels.sort_unstable();
    assert_eq!(channels, ["email", "sms"]);

    // The next offer goes by SMS only.
    post(&app, &admin, offer("Second offer")).await;
    send_due(&app).await;
    assert_eq!(announcements_to(&app, &sub.email).await.len(), 1);
    assert_eq!(announcements_to(&app, &sub.phone).await.len(), 2);

    // The same link again changes nothing more.
    let before = app.count_rows("marketing_consents").await;
    let (status, _, _) = app.console_post(&path, "", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.count_rows("marketing_consents").await, before);
});

story!(an_opt_out_stops_messages_already_queued, |app| {
    let admin = admin(&app).await;
    let sub = subscriber(&app, 1, "HK-30D-20G").await;
    opt_in(&app, &sub, false, true).await;
    let id = post(&app, &admin, offer("Queued offer")).await;
    // The page job queues the delivery; the subscriber opts out before it runs.
    datacard::jobs::run_due_of_kind(&app, "news-story", datacard::announcements::SEND_JOB)
        .await
        .expect("the page runs");
    opt_in(&app, &sub, false, false).await;
    send_due(&app).await;
    assert!(announcements_to(&app, &sub.email).await.is_empty());
    let (_, _, shown) = app
        .get_json(
            &format!("/api/v1/admin/announcements/{id}"),
            &[("authorization", &admin)],
        )
        .await;
    assert_eq!(
        shown["deliveries"],
        json!({ "waiting": 0, "sent": 0, "skipped": 1 })
    );
});

story!(
    a_service_notice_goes_to_everyone_it_targets_without_an_opt_out,
    |app| {
        let admin = admin(&app).await;
        let subs = [
            subscriber(&app, 1, "HK-30D-20G").await,
            subscriber(&app, 2, "HK-30D-20G").await,
        ];
        let id = post(
            &app,
            &admin,
            json!({
                "title": { "en": "Network work tonight" },
                "body": { "en": "Data may pause for 10 minutes after 02:00." },
                "priority": "banner",
                "send": { "email": true },
            }),
        )
        .await;
        send_due(&app).await;
        for sub in &subs {
            let sent = announcements_to(&app, &sub.email).await;
            assert_eq!(sent.len(), 1, "{}", sub.email);
            assert_eq!(sent[0].message.kind, "announcement");
            assert_eq!(sent[0].message.unsubscribe, None);
            assert!(!sent[0].message.body.contains(UNSUBSCRIBE));
            assert!(announcements_to(&app, &sub.phone).await.is_empty());
        }
        // Adding SMS later sends the SMS only: the emails are not sent again.
        let reply = app
            .request(
                Method::PUT,
                &format!("/api/v1/admin/announcements/{id}"),
                Some(json!({
                    "title": { "en": "Network work tonight" },
                    "body": { "en": "Data may pause for 10 minutes after 02:00." },
                    "priority": "banner",
                    "send": { "email": true, "sms": true },
                })),
                &[("authorization", &admin)],
            )
            .await;
        assert_eq!(reply.0, StatusCode::OK, "{}", reply.2);
        send_due(&app).await;
        for sub in &subs {
            assert_eq!(announcements_to(&app, &sub.email).await.len(), 1);
            assert_eq!(announcements_to(&app, &sub.phone).await.len(), 1);
        }
        // The two emails, and the one to the demo subscriber the seed made.
        assert_eq!(reply.2["deliveries"]["sent"], 3);
    }
);

story!(a_tampered_unsubscribe_link_is_refused, |app| {
    let admin = admin(&app).await;
    let sub = subscriber(&app, 1, "HK-30D-20G").await;
    let other = subscriber(&app, 2, "HK-30D-20G").await;
    opt_in(&app, &sub, true, true).await;
    opt_in(&app, &other, true, true).await;
    post(&app, &admin, offer("Offer")).await;
    send_due(&app).await;
    let link = announcements_to(&app, &sub.email).await[0]
        .message
        .unsubscribe
        .clone()
        .expect("an opt-out link");
    let token = link.trim_start_matches(UNSUBSCRIBE);
    let (account, rest) = token.split_once('.').expect("account.channel.mac");
    let mac = rest.split_once('.').expect("channel.mac").1;
    let mut flipped = token.to_owned();
    let last = flipped.pop().expect("a character");
    flipped.push(if last == 'A' { 'Q' } else { 'A' });
    let before = app.count_rows("marketing_consents").await;
    for bad in [
        format!("{}.e.{mac}", other.account_id),
        format!("{account}.s.{mac}"),
        flipped,
        token[..token.len() - 3].to_owned(),
        "acc_nobody.e.AAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        "%3Cscript%3E".to_owned(),
    ] {
        let path = format!("/u/{bad}?lang=en");
        let (status, _, page) = app.console_get(&path, "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "GET {path}: {page}");
        let (status, _, page) = app.console_post(&path, "", &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "POST {path}: {page}");
        assert!(page.contains("not valid"), "{page}");
    }
    assert_eq!(app.count_rows("marketing_consents").await, before);
    assert_eq!(
        preferences(&app, &sub).await["marketing"],
        json!({ "sms": true, "email": true })
    );
    assert_eq!(
        preferences(&app, &other).await["marketing"],
        json!({ "sms": true, "email": true })
    );
});

story!(
    a_delivery_claimed_by_a_worker_that_died_is_not_sent_again,
    |app| {
        let admin = admin(&app).await;
        let sub = subscriber(&app, 1, "HK-30D-20G").await;
        post(
            &app,
            &admin,
            json!({ "title": { "en": "Tariff update" }, "send": { "email": true } }),
        )
        .await;
        datacard::jobs::run_due_of_kind(&app, "news-story", datacard::announcements::SEND_JOB)
            .await
            .expect("the page runs");
        // A worker claimed this delivery and died: it may have sent the message.
        sqlx::query(
            "UPDATE announcement_deliveries SET state = 'sending' \
             WHERE account_id = $1 AND channel = 'email'",
        )
        .bind(&sub.account_id)
        .execute(app.db.reader())
        .await
        .expect("claim the delivery");
        send_due(&app).await;
        assert!(announcements_to(&app, &sub.email).await.is_empty());
        // The others went once.
        assert_eq!(
            announcements_to(&app, "demo@datacard.example").await.len(),
            1
        );
    }
);
