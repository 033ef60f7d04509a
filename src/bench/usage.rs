//! `datacard bench usage`: usage records through the engine at batch sizes 1, 100,
//! 1 000 and 10 000, beside a floor (the same statements per batch, no engine), plus
//! a hot line fed by many producers through the group-commit writer.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::app::App;
use crate::lines::{self, Iccid, LineStatus, NewPeriod};
use crate::usage::{self, RecordResult, UsageRecord};
use crate::volume::DataVolume;

use super::setup::Installation;
use super::usage_floor;

pub struct Options {
    pub lines: usize,
    /// Records at the largest batch sizes; smaller batch sizes use fewer.
    pub records: usize,
    pub postgres_url: Option<String>,
    pub producers: usize,
    pub hot_seconds: u64,
}

const BATCH_SIZES: [usize; 4] = [1, 100, 1_000, 10_000];

pub async fn run(options: &Options) -> anyhow::Result<()> {
    println!(
        "bench usage: {} lines (Zipf), up to {} records per case, 5 % duplicates, some out of order and overdrawing; {} CPUs",
        options.lines,
        options.records,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    let mut installations = vec![Installation::sqlite().await?];
    if let Some(url) = &options.postgres_url {
        installations.push(Installation::postgres(url).await?);
    }
    for installation in installations {
        println!("{}:", installation.label);
        let app = installation.app.clone();
        crate::demo::seed(&app).await?;
        let lines = prepare(&app, options.lines, "8985277").await?;
        // The floor writes its own records on lines of its own, so the engine's books stay checkable.
        let floor_lines = prepare(&app, options.lines, "8985288").await?;
        for (case, batch) in BATCH_SIZES.into_iter().enumerate() {
            let count = records_for(batch, options.records);
            let records = generate(&lines, count, case as u64, app.now());
            let engine = engine(&app, &records, batch).await?;
            verify(&app, &records).await?;
            let floor_records = generate(&floor_lines, count, 100 + case as u64, app.now());
            let floor = usage_floor::run(&app, &floor_records, batch).await?;
            println!(
                "  batch {batch:>6}: engine {:>9.0} records/s   floor {:>9.0} records/s   engine/floor {:.2}   ({count} records, peak RSS {} MiB)",
                rate(count, engine),
                rate(count, floor),
                floor.as_secs_f64() / engine.as_secs_f64(),
                peak_rss_mib()
            );
        }
        if let (Some(url), Some(schema)) = (&options.postgres_url, installation.schema()) {
            match usage_floor::pgbench(url, schema, &lines).await {
                Ok(tps) => println!("  pgbench -f, batch 1 (same SQL): {tps:>9.0} records/s"),
                Err(error) => println!("  pgbench not run: {error:#}"),
            }
        }
        hot_line(&app, &lines[0], options).await?;
        installation.remove().await?;
    }
    Ok(())
}

fn records_for(batch: usize, most: usize) -> usize {
    match batch {
        1 => (most / 50).max(200),
        100 => (most / 5).max(1_000),
        _ => most,
    }
}

fn rate(count: usize, took: Duration) -> f64 {
    count as f64 / took.as_secs_f64()
}

/// Lines with a 30-day, 20 GB period that started a day ago.
async fn prepare(app: &App, count: usize, prefix: &str) -> anyhow::Result<Vec<Iccid>> {
    let code = crate::catalog::PlanCode::parse("HK-30D-20G")?;
    let version = crate::catalog::find(app, &code)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo catalog has no HK-30D-20G"))?
        .version_id;
    let now = app.now();
    let mut out = Vec::with_capacity(count);
    let mut tx = app.db.begin().await?;
    for n in 0..count {
        let iccid = Iccid::with_check_digit(&format!("{prefix}{n:011}"))?;
        lines::insert_line(&mut tx, &iccid, None, LineStatus::Active, None, now).await?;
        let period = NewPeriod {
            iccid: &iccid,
            plan_version_id: &version,
            order_id: None,
            starts_at: now - chrono::Duration::days(1),
            ends_at: now + chrono::Duration::days(29),
            data_allowance: Some(DataVolume::bytes(20 << 30)),
            fair_use_cap: None,
            data_used: DataVolume::ZERO,
        };
        lines::insert_period(&mut tx, &period, now).await?;
        out.push(iccid);
    }
    tx.commit().await?;
    Ok(out)
}

/// Zipf-distributed lines (s ≈ 1.1), 5 % duplicate ids, some records dated earlier
/// than the ones before them, and a few large enough to overdraw a line.
pub(super) fn generate(
    lines: &[Iccid],
    count: usize,
    seed: u64,
    now: DateTime<Utc>,
) -> Vec<UsageRecord> {
    let mut rng = StdRng::seed_from_u64(seed);
    let weights: Vec<f64> = (1..=lines.len())
        .map(|k| 1.0 / (k as f64).powf(1.1))
        .collect();
    let total: f64 = weights.iter().sum();
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut acc = 0.0;
    for w in &weights {
        acc += w / total;
        cumulative.push(acc);
    }
    let mut out: Vec<UsageRecord> = Vec::with_capacity(count);
    for n in 0..count {
        if n > 0 && rng.random_bool(0.05) {
            let again = out[rng.random_range(0..out.len())].clone();
            out.push(again);
            continue;
        }
        let pick: f64 = rng.random();
        let line = cumulative
            .partition_point(|c| *c < pick)
            .min(lines.len() - 1);
        let minutes_ago = if rng.random_bool(0.03) {
            rng.random_range(60..600)
        } else {
            rng.random_range(0..30)
        };
        let started_at = now - chrono::Duration::minutes(minutes_ago);
        let bytes = if rng.random_bool(0.001) {
            25i64 << 30
        } else {
            rng.random_range(1_000..5_000_000)
        };
        out.push(UsageRecord {
            id: format!("b{seed}-{n}"),
            iccid: lines[line].to_string(),
            bytes,
            started_at,
            ended_at: started_at + chrono::Duration::seconds(60),
        });
    }
    out
}

async fn engine(app: &App, records: &[UsageRecord], batch: usize) -> anyhow::Result<Duration> {
    let started = Instant::now();
    for chunk in records.chunks(batch) {
        usage::ingest(app, chunk).await?;
    }
    Ok(started.elapsed())
}

/// Each record once, debits equal accepted bytes, nothing negative, a replay changes nothing.
async fn verify(app: &App, records: &[UsageRecord]) -> anyhow::Result<()> {
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    let prefix = ids
        .first()
        .and_then(|id| id.split('-').next())
        .unwrap_or("");
    let stored = usage::totals::records_with_prefix(app, prefix).await?;
    anyhow::ensure!(
        usize::try_from(stored)? == unique.len(),
        "{stored} records stored for {} unique ids",
        unique.len()
    );
    let charged = usage::totals::charged_on_lines(app, "8985277").await?;
    let (used, negative) = lines::quota_totals(app, "8985277").await?;
    anyhow::ensure!(
        charged == used,
        "charged {charged} bytes but periods used {used}"
    );
    anyhow::ensure!(negative == 0, "{negative} periods below zero");
    let again = usage::ingest(app, &records[..records.len().min(10_000)]).await?;
    anyhow::ensure!(
        again.iter().all(|r| *r == RecordResult::Duplicate),
        "a replay changed something"
    );
    let report = crate::orders::store::check_books(&app.db).await?;
    anyhow::ensure!(report.is_clean(), "ledger check failed: {report:?}");
    Ok(())
}

/// One line, many producers, single-record requests: the writer coalesces them.
async fn hot_line(app: &App, iccid: &Iccid, options: &Options) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(options.hot_seconds);
    let mut producers = Vec::new();
    for producer in 0..options.producers {
        let app = app.clone();
        let iccid = iccid.to_string();
        producers.push(tokio::spawn(async move {
            let mut sent = 0usize;
            while Instant::now() < deadline {
                let now = app.now();
                let record = UsageRecord {
                    id: format!("hot-{producer}-{sent}"),
                    iccid: iccid.clone(),
                    bytes: 1_000,
                    started_at: now,
                    ended_at: now,
                };
                usage::submit(&app, vec![record]).await?;
                sent += 1;
            }
            Ok::<_, anyhow::Error>(sent)
        }));
    }
    let started = Instant::now();
    let mut total = 0;
    for producer in producers {
        total += producer.await??;
    }
    let took = started.elapsed();
    println!(
        "  hot line, {} producers, 1 record per request: {:>9.0} durable debits/s ({total} in {:.1} s)",
        options.producers,
        total as f64 / took.as_secs_f64(),
        took.as_secs_f64()
    );
    Ok(())
}

/// The process's peak resident memory (Linux), in MiB.
pub(super) fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|line| {
            line.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb / 1024)
        .unwrap_or(0)
}
