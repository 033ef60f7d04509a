//! The wallet renews the line: once per period through a time jump, on exhaustion
//! when the data runs out, and a short wallet dunned on schedule until it recovers
//! or the period lapses.

use super::helpers::*;

// ===== the wallet renews the line ========================================================

story!(
    a_wallet_line_renews_itself_once_through_a_time_jump,
    |app| {
        let sub = subscriber(&app, 1).await;
        app.top_up_by_card(&sub, 5_000).await;
        let settings = enable(&app, &sub, json!({ "enabled": true, "method": "wallet" })).await;
        assert_eq!(settings["trigger"], "before_expiry");
        assert_eq!(settings["hours_before"], 24);
        assert_eq!(settings["next_charge"]["amount"]["amount"], PRICE);
        let ends_at = periods(&app, &sub.iccid).await[0].1;

        // Two days before the end: nothing yet.
        assert_eq!(scan(&app).await, 0);
        app.advance(Duration::hours(23));
        assert_eq!(scan(&app).await, 0);
        run_jobs(&app).await;
        assert_eq!(periods(&app, &sub.iccid).await.len(), 1);

        // Within 24 hours of the end: one attempt, however often the scan runs.
        app.advance(Duration::hours(2));
        assert_eq!(scan(&app).await, 1);
        assert_eq!(scan(&app).await, 0);
        run_jobs(&app).await;
        assert_eq!(scan(&app).await, 0);
        run_jobs(&app).await;

        let after = periods(&app, &sub.iccid).await;
        assert_eq!(after.len(), 2, "the next period is queued: {after:?}");
        assert_eq!(after[1].0, ends_at, "it starts when the current one ends");
        assert_eq!(
            renewal_orders(&app, &sub.account_id).await,
            vec![("fulfilled".to_owned(), "wallet".to_owned())]
        );
        assert_eq!(balance(&app, &sub).await, 5_000 - PRICE);
        assert_eq!(
            renew_messages(&app, &sub.email).await,
            strings(&["auto_renew_done"])
        );
        // No SMS for a renewal that went through.
        assert_eq!(renew_messages(&app, &sub.phone).await, Vec::<String>::new());
    }
);

story!(an_on_exhaustion_line_renews_when_its_data_runs_out, |app| {
    let sub = subscriber_using(&app, 11, Used::All).await;
    let fresh = subscriber(&app, 12).await;
    app.top_up_by_card(&sub, 5_000).await;
    app.top_up_by_card(&fresh, 5_000).await;
    for who in [&sub, &fresh] {
        enable(
            &app,
            who,
            json!({ "enabled": true, "method": "wallet", "trigger": "on_exhaustion" }),
        )
        .await;
    }
    // Only the line with no data left, long before its end.
    assert_eq!(scan(&app).await, 1);
    run_jobs(&app).await;
    let now = app.now().timestamp_millis();
    let after = periods(&app, &sub.iccid).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(after[0].1, now, "the used-up period ends now");
    assert_eq!(after[1].0, now, "and the new one starts at once");
    assert_eq!(renewal_orders(&app, &sub.account_id).await.len(), 1);
    assert!(renewal_orders(&app, &fresh.account_id).await.is_empty());
    // The new period is not used up: nothing more.
    app.advance_secs(60);
    assert_eq!(scan(&app).await, 0);
});

// ===== dunning ===========================================================================

story!(
    a_short_wallet_is_dunned_and_the_retry_after_a_top_up_succeeds,
    |app| {
        let sub = subscriber(&app, 2).await;
        app.top_up_by_card(&sub, 1_000).await;
        enable(&app, &sub, json!({ "enabled": true, "method": "wallet" })).await;

        // The wallet cannot cover the next renewal: one low-balance alert for the period.
        scan(&app).await;
        scan(&app).await;
        run_jobs(&app).await;
        assert_eq!(
            renew_messages(&app, &sub.email).await,
            strings(&["low_balance"])
        );
        assert_eq!(
            renew_messages(&app, &sub.phone).await,
            strings(&["low_balance"])
        );

        app.advance(Duration::hours(25));
        assert_eq!(scan(&app).await, 1);
        run_jobs(&app).await;
        let failed = strings(&["low_balance", "auto_renew_failed_0"]);
        assert_eq!(renew_messages(&app, &sub.email).await, failed);
        assert_eq!(renew_messages(&app, &sub.phone).await, failed);
        let sms = app.last_message(&sub.phone).await.message.body;
        assert!(
            sms.contains(&format!(
                "https://datacard.test/checkout?plan={PLAN}&iccid={}",
                sub.iccid
            )),
            "a one-tap renewal link: {sms}"
        );

        // Nothing before the first retry, an hour later.
        app.advance(Duration::minutes(59));
        run_jobs(&app).await;
        assert_eq!(renew_messages(&app, &sub.email).await.len(), 2);
        app.advance(Duration::minutes(1));
        run_jobs(&app).await;
        assert_eq!(
            renew_messages(&app, &sub.email).await,
            strings(&["low_balance", "auto_renew_failed_0", "auto_renew_failed_1"])
        );
        assert!(renewal_orders(&app, &sub.account_id).await.is_empty());

        // Topped up before the retry at 6 hours: it goes through.
        app.top_up_by_card(&sub, 5_000).await;
        app.advance(Duration::hours(5));
        run_jobs(&app).await;
        assert_eq!(
            renewal_orders(&app, &sub.account_id).await,
            vec![("fulfilled".to_owned(), "wallet".to_owned())]
        );
        assert_eq!(periods(&app, &sub.iccid).await.len(), 2);
        assert_eq!(balance(&app, &sub).await, 6_000 - PRICE);
        assert_eq!(
            renew_messages(&app, &sub.email).await,
            strings(&[
                "low_balance",
                "auto_renew_failed_0",
                "auto_renew_failed_1",
                "auto_renew_done"
            ])
        );
        assert_eq!(
            datacard::jobs::pending(&app, datacard::auto_renew::ATTEMPT_JOB)
                .await
                .expect("pending"),
            0
        );
    }
);

story!(dunning_stops_before_the_period_lapses, |app| {
    let sub = subscriber(&app, 3).await;
    app.top_up_by_card(&sub, 1_000).await;
    enable(
        &app,
        &sub,
        json!({ "enabled": true, "method": "wallet", "hours_before": 2, "sms": false }),
    )
    .await;
    let ends_at = DateTime::<Utc>::from_timestamp_millis(periods(&app, &sub.iccid).await[0].1)
        .expect("a time");

    app.clock.set(ends_at - Duration::hours(2));
    assert_eq!(scan(&app).await, 1);
    run_jobs(&app).await;
    app.advance(Duration::hours(1));
    run_jobs(&app).await;
    let expected = strings(&["low_balance", "auto_renew_failed_0", "auto_renew_failed_1"]);
    assert_eq!(renew_messages(&app, &sub.email).await, expected);
    // The next step (6 hours after the first failure) would be after the end.
    assert_eq!(
        datacard::jobs::pending(&app, datacard::auto_renew::ATTEMPT_JOB)
            .await
            .expect("pending"),
        0
    );
    app.advance(Duration::days(2));
    scan(&app).await;
    run_jobs(&app).await;
    assert_eq!(renew_messages(&app, &sub.email).await, expected);
    assert!(renewal_orders(&app, &sub.account_id).await.is_empty());
    // SMS were turned off: email only.
    assert_eq!(renew_messages(&app, &sub.phone).await, Vec::<String>::new());
});
