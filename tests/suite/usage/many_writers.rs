//! Many writers at once: shuffled, repeated and concurrent batches apply every record
//! once.

use super::helpers::*;

// ===== 9. many writers at once ============================================================

/// 2 000 records over two lines: a roomy 5 GB line that never runs out (about 1 GB of
/// records) and a 1 GB line that does (about 1.5 GB).
fn crowd(roomy: &str, tight: &str, now: DateTime<Utc>, rng: &mut StdRng) -> Vec<UsageRecord> {
    (0..2000)
        .map(|n| {
            let (iccid, bytes) = if n % 2 == 0 {
                (roomy, rng.random_range(100_000..1_900_000))
            } else {
                (tight, rng.random_range(1_000_000..2_000_000))
            };
            let at = now - Duration::seconds(rng.random_range(120..20 * 3600));
            usage_record(&format!("crowd-{n:05}"), iccid, bytes, at)
        })
        .collect()
}

/// Each writer's share: every record, shuffled, with 5 % repeated.
fn shuffled_with_repeats(records: &[UsageRecord], rng: &mut StdRng) -> Vec<UsageRecord> {
    let mut mine = records.to_vec();
    for _ in 0..records.len() / 20 {
        mine.push(records[rng.random_range(0..records.len())].clone());
    }
    mine.shuffle(rng);
    mine
}

/// Every record once, on both lines: the books agree with the records.
async fn assert_applied_once(app: &TestApp, records: &[UsageRecord], iccids: [&str; 2]) {
    assert_eq!(app.count_rows("usage_records").await, records.len() as i64);
    for iccid in iccids {
        let unique: i64 = records
            .iter()
            .filter(|r| r.iccid == iccid)
            .map(|r| r.bytes)
            .sum();
        let count = records.iter().filter(|r| r.iccid == iccid).count() as i64;
        let period = periods(app, iccid).await[0].clone();
        let allowance = period.allowance.expect("capped");
        let expected_used = unique.min(allowance);
        assert_eq!(
            (period.data_used, period.overage),
            (expected_used, unique - expected_used),
            "line {iccid}: {unique} bytes posted against {allowance}"
        );
        assert_eq!(
            records_of(app, &period.id).await,
            (count, unique, period.data_used, period.overage),
            "line {iccid}: the records' charges add up to the period's"
        );
        assert_eq!(
            quota_balance(app, &period.id).await,
            -(allowance - period.data_used),
            "line {iccid}: the quota ledger"
        );
        assert_eq!(hourly_total(app, iccid).await, unique);
        let alerts: i64 = sqlx::query("SELECT COUNT(*) FROM alerts WHERE period_id = $1")
            .bind(period.id.clone())
            .fetch_one(app.db.reader())
            .await
            .and_then(|row| row.try_get(0))
            .expect("alerts");
        let expected_alerts = match expected_used * 100 / allowance {
            100.. => 3,
            90.. => 2,
            75.. => 1,
            _ => 0,
        };
        assert_eq!(alerts, expected_alerts, "line {iccid}: each alert once");
    }
}

story!(
    concurrent_overlapping_batches_apply_each_record_once,
    |app| {
        let t0 = app.now();
        let roomy = subscriber(&app, 20, "HK-7D-5G", t0 - Duration::hours(22)).await;
        let tight = subscriber(&app, 21, "HK-1D-1G", t0 - Duration::hours(22)).await;
        let key = keys::create(&app, "tower-1").await.expect("a key");
        let mut rng = StdRng::seed_from_u64(2026);
        let records = crowd(&roomy.iccid, &tight.iccid, t0, &mut rng);

        let mut writers = Vec::new();
        for writer in 0..8 {
            let mine = shuffled_with_repeats(&records, &mut rng);
            let (app, router, key) = (app.app.clone(), app.router.clone(), key.clone());
            writers.push(tokio::spawn(async move {
                let (mut accepted, mut duplicates) = (0u64, 0u64);
                for batch in mine.chunks(150) {
                    if writer % 2 == 0 {
                        let results = datacard::usage::submit(&app, batch.to_vec())
                            .await
                            .map_err(|error| format!("submit: {error}"))?;
                        for result in results {
                            match result {
                                RecordResult::Accepted => accepted += 1,
                                RecordResult::Duplicate => duplicates += 1,
                                RecordResult::Rejected(code) => {
                                    return Err(format!("rejected: {code}"));
                                }
                            }
                        }
                    } else {
                        let request = json_request(
                            Method::POST,
                            "/api/v1/usage",
                            Some(json!({ "records": batch })),
                            &[("authorization", &bearer(&key))],
                        );
                        let (status, _, bytes) = call(router.clone(), request).await;
                        let body = json_of(&bytes);
                        if status != StatusCode::OK || body["rejected"] != json!([]) {
                            return Err(format!("{status}: {body}"));
                        }
                        accepted += body["accepted"].as_u64().unwrap_or(0);
                        duplicates += body["duplicates"].as_u64().unwrap_or(0);
                    }
                }
                Ok::<_, String>((accepted, duplicates))
            }));
        }
        let (mut accepted, mut duplicates) = (0, 0);
        for writer in writers {
            let (a, d) = writer
                .await
                .expect("the writer ran")
                .expect("the writer's batches");
            accepted += a;
            duplicates += d;
        }
        assert_eq!(accepted, 2000, "each record accepted exactly once");
        assert_eq!(duplicates, 8 * 2100 - 2000);
        assert_applied_once(&app, &records, [&roomy.iccid, &tight.iccid]).await;
        let line = line_of(&app, &tight.token, &tight.iccid).await;
        assert_eq!(line["current_period"]["data_remaining"], 0, "{line}");
        assert_eq!(line["status"], "throttled", "{line}");
    }
);

story!(
    writers_that_bypass_the_batcher_still_apply_each_record_once,
    |app| {
        // Two app nodes (each with its own batcher), or a CDR import beside the API, call
        // the engine at the same time.
        let t0 = app.now();
        let roomy = subscriber(&app, 30, "HK-7D-5G", t0 - Duration::hours(22)).await;
        let tight = subscriber(&app, 31, "HK-1D-1G", t0 - Duration::hours(22)).await;
        let mut rng = StdRng::seed_from_u64(7);
        let records = crowd(&roomy.iccid, &tight.iccid, t0, &mut rng);

        let mut writers = Vec::new();
        for _ in 0..8 {
            let mine = shuffled_with_repeats(&records, &mut rng);
            let app = app.app.clone();
            writers.push(tokio::spawn(async move {
                let mut accepted = 0u64;
                for batch in mine.chunks(150) {
                    let results = datacard::usage::ingest(&app, batch)
                        .await
                        .map_err(|error| format!("ingest: {error:?}"))?;
                    accepted += results
                        .iter()
                        .filter(|r| **r == RecordResult::Accepted)
                        .count() as u64;
                }
                Ok::<_, String>(accepted)
            }));
        }
        let mut accepted = 0;
        let mut failures = Vec::new();
        for writer in writers {
            match writer.await.expect("the writer ran") {
                Ok(a) => accepted += a,
                Err(error) => failures.push(error),
            }
        }
        assert_eq!(failures, Vec::<String>::new(), "every batch went through");
        assert_eq!(accepted, 2000, "each record accepted exactly once");
        assert_applied_once(&app, &records, [&roomy.iccid, &tight.iccid]).await;
    }
);

story!(
    a_hot_line_fed_by_many_writers_at_once_never_goes_below_zero,
    |app| {
        // Many producers, no record in common, one 1 GB line that runs out: the engine
        // alone (no shared batcher, as with two app nodes) must not hand out more than the
        // allowance.
        let t0 = app.now();
        let hot = subscriber(&app, 40, "HK-1D-1G", t0 - Duration::hours(22)).await;
        let mut rng = StdRng::seed_from_u64(40);
        let records: Vec<UsageRecord> = (0..1600)
            .map(|n| {
                let at = t0 - Duration::seconds(rng.random_range(120..20 * 3600));
                usage_record(
                    &format!("hot-{n:05}"),
                    &hot.iccid,
                    rng.random_range(1_000_000..2_000_000),
                    at,
                )
            })
            .collect();
        let mut writers = Vec::new();
        for share in records.chunks(200) {
            let (share, app) = (share.to_vec(), app.app.clone());
            writers.push(tokio::spawn(async move {
                for batch in share.chunks(20) {
                    datacard::usage::ingest(&app, batch)
                        .await
                        .map_err(|error| format!("ingest: {error:?}"))?;
                }
                Ok::<_, String>(())
            }));
        }
        for writer in writers {
            writer
                .await
                .expect("the writer ran")
                .expect("the writer's batches");
        }
        let unique: i64 = records.iter().map(|r| r.bytes).sum();
        let period = periods(&app, &hot.iccid).await[0].clone();
        let allowance = period.allowance.expect("capped");
        assert!(unique > allowance);
        assert_eq!(
            (period.data_used, period.overage),
            (allowance, unique - allowance),
            "used never passes the allowance; the rest is overage"
        );
        assert_eq!(quota_balance(&app, &period.id).await, 0);
        assert_eq!(
            records_of(&app, &period.id).await,
            (1600, unique, allowance, unique - allowance)
        );
    }
);
