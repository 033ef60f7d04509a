//! Quiet hours hold back non-urgent SMS until eight; urgent ones still go.

use super::helpers::*;

story!(quiet_hours_defer_a_reminder_sms_to_eight, |app| {
    let sub = subscriber(&app, 5).await;
    enable(
        &app,
        &sub,
        json!({ "enabled": true, "method": "wechat_pay", "hours_before": 48 }),
    )
    .await;
    // 23:00 in Hong Kong, 35 hours before the end: not urgent.
    app.advance(Duration::hours(13));
    assert_eq!(scan(&app).await, 1);
    run_jobs(&app).await;
    assert_eq!(
        renew_messages(&app, &sub.email).await,
        strings(&["auto_renew_reminder"]),
        "email goes at once"
    );
    assert_eq!(renew_messages(&app, &sub.phone).await, Vec::<String>::new());
    app.advance(Duration::hours(8) + Duration::minutes(59));
    run_jobs(&app).await;
    assert_eq!(renew_messages(&app, &sub.phone).await, Vec::<String>::new());
    // 08:00.
    app.advance(Duration::minutes(1));
    run_jobs(&app).await;
    assert_eq!(
        renew_messages(&app, &sub.phone).await,
        strings(&["auto_renew_reminder"])
    );
});

story!(quiet_hours_hold_back_a_usage_alert_sms_too, |app| {
    let sub = subscriber(&app, 13).await;
    let alerts = |list: Vec<datacard::messages::OutboxEntry>| {
        list.into_iter()
            .map(|entry| entry.message.kind)
            .filter(|kind| kind.starts_with("alert_"))
            .collect::<Vec<_>>()
    };
    // 23:00 in Hong Kong, 35 hours before the end: "ends in 3 days", not urgent.
    app.advance(Duration::hours(13));
    datacard::usage::alerts::scan_expiring(&app)
        .await
        .expect("scan");
    run_jobs(&app).await;
    assert_eq!(
        alerts(app.messages_to(&sub.email).await),
        strings(&["alert_expires_3d"])
    );
    assert!(alerts(app.messages_to(&sub.phone).await).is_empty());
    app.advance(Duration::hours(9));
    run_jobs(&app).await;
    assert_eq!(
        alerts(app.messages_to(&sub.phone).await),
        strings(&["alert_expires_3d"])
    );
    assert_eq!(
        alerts(app.messages_to(&sub.email).await),
        strings(&["alert_expires_3d"]),
        "the email is not sent twice"
    );
});

story!(an_urgent_sms_goes_even_in_quiet_hours, |app| {
    let sub = subscriber(&app, 6).await;
    app.top_up_by_card(&sub, 1_000).await;
    scan(&app).await;
    enable(&app, &sub, json!({ "enabled": true, "method": "wallet" })).await;
    // 02:00 in Hong Kong on the last day, 8 hours before the end.
    app.advance(Duration::hours(40));
    assert_eq!(scan(&app).await, 1);
    run_jobs(&app).await;
    let sms = renew_messages(&app, &sub.phone).await;
    assert!(
        sms.contains(&"auto_renew_failed_0".to_owned()),
        "the failed renewal is urgent: {sms:?}"
    );
    // The low-balance alert is not urgent: its SMS waits for 08:00.
    assert!(!sms.contains(&"low_balance".to_owned()), "{sms:?}");
    app.advance(Duration::hours(6));
    run_jobs(&app).await;
    assert!(
        renew_messages(&app, &sub.phone)
            .await
            .contains(&"low_balance".to_owned())
    );
});
