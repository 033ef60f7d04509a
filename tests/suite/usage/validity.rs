//! Unlimited plans (fair use, no throttling at zero) and validity running out: the
//! period ends on time, with its alerts.

use super::helpers::*;

// ===== 5. unlimited plans =================================================================

story!(
    unlimited_plans_keep_counting_past_fair_use_and_slow_down,
    |app| {
        let sub = subscriber(&app, 8, "HK-1D-UNL", app.now() - Duration::hours(6)).await;
        let key = keys::create(&app, "tower-1").await.expect("a key");
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(line["current_period"]["data_allowance"], Value::Null);
        assert_eq!(line["current_period"]["data_remaining"], Value::Null);
        let cap = 3 * GIB;
        let at = app.now() - Duration::hours(5);

        post_ok(&app, &key, vec![record("unl-1", &sub.iccid, 2 * GIB, at)]).await;
        run_jobs(&app).await;
        assert_eq!(
            line_of(&app, &sub.token, &sub.iccid).await["status"],
            "active"
        );
        assert_eq!(alerts_to(&app, &sub.phone).await, Vec::<String>::new());

        post_ok(
            &app,
            &key,
            vec![record(
                "unl-2",
                &sub.iccid,
                GIB + GIB / 2,
                at + Duration::hours(1),
            )],
        )
        .await;
        run_jobs(&app).await;
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(used(&line), 2 * GIB + GIB + GIB / 2, "{line}");
        assert!(used(&line) > cap);
        assert_eq!(line["current_period"]["data_remaining"], Value::Null);
        assert_eq!(line["status"], "throttled", "{line}");
        assert_eq!(
            line_state(&app, &sub.iccid).await,
            ("throttled".to_owned(), Some("fair_use".to_owned()))
        );
        assert_eq!(told(&app, &sub.iccid).await, ["throttle"]);
        let detail: String = sqlx::query("SELECT detail FROM sandbox_network WHERE iccid = $1")
            .bind(sub.iccid.clone())
            .fetch_one(app.db.reader())
            .await
            .and_then(|row| row.try_get("detail"))
            .expect("what the network was told");
        let detail: Value = serde_json::from_str(&detail).expect("JSON detail");
        assert_eq!(
            detail["action"]["kbps"], 384,
            "the plan's throttle speed: {detail}"
        );

        post_ok(
            &app,
            &key,
            vec![record("unl-3", &sub.iccid, GIB, at + Duration::hours(2))],
        )
        .await;
        run_jobs(&app).await;
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(
            used(&line),
            4 * GIB + GIB / 2,
            "usage keeps counting: {line}"
        );
        assert_eq!(alerts_to(&app, &sub.phone).await, kinds(&["fair_use"]));
        assert_eq!(alerts_to(&app, &sub.email).await, kinds(&["fair_use"]));
        assert_eq!(told(&app, &sub.iccid).await, ["throttle"]);
        let period = &periods(&app, &sub.iccid).await[0];
        assert_eq!(period.overage, 0, "unlimited plans have no overage");

        let cookie = app.portal_log_in(&sub.phone, PASSWORD).await.1;
        let (_, _, account) = page(&app, "/account?lang=en", &cookie).await;
        assert!(
            account.contains("Fair-use limit reached: slowed until the next period."),
            "{account}"
        );
    }
);

// ===== 6. validity ========================================================================

story!(
    validity_running_out_alerts_then_suspends_and_renewal_reconnects,
    |app| {
        datacard::demo::seed(&app).await.expect("demo seed");
        let token = app
            .log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        let iccid = demo_iccid();
        let phone = datacard::demo::DEMO_PHONE;
        let email = datacard::demo::DEMO_EMAIL;
        let ends_at = DateTime::parse_from_rfc3339(
            line_of(&app, &token, &iccid).await["current_period"]["ends_at"]
                .as_str()
                .expect("an end"),
        )
        .expect("a timestamp")
        .with_timezone(&Utc);

        // Four days out: nothing yet.
        app.clock.set(ends_at - Duration::days(4));
        datacard::usage::alerts::scan_expiring(&app)
            .await
            .expect("scan");
        run_jobs(&app).await;
        assert_eq!(alerts_to(&app, phone).await, Vec::<String>::new());

        app.clock.set(ends_at - Duration::days(2));
        for _ in 0..2 {
            datacard::usage::alerts::scan_expiring(&app)
                .await
                .expect("scan");
            run_jobs(&app).await;
        }
        assert_eq!(alerts_to(&app, phone).await, kinds(&["expires_3d"]));
        assert_eq!(alerts_to(&app, email).await, kinds(&["expires_3d"]));
        let sms = app.last_message(phone).await;
        assert_eq!(
            sms.message.locale,
            Locale::ZhHk,
            "in the subscriber's language"
        );
        assert!(
            sms.message.body.contains(&format!(
                "https://datacard.test/checkout?plan=HK-30D-20G&iccid={iccid}"
            )),
            "{}",
            sms.message.body
        );

        app.clock.set(ends_at - Duration::hours(12));
        for _ in 0..2 {
            datacard::usage::alerts::scan_expiring(&app)
                .await
                .expect("scan");
            run_jobs(&app).await;
        }
        assert_eq!(
            alerts_to(&app, phone).await,
            kinds(&["expires_3d", "expires_1d"])
        );
        assert_eq!(
            alerts_to(&app, email).await,
            kinds(&["expires_3d", "expires_1d"])
        );
        assert_eq!(line_of(&app, &token, &iccid).await["status"], "active");
        assert_eq!(
            datacard::lines::expire_lapsed(&app).await.expect("expiry"),
            0
        );

        // Past the end with nothing queued: expired, and the network stops the line.
        app.clock.set(ends_at + Duration::minutes(1));
        assert_eq!(
            datacard::lines::expire_lapsed(&app).await.expect("expiry"),
            1
        );
        assert_eq!(
            datacard::lines::expire_lapsed(&app).await.expect("expiry"),
            0
        );
        let line = line_of(&app, &token, &iccid).await;
        assert_eq!(line["status"], "expired", "{line}");
        assert_eq!(line["current_period"], Value::Null);
        assert_eq!(
            line_state(&app, &iccid).await,
            ("expired".to_owned(), Some("no_period_left".to_owned()))
        );
        run_jobs(&app).await;
        assert_eq!(told(&app, &iccid).await, ["suspend"]);
        let cookie = app
            .portal_log_in(phone, datacard::demo::DEMO_PASSWORD)
            .await
            .1;
        let (_, _, account) = page(&app, "/account?lang=en", &cookie).await;
        assert!(
            account.contains("No plan left: renew to reconnect."),
            "{account}"
        );

        // Renewed from the wallet: a new period from now, and the line is back.
        app.advance_secs(1);
        let order = renew_by_wallet(&app, &token, &iccid, "HK-7D-5G").await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        let line = line_of(&app, &token, &iccid).await;
        assert_eq!(line["status"], "active", "{line}");
        assert_eq!(line["current_period"]["plan_code"], "HK-7D-5G");
        assert_eq!(line_state(&app, &iccid).await, ("active".to_owned(), None));
        run_jobs(&app).await;
        assert_eq!(told(&app, &iccid).await, ["suspend", "resume"]);
        // No alert about the new period yet, and none repeated about the old one.
        datacard::usage::alerts::scan_expiring(&app)
            .await
            .expect("scan");
        run_jobs(&app).await;
        assert_eq!(
            alerts_to(&app, phone).await,
            kinds(&["expires_3d", "expires_1d"])
        );
    }
);

story!(no_expiry_alert_when_a_period_is_queued, |app| {
    let t0 = app.now();
    let sub = subscriber(&app, 9, "HK-7D-5G", t0 - Duration::days(5)).await;
    app.add_period(&sub.iccid, "HK-7D-5G", t0 + Duration::days(2))
        .await;
    app.advance(Duration::hours(36));
    datacard::usage::alerts::scan_expiring(&app)
        .await
        .expect("scan");
    run_jobs(&app).await;
    assert_eq!(alerts_to(&app, &sub.phone).await, Vec::<String>::new());
    app.advance(Duration::hours(13));
    assert_eq!(
        datacard::lines::expire_lapsed(&app).await.expect("expiry"),
        0
    );
    assert_eq!(
        line_of(&app, &sub.token, &sub.iccid).await["status"],
        "active"
    );
});
