//! The engine's promise as a property: any interleaving of duplicate, late, early and
//! concurrent batches gives the same balances as applying each unique record once, in
//! order — and both agree with plain arithmetic over the records. SQLite only.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::Row;

use datacard::catalog::{self, PlanCode};
use datacard::lines::{self, Iccid, LineStatus, NewPeriod};
use datacard::usage::{RecordResult, UsageRecord};
use datacard::volume::DataVolume;

use crate::support::{Backend, TestApp};

const MB: u64 = 1_000_000;

/// A period as hours from now (start, end), with its allowance or fair-use cap.
type PeriodSpec = (i64, i64, Option<u64>, Option<u64>);

/// Three lines: a small capped one with an ended, a running and a queued period; one
/// with a gap before its running period; an unlimited one with a fair-use cap.
const LINES: [(&str, &[PeriodSpec]); 3] = [
    (
        "HK-1D-1G",
        &[
            (-72, -24, Some(40 * MB), None),
            (-24, 24, Some(30 * MB), None),
            (24, 72, Some(30 * MB), None),
        ],
    ),
    (
        "HK-7D-5G",
        &[
            (-90, -60, Some(50 * MB), None),
            (-50, 48, Some(60 * MB), None),
        ],
    ),
    ("HK-1D-UNL", &[(-48, 36, None, Some(40 * MB))]),
];

fn iccid(line: usize) -> String {
    Iccid::with_check_digit(&format!("89852088{line:010}"))
        .expect("an ICCID")
        .to_string()
}

/// A fresh installation with the three lines and nothing used.
async fn fresh() -> TestApp {
    let app = TestApp::start(Backend::Sqlite).await.expect("SQLite");
    let specs = catalog::parse(catalog::DEMO_CATALOG).expect("the demo catalog");
    catalog::import(&app, &specs, "test").await.expect("import");
    let now = app.now();
    let mut tx = app.db.begin().await.expect("begin");
    for (line, (plan, periods)) in LINES.iter().enumerate() {
        let plan = catalog::find(&app, &PlanCode::parse(plan).expect("a code"))
            .await
            .expect("find")
            .expect("the plan");
        let iccid = Iccid::parse(&iccid(line)).expect("an ICCID");
        lines::insert_line(&mut tx, &iccid, None, LineStatus::Active, None, now)
            .await
            .expect("a line");
        for (from, to, allowance, cap) in periods.iter() {
            lines::insert_period(
                &mut tx,
                &NewPeriod {
                    iccid: &iccid,
                    plan_version_id: &plan.version_id,
                    order_id: None,
                    starts_at: now + Duration::hours(*from),
                    ends_at: now + Duration::hours(*to),
                    data_allowance: allowance.map(DataVolume::bytes),
                    fair_use_cap: cap.map(DataVolume::bytes),
                    data_used: DataVolume::ZERO,
                },
                now,
            )
            .await
            .expect("a period");
        }
    }
    tx.commit().await.expect("commit");
    app
}

/// Per line, per period (by start): `(start, data_used, overage, quota balance)`.
async fn balances(app: &TestApp) -> BTreeMap<String, Vec<(i64, i64, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT p.iccid, p.starts_at, p.data_used, p.overage, a.balance FROM line_periods p \
         LEFT JOIN ledger_accounts a ON a.code = 'quota:' || p.id ORDER BY p.iccid, p.starts_at",
    )
    .fetch_all(app.db.reader())
    .await
    .expect("balances");
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for row in rows {
        out.entry(row.try_get("iccid").expect("iccid"))
            .or_default()
            .push((
                row.try_get("starts_at").expect("starts_at"),
                row.try_get("data_used").expect("data_used"),
                row.try_get("overage").expect("overage"),
                row.try_get::<Option<i64>, _>("balance")
                    .expect("balance")
                    .unwrap_or(0),
            ));
    }
    out
}

/// Per record id: the start of the period it was charged to (if any), and whether it
/// was charged, kept for an ended period, or kept with no period.
async fn outcomes(app: &TestApp) -> BTreeMap<String, (Option<i64>, String)> {
    let rows = sqlx::query(
        "SELECT r.record_id, p.starts_at, r.outcome FROM usage_records r \
         LEFT JOIN line_periods p ON p.id = r.period_id",
    )
    .fetch_all(app.db.reader())
    .await
    .expect("outcomes");
    rows.iter()
        .map(|row| {
            let outcome: String = row.try_get("outcome").expect("outcome");
            let class = if outcome == "overage" {
                "charged".to_owned()
            } else {
                outcome
            };
            (
                row.try_get("record_id").expect("record_id"),
                (row.try_get("starts_at").expect("starts_at"), class),
            )
        })
        .collect()
}

async fn hourly(app: &TestApp) -> BTreeMap<String, i64> {
    sqlx::query(
        "SELECT iccid, CAST(SUM(bytes) AS BIGINT) AS total FROM usage_hourly GROUP BY iccid",
    )
    .fetch_all(app.db.reader())
    .await
    .expect("hourly totals")
    .iter()
    .map(|row| {
        (
            row.try_get("iccid").expect("iccid"),
            row.try_get("total").expect("total"),
        )
    })
    .collect()
}

/// What plain arithmetic says each period should hold after the unique valid records.
fn expected(
    records: &[UsageRecord],
    now: DateTime<Utc>,
) -> BTreeMap<String, Vec<(i64, i64, i64, i64)>> {
    let mut out = BTreeMap::new();
    for (line, (_, periods)) in LINES.iter().enumerate() {
        let iccid = iccid(line);
        let rows = periods
            .iter()
            .map(|(from, to, allowance, cap)| {
                let (start, end) = (now + Duration::hours(*from), now + Duration::hours(*to));
                let total: u64 = if end <= now {
                    0
                } else {
                    records
                        .iter()
                        .filter(|r| r.iccid == iccid && start <= r.started_at && r.started_at < end)
                        .map(|r| r.bytes as u64)
                        .sum()
                };
                let used = allowance.map_or(total, |a| total.min(a));
                let quota = allowance.or(*cap).unwrap_or(0);
                (
                    start.timestamp_millis(),
                    used as i64,
                    (total - used) as i64,
                    used as i64 - quota as i64,
                )
            })
            .collect();
        out.insert(iccid, rows);
    }
    out
}

/// One generated record: line, bytes, minutes before now (negative: ahead of now).
type Drawn = (usize, u64, i64);

fn to_records(drawn: &[Drawn], now: DateTime<Utc>) -> Vec<UsageRecord> {
    drawn
        .iter()
        .enumerate()
        .map(|(n, (line, bytes, minutes_ago))| {
            let at = now - Duration::minutes(*minutes_ago);
            UsageRecord {
                id: format!("prop-{n:03}"),
                iccid: iccid(*line),
                bytes: *bytes as i64,
                started_at: at,
                ended_at: at,
            }
        })
        .collect()
}

async fn check(drawn: Vec<Drawn>, seed: u64) -> Result<(), TestCaseError> {
    let scrambled = fresh().await;
    let reference = fresh().await;
    let now = scrambled.now();
    prop_assert_eq!(now, reference.now());
    let records = to_records(&drawn, now);
    // Records ahead of the clock by more than the slack are refused, every time.
    let future: BTreeSet<&str> = records
        .iter()
        .filter(|r| r.started_at > now + Duration::minutes(10))
        .map(|r| r.id.as_str())
        .collect();
    let valid: Vec<UsageRecord> = records
        .iter()
        .filter(|r| !future.contains(r.id.as_str()))
        .cloned()
        .collect();

    // The scrambled run: repeats, any order, batches of any size, two at a time,
    // some through the shared writer.
    let mut rng = StdRng::seed_from_u64(seed);
    let mut stream = records.clone();
    for _ in 0..rng.random_range(0..=records.len()) {
        stream.push(records[rng.random_range(0..records.len())].clone());
    }
    stream.shuffle(&mut rng);
    let mut batches = Vec::new();
    let mut rest = stream.as_slice();
    while !rest.is_empty() {
        let (batch, tail) = rest.split_at(rng.random_range(1..=rest.len().min(15)));
        batches.push(batch.to_vec());
        rest = tail;
    }
    let mut accepted: BTreeMap<String, usize> = BTreeMap::new();
    for (n, pair) in batches.chunks(2).enumerate() {
        let first = &pair[0];
        let second = pair.get(1).cloned().unwrap_or_default();
        let (a, b) = if n % 3 == 0 {
            tokio::join!(
                datacard::usage::submit(&scrambled, first.clone()),
                datacard::usage::ingest(&scrambled, &second)
            )
        } else {
            tokio::join!(
                datacard::usage::ingest(&scrambled, first),
                datacard::usage::ingest(&scrambled, &second)
            )
        };
        let (a, b) = (a.expect("a batch"), b.expect("a batch"));
        for (record, result) in first.iter().chain(&second).zip(a.into_iter().chain(b)) {
            match result {
                RecordResult::Accepted => *accepted.entry(record.id.clone()).or_default() += 1,
                RecordResult::Duplicate => {}
                RecordResult::Rejected(code) => {
                    prop_assert!(future.contains(record.id.as_str()), "{record:?}: {code}");
                    prop_assert_eq!(code, "in_the_future");
                }
            }
        }
    }
    let once: BTreeMap<String, usize> = valid.iter().map(|r| (r.id.clone(), 1)).collect();
    prop_assert_eq!(&accepted, &once, "each valid record accepted exactly once");

    // The reference: each unique record once, alone, in order.
    for record in &valid {
        let result = datacard::usage::ingest(&reference, std::slice::from_ref(record))
            .await
            .expect("a record");
        prop_assert_eq!(&result, &vec![RecordResult::Accepted]);
    }

    let got = balances(&scrambled).await;
    prop_assert_eq!(&got, &balances(&reference).await);
    prop_assert_eq!(&got, &expected(&valid, now));
    prop_assert_eq!(outcomes(&scrambled).await, outcomes(&reference).await);
    let mut per_line: BTreeMap<String, i64> = BTreeMap::new();
    for record in &valid {
        *per_line.entry(record.iccid.clone()).or_default() += record.bytes;
    }
    prop_assert_eq!(hourly(&scrambled).await, per_line);
    scrambled.finish().await;
    reference.finish().await;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_interleaving_gives_the_balances_of_one_pass_in_order(
        drawn in proptest::collection::vec((0usize..3, 1u64..12_000_000, -30i64..5_760), 1..70),
        seed in any::<u64>(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(check(drawn, seed))?;
    }
}
