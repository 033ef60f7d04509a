//! Posting usage: records applied once with a network key, the keys and batch limits,
//! and late records landing in the period they happened in.

use super::helpers::*;

// ===== 1. posting usage ===================================================================

story!(
    posted_usage_is_applied_once_and_answered_per_record,
    |app| {
        let sub = subscriber(&app, 1, "HK-30D-20G", app.now() - Duration::days(3)).await;
        let key = keys::create(&app, "tower-1").await.expect("a key");
        assert!(key.starts_with("dck_"), "{key}");
        let before = line_of(&app, &sub.token, &sub.iccid).await;
        let allowance = before["current_period"]["data_allowance"]
            .as_i64()
            .expect("an allowance");
        assert_eq!(allowance, 20 * GIB);
        assert_eq!(used(&before), 0);
        assert_eq!(before["current_period"]["data_remaining"], allowance);

        let at = app.now() - Duration::hours(2);
        let first = vec![
            record("tw1-0001", &sub.iccid, 123_456_789, at),
            record("tw1-0002", &sub.iccid, 1_000, at + Duration::minutes(5)),
            record(
                "tw1-0003",
                &sub.iccid,
                987_654_321,
                at + Duration::minutes(9),
            ),
        ];
        let sum = 123_456_789 + 1_000 + 987_654_321;
        assert_eq!(post_ok(&app, &key, first.clone()).await, answer(3, 0, &[]));
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(used(&line), sum, "{line}");
        assert_eq!(line["current_period"]["data_remaining"], allowance - sum);
        assert_eq!(line["status"], "active");

        // The network retries the same batch: nothing changes.
        assert_eq!(post_ok(&app, &key, first).await, answer(0, 3, &[]));
        let again = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(again["current_period"], line["current_period"]);

        // New, repeated and bad records in one batch: each answered, only the good applied.
        let now = app.now();
        let mixed = vec![
            record("tw1-0004", &sub.iccid, 4_000, at),
            record("tw1-0002", &sub.iccid, 1_000, at),
            record("tw1-0005", &sub.iccid, 5_000, at),
            record("tw1-0006", &sub.iccid, 6_000, at),
            record("tw1-0006", &sub.iccid, 6_000, at),
            record("tw1-0007", &stranger_iccid(), 7_000, at),
            record("tw1-0008", &sub.iccid, -8, at),
            record("tw1-0009", &sub.iccid, 0, at),
            record("tw1-0010", &sub.iccid, 1 << 41, at),
            json!({ "id": "tw1-0011", "iccid": sub.iccid, "bytes": 11,
                "started_at": at, "ended_at": at - Duration::minutes(1) }),
            record("tw1-0012", &sub.iccid, 12, now + Duration::days(1)),
            record("tw1 0013", &sub.iccid, 13, at),
            record("", &sub.iccid, 14, at),
            record(&"x".repeat(129), &sub.iccid, 15, at),
            record("tw1-0016", "8985200000", 16, at),
        ];
        let long_id = "x".repeat(129);
        assert_eq!(
            post_ok(&app, &key, mixed).await,
            answer(
                3,
                2,
                &[
                    ("tw1-0007", "unknown_iccid"),
                    ("tw1-0008", "invalid_bytes"),
                    ("tw1-0009", "invalid_bytes"),
                    ("tw1-0010", "invalid_bytes"),
                    ("tw1-0011", "end_before_start"),
                    ("tw1-0012", "in_the_future"),
                    ("tw1 0013", "invalid_record_id"),
                    ("", "invalid_record_id"),
                    (&long_id, "invalid_record_id"),
                    ("tw1-0016", "invalid_iccid"),
                ]
            )
        );
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        let sum = sum + 4_000 + 5_000 + 6_000;
        assert_eq!(used(&line), sum, "{line}");
        assert_eq!(line["current_period"]["data_remaining"], allowance - sum);
        assert_eq!(app.count_rows("usage_records").await, 6);
        assert_eq!(hourly_total(&app, &sub.iccid).await, sum);
        let period = &periods(&app, &sub.iccid).await[0];
        assert_eq!(quota_balance(&app, &period.id).await, -(allowance - sum));

        // A refused record can be sent again once it is right.
        assert_eq!(
            post_ok(&app, &key, vec![record("tw1-0009", &sub.iccid, 9, at)]).await,
            answer(1, 0, &[])
        );
    }
);

// ===== 2. keys and limits ==================================================================

story!(usage_needs_a_live_key_and_a_sensible_batch, |app| {
    let sub = subscriber(&app, 2, "HK-30D-20G", app.now() - Duration::days(1)).await;
    let at = app.now() - Duration::hours(1);
    let one = json!({ "records": [record("k-1", &sub.iccid, 100, at)] });

    let no_key = app.post_json("/api/v1/usage", one.clone(), &[]).await;
    assert_error(&no_key, StatusCode::UNAUTHORIZED, "invalid_network_key");
    for wrong in [
        "Bearer dck_not-a-key",
        "Bearer ",
        "Basic dG93ZXI6a2V5",
        "dck_without_bearer",
    ] {
        let reply = app
            .post_json("/api/v1/usage", one.clone(), &[("authorization", wrong)])
            .await;
        assert_error(&reply, StatusCode::UNAUTHORIZED, "invalid_network_key");
    }
    // A subscriber's own API token is no network key.
    let reply = app
        .post_json(
            "/api/v1/usage",
            one.clone(),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "invalid_network_key");

    let key = keys::create(&app, "tower-2").await.expect("a key");
    assert_eq!(
        post_ok(&app, &key, vec![record("k-1", &sub.iccid, 100, at)]).await,
        answer(1, 0, &[])
    );
    assert!(keys::revoke(&app, "tower-2").await.expect("revoke"));
    assert!(
        !keys::revoke(&app, "tower-2").await.expect("revoke"),
        "already revoked"
    );
    let revoked = post_usage(&app, &key, vec![record("k-2", &sub.iccid, 100, at)]).await;
    assert_error(&revoked, StatusCode::UNAUTHORIZED, "invalid_network_key");
    let other = keys::create(&app, "tower-3").await.expect("another key");
    assert_ne!(other, key);
    assert!(
        keys::create(&app, "tower-3").await.is_err(),
        "names are unique"
    );

    let too_many: Vec<Value> = (0..10_001)
        .map(|n| record(&format!("big-{n}"), &sub.iccid, 1, at))
        .collect();
    let reply = post_usage(&app, &other, too_many).await;
    assert_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large");

    let empty = post_usage(&app, &other, vec![]).await;
    assert_error(&empty, StatusCode::BAD_REQUEST, "no_records");

    let mut extra = record("k-3", &sub.iccid, 100, at);
    extra["volume"] = json!(100);
    let reply = post_usage(&app, &other, vec![extra]).await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_body");
    let reply = app
        .post_json(
            "/api/v1/usage",
            json!({ "records": [record("k-4", &sub.iccid, 100, at)], "source": "x" }),
            &[("authorization", &bearer(&other))],
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_body");

    // Only the one good record from the live key was ever applied.
    assert_eq!(app.count_rows("usage_records").await, 1);
    assert_eq!(used(&line_of(&app, &sub.token, &sub.iccid).await), 100);
});

story!(a_full_batch_with_the_longest_allowed_ids_is_taken, |app| {
    // The API takes up to 10 000 records a batch and ids of up to 128 characters:
    // a network element using both limits at once must not be refused.
    let sub = subscriber(&app, 3, "HK-30D-20G", app.now() - Duration::days(1)).await;
    let key = keys::create(&app, "tower-1").await.expect("a key");
    let at = app.now() - Duration::hours(1);
    let full: Vec<Value> = (0..10_000)
        .map(|n| record(&format!("{n:0>128}"), &sub.iccid, 1_000, at))
        .collect();
    let (status, _, body) = post_usage(&app, &key, full).await;
    assert_eq!(
        (status, &body["accepted"]),
        (StatusCode::OK, &json!(10_000)),
        "{body}"
    );
    assert_eq!(
        used(&line_of(&app, &sub.token, &sub.iccid).await),
        10_000_000
    );
});

// ===== 3. late records ====================================================================

story!(late_records_land_in_the_period_they_happened_in, |app| {
    let t0 = app.now();
    // A 7-day period that started 5 days ago, and the next one queued behind it.
    let sub = subscriber(&app, 4, "HK-7D-5G", t0 - Duration::days(5)).await;
    let queued_id = app
        .add_period(&sub.iccid, "HK-7D-5G", t0 + Duration::days(2))
        .await;
    let first_id = periods(&app, &sub.iccid).await[0].id.clone();
    let key = keys::create(&app, "tower-1").await.expect("a key");
    let line = line_of(&app, &sub.token, &sub.iccid).await;
    assert_eq!(line["queued_periods"].as_array().map(Vec::len), Some(1));

    // Posted late but while its period still runs: charged to it.
    let answer_now = post_ok(
        &app,
        &key,
        vec![
            record("late-1", &sub.iccid, 3 * MIB, t0 - Duration::days(4)),
            record("late-2", &sub.iccid, 2 * MIB, t0 - Duration::hours(1)),
        ],
    )
    .await;
    assert_eq!(answer_now, answer(2, 0, &[]));
    let line = line_of(&app, &sub.token, &sub.iccid).await;
    assert_eq!(used(&line), 5 * MIB);
    assert_eq!(line["queued_periods"][0]["data_used"], 0);

    // Three days on the first period has ended and the queued one runs.
    app.advance(Duration::days(3));
    let line = line_of(&app, &sub.token, &sub.iccid).await;
    assert_eq!(line["status"], "active", "{line}");
    assert_eq!(used(&line), 0, "the new period starts fresh: {line}");

    let closed = record("late-3", &sub.iccid, 7 * MIB, t0 + Duration::days(1));
    let before_any = record("late-4", &sub.iccid, 11 * MIB, t0 - Duration::days(9));
    let current = record(
        "late-5",
        &sub.iccid,
        13 * MIB,
        t0 + Duration::days(2) + Duration::hours(1),
    );
    assert_eq!(
        post_ok(
            &app,
            &key,
            vec![closed.clone(), before_any.clone(), current]
        )
        .await,
        answer(3, 0, &[])
    );
    // Kept, and a second post of it is a duplicate.
    assert_eq!(
        post_ok(&app, &key, vec![closed, before_any]).await,
        answer(0, 2, &[])
    );

    let line = line_of(&app, &sub.token, &sub.iccid).await;
    assert_eq!(
        used(&line),
        13 * MIB,
        "only the record dated in the running period is charged to it: {line}"
    );
    let rows = periods(&app, &sub.iccid).await;
    assert_eq!(rows[0].id, first_id);
    assert_eq!((rows[0].data_used, rows[0].overage), (5 * MIB, 0));
    assert_eq!(rows[1].id, queued_id);
    assert_eq!((rows[1].data_used, rows[1].overage), (13 * MIB, 0));

    assert_eq!(
        stored_record(&app, "late-3").await,
        Some((Some(first_id.clone()), 0, "period_closed".to_owned()))
    );
    assert_eq!(
        stored_record(&app, "late-4").await,
        Some((None, 0, "no_period".to_owned()))
    );
    assert_eq!(
        stored_record(&app, "late-5").await,
        Some((Some(queued_id.clone()), 13 * MIB, "charged".to_owned()))
    );
    assert_eq!(
        quota_balance(&app, &first_id).await,
        -(rows[0].allowance.expect("capped") - 5 * MIB)
    );
    assert_eq!(
        quota_balance(&app, &queued_id).await,
        -(rows[1].allowance.expect("capped") - 13 * MIB)
    );
});
