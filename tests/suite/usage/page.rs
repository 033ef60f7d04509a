//! The usage page: 30 days drawn and a forecast.

use super::helpers::*;

// ===== 8. the usage page ==================================================================

story!(the_usage_page_draws_30_days_and_forecasts, |app| {
    datacard::demo::seed(&app).await.expect("demo seed");
    let key = keys::create(&app, "tower-1").await.expect("a key");
    let iccid = demo_iccid();
    // 1 GB a day for the last 7 days.
    let records: Vec<Value> = (0..7)
        .map(|day| {
            record(
                &format!("page-{day}"),
                &iccid,
                GIB,
                app.now() - Duration::days(day) - Duration::hours(1),
            )
        })
        .collect();
    assert_eq!(post_ok(&app, &key, records).await, answer(7, 0, &[]));

    let cookie = app
        .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await
        .1;
    let path = format!("/lines/{iccid}/usage?lang=en");
    let (status, _, html) = page(&app, &path, &cookie).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(html.matches("<svg").count(), 1, "{html}");
    assert_eq!(html.matches("<rect").count(), 30, "{html}");
    assert!(
        html.contains("At your recent pace your data lasts until"),
        "{html}"
    );
    assert!(!html.contains("until the end of the period"), "{html}");
    assert!(html.contains("Recent pace: 1"), "{html}");
    assert!(html.contains("A plan that would fit you"), "{html}");

    // Someone else's line, or no line at all: not found.
    let other = subscriber(&app, 11, "HK-7D-5G", app.now() - Duration::days(1)).await;
    let stranger = app.portal_log_in(&other.phone, PASSWORD).await.1;
    let (status, _, html) = page(&app, &path, &stranger).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        html.contains("We could not find that eSIM on your account."),
        "{html}"
    );
    assert!(!html.contains("<rect"), "{html}");
    let (status, _, _) = page(
        &app,
        &format!("/lines/{}/usage?lang=en", stranger_iccid()),
        &cookie,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Not signed in: to the login page.
    let (status, headers, _) = page(&app, &path, "").await;
    assert!(status.is_redirection(), "{status}");
    assert!(
        headers[header::LOCATION]
            .to_str()
            .is_ok_and(|to| to.starts_with("/login")),
        "{headers:?}"
    );
    // The line's owner with no usage yet sees so.
    let (status, _, html) = page(
        &app,
        &format!("/lines/{}/usage?lang=en", other.iccid),
        &stranger,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No usage recorded yet."), "{html}");
});
