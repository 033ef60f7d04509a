//! The floor for `bench usage`: per batch, the statements the engine runs (look up
//! ids, lines and periods; insert the records; add to periods and hourly totals;
//! post the quota ledger), with values computed the simplest way and no engine.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::ids::new_id;
use crate::lines::Iccid;
use crate::usage::UsageRecord;

const CHUNK: usize = 500;

pub async fn run(app: &App, records: &[UsageRecord], batch: usize) -> anyhow::Result<Duration> {
    let started = Instant::now();
    for chunk in records.chunks(batch) {
        one_batch(app, chunk).await?;
    }
    Ok(started.elapsed())
}

fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn one_batch(app: &App, records: &[UsageRecord]) -> anyhow::Result<()> {
    let now = to_millis(app.now());
    let mut tx = app.db.begin().await?;
    // Ids seen before (in earlier batches) or earlier in this one are not added again.
    let mut seen = std::collections::HashSet::new();
    for chunk in records.chunks(CHUNK) {
        let sql = format!(
            "SELECT record_id FROM usage_records WHERE record_id IN ({})",
            placeholders(1, chunk.len())
        );
        let sql = crate::db::positional(app.db.backend(), &sql);
        let mut query = sqlx::query(&sql);
        for record in chunk {
            query = query.bind(format!("floor-{}", record.id));
        }
        for row in query.fetch_all(&mut *tx).await? {
            seen.insert(
                row.try_get::<String, _>(0)?
                    .trim_start_matches("floor-")
                    .to_owned(),
            );
        }
    }
    let iccids: Vec<&str> = {
        let mut v: Vec<&str> = records.iter().map(|r| r.iccid.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut period_of: HashMap<String, String> = HashMap::new();
    for chunk in iccids.chunks(CHUNK) {
        let lock = if app.db.backend() == crate::db::Backend::Postgres {
            " ORDER BY iccid FOR UPDATE"
        } else {
            ""
        };
        let sql = format!(
            "SELECT iccid FROM lines WHERE iccid IN ({}){lock}",
            placeholders(1, chunk.len())
        );
        let sql = crate::db::positional(app.db.backend(), &sql);
        let mut query = sqlx::query(&sql);
        for iccid in chunk {
            query = query.bind(*iccid);
        }
        query.fetch_all(&mut *tx).await?;
        let sql = format!(
            "SELECT id, iccid, starts_at, ends_at, data_allowance, fair_use_cap, data_used FROM line_periods WHERE iccid IN ({}) ORDER BY starts_at",
            placeholders(1, chunk.len())
        );
        let sql = crate::db::positional(app.db.backend(), &sql);
        let mut query = sqlx::query(&sql);
        for iccid in chunk {
            query = query.bind(*iccid);
        }
        for row in query.fetch_all(&mut *tx).await? {
            period_of.insert(row.try_get("iccid")?, row.try_get("id")?);
        }
        let sql = format!(
            "UPDATE lines SET status = 'active', updated_at = $1 WHERE status = 'pending_install' AND iccid IN ({})",
            placeholders(2, chunk.len())
        );
        let sql = crate::db::positional(app.db.backend(), &sql);
        let mut query = sqlx::query(&sql).bind(now);
        for iccid in chunk {
            query = query.bind(*iccid);
        }
        query.execute(&mut *tx).await?;
    }
    for chunk in records.chunks(CHUNK) {
        let rows = (0..chunk.len())
            .map(|n| format!("({})", placeholders(n * 10 + 1, 10)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO usage_records (record_id, iccid, period_id, bytes, charged, overage, started_at, ended_at, received_at, outcome) VALUES {rows} ON CONFLICT (record_id) DO NOTHING"
        );
        let sql = crate::db::positional(app.db.backend(), &sql);
        let mut query = sqlx::query(&sql);
        for record in chunk {
            query = query
                .bind(format!("floor-{}", record.id))
                .bind(&record.iccid)
                .bind(period_of.get(&record.iccid).cloned())
                .bind(record.bytes)
                .bind(record.bytes)
                .bind(0i64)
                .bind(to_millis(record.started_at))
                .bind(to_millis(record.ended_at))
                .bind(now)
                .bind("charged");
        }
        query.execute(&mut *tx).await?;
    }
    let mut per_period: BTreeMap<String, i64> = BTreeMap::new();
    let mut hourly: BTreeMap<(&str, i64), i64> = BTreeMap::new();
    for record in records.iter().filter(|r| seen.insert(r.id.clone())) {
        if let Some(period) = period_of.get(&record.iccid) {
            *per_period.entry(period.clone()).or_default() += record.bytes;
        }
        *hourly
            .entry((
                record.iccid.as_str(),
                record.started_at.timestamp() / 3600 * 3_600_000,
            ))
            .or_default() += record.bytes;
    }
    // The periods' charges, in the engine's statement shape (one per 500 periods).
    let touched: Vec<(&String, &i64)> = per_period.iter().collect();
    for chunk in touched.chunks(CHUNK) {
        let values = (0..chunk.len())
            .map(|n| {
                format!(
                    "(${}, CAST(${} AS BIGINT), CAST(${} AS BIGINT))",
                    n * 3 + 1,
                    n * 3 + 2,
                    n * 3 + 3
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "WITH v(id, charged, overage) AS (VALUES {values}) UPDATE line_periods \
             SET data_used = line_periods.data_used + v.charged, overage = line_periods.overage + v.overage \
             FROM v WHERE line_periods.id = v.id"
        );
        let sql = crate::db::positional(app.db.backend(), &sql);
        let mut query = sqlx::query(&sql);
        for (period, bytes) in chunk {
            query = query.bind(period.as_str()).bind(**bytes).bind(0i64);
        }
        query.execute(&mut *tx).await?;
    }
    let hourly: Vec<_> = hourly.into_iter().collect();
    for chunk in hourly.chunks(CHUNK) {
        let rows = (0..chunk.len())
            .map(|n| format!("({})", placeholders(n * 3 + 1, 3)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO usage_hourly (iccid, hour, bytes) VALUES {rows} ON CONFLICT (iccid, hour) DO UPDATE SET bytes = usage_hourly.bytes + excluded.bytes"
        );
        let sql = crate::db::positional(app.db.backend(), &sql);
        let mut query = sqlx::query(&sql);
        for ((iccid, hour), bytes) in chunk {
            query = query.bind(*iccid).bind(*hour).bind(*bytes);
        }
        query.execute(&mut *tx).await?;
    }
    if per_period.is_empty() {
        tx.commit().await?;
        return Ok(());
    }
    let transaction = new_id("ltx", app.now());
    sqlx::query("INSERT INTO ledger_transactions (id, kind, reference, description, created_at) VALUES ($1, 'usage', $2, 'floor', $3) ON CONFLICT (reference) DO NOTHING")
        .bind(&transaction)
        .bind(new_id("floor", app.now()))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let total: i64 = per_period.values().sum();
    let postings: Vec<(String, i64)> = per_period
        .iter()
        .map(|(p, b)| (format!("quota:{p}"), *b))
        .chain([("usage:consumed:BYT".to_owned(), -total)])
        .collect();
    // The quota ledger in the engine's bulk shape: accounts, balances, entries.
    let mut ids = std::collections::HashMap::new();
    for chunk in postings.chunks(300) {
        let sql = format!(
            "INSERT INTO ledger_accounts (id, code, kind, currency, created_at) VALUES {} ON CONFLICT (code) DO NOTHING",
            (0..chunk.len())
                .map(|n| format!("({})", placeholders(n * 5 + 1, 5)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let sql = crate::db::positional(app.db.backend(), &sql);
        let mut query = sqlx::query(&sql);
        for (code, _) in chunk {
            query = query
                .bind(new_id("lac", app.now()))
                .bind(code)
                .bind("liability")
                .bind("BYT")
                .bind(now);
        }
        query.execute(&mut *tx).await?;
        let sql = format!(
            "WITH v(code, amount) AS (VALUES {}) UPDATE ledger_accounts SET balance = ledger_accounts.balance + v.amount \
             FROM v WHERE ledger_accounts.code = v.code RETURNING ledger_accounts.id, ledger_accounts.code",
            (0..chunk.len())
                .map(|n| format!("(${}, CAST(${} AS BIGINT))", n * 2 + 1, n * 2 + 2))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let sql = crate::db::positional(app.db.backend(), &sql);
        let mut query = sqlx::query(&sql);
        for (code, amount) in chunk {
            query = query.bind(code).bind(*amount);
        }
        for row in query.fetch_all(&mut *tx).await? {
            ids.insert(
                row.try_get::<String, _>("code")?,
                row.try_get::<String, _>("id")?,
            );
        }
    }
    for (index, chunk) in postings.chunks(300).enumerate() {
        let sql = format!(
            "INSERT INTO ledger_entries (transaction_id, seq, ledger_account_id, amount, currency) VALUES {}",
            (0..chunk.len())
                .map(|n| format!("({})", placeholders(n * 5 + 1, 5)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let sql = crate::db::positional(app.db.backend(), &sql);
        let mut query = sqlx::query(&sql);
        for (n, (code, amount)) in chunk.iter().enumerate() {
            query = query
                .bind(&transaction)
                .bind(i64::try_from(index * 300 + n)?)
                .bind(ids.get(code).cloned().unwrap_or_default())
                .bind(*amount)
                .bind("BYT");
        }
        query.execute(&mut *tx).await?;
    }
    // Committed like the engine's batches: a durable commit is part of the cost.
    tx.commit().await?;
    Ok(())
}

/// One record per transaction through `pgbench -f`; returns records/s.
pub async fn pgbench(url: &str, schema: &str, lines: &[Iccid]) -> anyhow::Result<f64> {
    let script = std::env::temp_dir().join(format!("{schema}.usage.pgbench.sql"));
    std::fs::write(
        &script,
        PGBENCH_SCRIPT.replace("LINES", &lines.len().to_string()),
    )?;
    let output = tokio::process::Command::new("pgbench")
        .args(["-n", "-M", "extended", "-f"])
        .arg(&script)
        .args(["-c", "1", "-j", "1", "-t", "2000"])
        .arg(url)
        .env("PGOPTIONS", format!("-c search_path={schema}"))
        .output()
        .await?;
    let _ = std::fs::remove_file(&script);
    anyhow::ensure!(
        output.status.success(),
        "pgbench failed: {}",
        String::from_utf8_lossy(&output.stderr)
            .lines()
            .take(3)
            .collect::<Vec<_>>()
            .join(" | ")
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| {
            line.strip_prefix("tps = ")
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        })
        .ok_or_else(|| anyhow::anyhow!("pgbench printed no tps"))
}

/// pgbench reads `:name` even inside quotes, so literal colons are written `chr(58)`.
const PGBENCH_SCRIPT: &str = include_str!("usage.pgbench.sql");
