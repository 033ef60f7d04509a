//! The usage rules, each on its case and quiet beside it: a day far above the line's
//! own history (issue 15's Done-when: one alert, one flag, however often the scan
//! runs), use after the period ended, and use while the line was suspended.

use super::helpers::*;

/// Ten ordinary days before today: 400–700 MB a day.
async fn ordinary_days(app: &TestApp, sub: &Subscriber, days: i64) {
    for day in 1..=days {
        let bytes = (400 + (day * 37) % 300) * MB;
        let at = app.now() - Duration::days(day) + Duration::minutes(7);
        use_data(app, &format!("{}-d{day}", sub.iccid), &sub.iccid, bytes, at).await;
    }
}

story!(a_usage_spike_alerts_once_and_flags_once, |app| {
    let sub = subscriber(&app, 30, 12).await;
    ordinary_days(&app, &sub, 10).await;
    use_data(
        &app,
        "today-1",
        &sub.iccid,
        500 * MB,
        app.now() - Duration::hours(1),
    )
    .await;
    assert_eq!(scan_twice(&app).await, 0, "an ordinary day");

    // Someone streams all afternoon: 12 GB today.
    use_data(&app, "today-2", &sub.iccid, 12_000 * MB, app.now()).await;
    assert_eq!(scan_twice(&app).await, 1);
    send_alerts(&app).await;
    // More use the same day, later scans: still the one finding.
    app.advance(Duration::hours(2));
    use_data(&app, "today-3", &sub.iccid, 1_000 * MB, app.now()).await;
    assert_eq!(scan_twice(&app).await, 0);
    send_alerts(&app).await;

    let found = findings_of(&app, Kind::UsageSpike).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let spike = &found[0].evidence["spike"];
    assert_eq!(spike["day_bytes"], 12_500 * MB);
    assert!(
        spike["median_bytes"].as_i64().unwrap() < 700 * MB,
        "{spike}"
    );
    assert_eq!(spike["history_days"], 10);
    let (sms, email) = alerts_to(&app, &sub).await;
    assert_eq!((sms.len(), email.len()), (1, 1), "{sms:?}");
    let tail = &sub.iccid[sub.iccid.len() - 4..];
    assert!(
        sms[0].contains(&format!("eSIM ending in {tail} used 11.6 GB")),
        "{}",
        sms[0]
    );
    assert!(
        email[0].contains("check which apps use data"),
        "{}",
        email[0]
    );

    let flagged = flags(&app).await;
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(flagged[0]["finding"]["kind"], "usage_spike");
    assert_eq!(flagged[0]["customer_id"], sub.account_id.as_str());
    assert_eq!(flagged[0]["finding"]["iccid"], sub.iccid.as_str());
});

story!(
    a_quiet_line_s_first_real_day_and_a_new_line_stay_quiet,
    |app| {
        // Background sync only, then a day out: 1.5 GB is no alarm.
        let quiet = subscriber(&app, 31, 12).await;
        for day in 1..=10 {
            let at = app.now() - Duration::days(day);
            use_data(&app, &format!("q{day}"), &quiet.iccid, 5 * MB, at).await;
        }
        use_data(&app, "q-today", &quiet.iccid, 1_500 * MB, app.now()).await;
        // A line three days old: too little history to judge even a big day.
        let new = subscriber(&app, 32, 3).await;
        for day in 1..=3 {
            let at = app.now() - Duration::days(day);
            use_data(&app, &format!("n{day}"), &new.iccid, 300 * MB, at).await;
        }
        use_data(&app, "n-today", &new.iccid, 6_000 * MB, app.now()).await;
        assert_eq!(scan_twice(&app).await, 0);
        assert!(findings(&app).await.is_empty());
    }
);

story!(use_after_the_period_ended_is_found, |app| {
    // The only period ended a day ago.
    let sub = subscriber(&app, 33, 31).await;
    let ended = app.now() - Duration::days(1);
    // Within the network's lag after the end: not counted.
    use_data(
        &app,
        "late-1",
        &sub.iccid,
        20 * MB,
        ended + Duration::minutes(3),
    )
    .await;
    assert_eq!(scan_twice(&app).await, 0);
    use_data(
        &app,
        "late-2",
        &sub.iccid,
        300 * MB,
        ended + Duration::hours(5),
    )
    .await;
    use_data(
        &app,
        "late-3",
        &sub.iccid,
        200 * MB,
        ended + Duration::hours(6),
    )
    .await;
    assert_eq!(scan_twice(&app).await, 1);
    send_alerts(&app).await;
    let found = findings_of(&app, Kind::UsageAfterEnd).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].evidence["bytes"], 500 * MB);
    assert_eq!(found[0].evidence["records"], 2);
    let (sms, email) = alerts_to(&app, &sub).await;
    assert_eq!((sms.len(), email.len()), (1, 1));
    assert!(
        email[0].contains("You are not charged for it"),
        "{}",
        email[0]
    );
});

story_with!(
    use_while_suspended_is_found,
    |backend| TestApp::start_with(backend, |config| {
        config.network.exhausted_action = "suspend".into();
    }),
    |app| {
        let sub = app
            .subscriber_with_line(
                &SUBSCRIBERS,
                34,
                "HK-1D-1G",
                app.now() - Duration::hours(2),
                Used::Nothing,
            )
            .await;
        // The day pass's 1 GB runs out: the line is suspended.
        use_data(
            &app,
            "s-1",
            &sub.iccid,
            1_100 * MB,
            app.now() - Duration::minutes(30),
        )
        .await;
        let suspended_at = app.now();
        let status: String = sqlx::query_scalar("SELECT status FROM lines WHERE iccid = $1")
            .bind(&sub.iccid)
            .fetch_one(app.db.reader())
            .await
            .unwrap();
        assert_eq!(status, "suspended");
        // In flight as the network applied it: not counted.
        app.advance(Duration::minutes(5));
        use_data(
            &app,
            "s-2",
            &sub.iccid,
            10 * MB,
            suspended_at + Duration::minutes(4),
        )
        .await;
        assert_eq!(scan_twice(&app).await, 0);
        // The network kept the line open.
        app.advance(Duration::minutes(30));
        use_data(
            &app,
            "s-3",
            &sub.iccid,
            80 * MB,
            suspended_at + Duration::minutes(25),
        )
        .await;
        assert_eq!(scan_twice(&app).await, 1);
        send_alerts(&app).await;
        let found = findings_of(&app, Kind::UsageWhileSuspended).await;
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].evidence["bytes"], 80 * MB);
        assert_eq!(found[0].evidence["reason"], "quota_exhausted");
        let (sms, email) = alerts_to(&app, &sub).await;
        assert_eq!((sms.len(), email.len()), (1, 1));
        assert!(sms[0].contains("while it was suspended"), "{}", sms[0]);
    }
);
