//! The floor for `bench checkout`: the statements one checkout runs, in the same
//! transactions, as a flat list with precomputed values and no engine around them
//! (no pricing, state machine, signatures, provider trait or serialization). The
//! same script is given to `pgbench -f` on PostgreSQL.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::db::Backend;
use crate::ids::new_id;
use crate::lines::Iccid;

use super::checkout::{Options, Run, demo_account, drive};

pub async fn run(app: &App, lines: &[Iccid], options: &Options) -> anyhow::Result<Run> {
    let account = Arc::new(demo_account(app).await?);
    let version: String = sqlx::query(
        "SELECT id FROM plan_versions WHERE plan_code = 'HK-30D-20G' ORDER BY version DESC LIMIT 1",
    )
    .fetch_one(app.db.reader())
    .await?
    .try_get("id")?;
    let version = Arc::new(version);
    let app = app.clone();
    drive(lines, options, move |iccid| {
        let (app, account, version) = (app.clone(), account.clone(), version.clone());
        async move { one(&app, &account, iccid.as_str(), &version).await }
    })
    .await
}

async fn one(
    app: &App,
    account: &str,
    iccid: &str,
    version: &str,
) -> anyhow::Result<(Duration, Duration)> {
    let db = &app.db;
    let lock = if db.backend() == Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let now = to_millis(app.now());
    let (order, payment, sandbox) = (
        new_id("ord", app.now()),
        new_id("pay", app.now()),
        new_id("sbx", app.now()),
    );
    let started = Instant::now();
    // Quote: the plan on sale, its price, the line's owner.
    sqlx::query("SELECT p.code, v.id FROM plans p JOIN plan_versions v ON v.plan_code = p.code WHERE p.code = $1 AND p.retired_at IS NULL")
        .bind("HK-30D-20G")
        .fetch_all(db.reader())
        .await?;
    sqlx::query("SELECT amount FROM plan_prices WHERE plan_version_id = $1")
        .bind(version)
        .fetch_all(db.reader())
        .await?;
    sqlx::query("SELECT account_id FROM lines WHERE iccid = $1")
        .bind(iccid)
        .fetch_optional(db.reader())
        .await?;
    // Order, payment attempt, its two jobs.
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO orders (id, account_id, kind, iccid, plan_code, plan_version_id, periods, currency, list_price, \
         discounts, fee, total, payment_method, state, created_at, expires_at, updated_at) \
         VALUES ($1, $2, 'renewal', $3, 'HK-30D-20G', $4, 1, 'HKD', 8800, '[]', 220, 9020, 'card', 'pending_payment', $5, $6, $5)",
    )
    .bind(&order)
    .bind(account)
    .bind(iccid)
    .bind(version)
    .bind(now)
    .bind(now + 1_800_000)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO payments (id, order_id, provider, method, amount, currency, state, created_at, updated_at) \
         VALUES ($1, $2, 'sandbox', 'card', 9020, 'HKD', 'created', $3, $3)",
    )
    .bind(&payment)
    .bind(&order)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for (kind, key) in [
        ("payment.reconcile", format!("reconcile:{payment}")),
        ("order.expire", format!("expire:{order}")),
    ] {
        sqlx::query(
            "INSERT INTO jobs (id, kind, unique_key, payload, run_at, created_at) VALUES ($1, $2, $3, '{}', $4, $4) \
             ON CONFLICT (unique_key) DO NOTHING",
        )
        .bind(new_id("job", app.now()))
        .bind(kind)
        .bind(key)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    // The provider opens its side; we note its reference and the next action.
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO sandbox_payments (id, merchant_ref, amount, currency, method, description, return_url, status, created_at, updated_at) \
         VALUES ($1, $2, 9020, 'HKD', 'card', 'HK-30D-20G', 'http://x/', 'pending', $3, $3) ON CONFLICT (merchant_ref) DO NOTHING",
    )
    .bind(&sandbox)
    .bind(&payment)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("SELECT id, status FROM sandbox_payments WHERE merchant_ref = $1")
        .bind(&payment)
        .fetch_one(db.reader())
        .await?;
    // Its reference and the synchronous answer, in one transaction as the engine does.
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE payments SET provider_ref = $1, next_action = '{}' WHERE id = $2")
        .bind(&sandbox)
        .bind(&payment)
        .execute(&mut *tx)
        .await?;
    applied_in(
        app,
        &mut tx,
        &payment,
        &format!("sync:{payment}"),
        "pending",
        lock,
        now,
        None,
    )
    .await?;
    tx.commit().await?;
    sqlx::query("SELECT id, state FROM orders WHERE id = $1")
        .bind(&order)
        .fetch_one(db.reader())
        .await?;
    sqlx::query(
        "SELECT id, state FROM payments WHERE order_id = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(&order)
    .fetch_one(db.reader())
    .await?;
    let create = started.elapsed();
    // The payer pays; the provider queues its notification.
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE sandbox_payments SET status = 'succeeded', updated_at = $1 WHERE id = $2 AND status = 'pending'")
        .bind(now)
        .bind(&sandbox)
        .execute(&mut *tx)
        .await?;
    let notification = new_id("sbn", app.now());
    sqlx::query("INSERT INTO sandbox_notifications (id, payment_id, body, deliver_at, lost, created_at) VALUES ($1, $2, '{}', $3, $4, $3)")
        .bind(&notification)
        .bind(&sandbox)
        .bind(now)
        .bind(false)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let started = Instant::now();
    applied(
        app,
        &payment,
        &new_id("evt", app.now()),
        "succeeded",
        lock,
        now,
        Some((&order, iccid, version)),
    )
    .await?;
    let notify = started.elapsed();
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE sandbox_notifications SET delivered_at = $1, attempts = attempts + 1 WHERE id = $2",
    )
    .bind(now)
    .bind(&notification)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((create, notify))
}

/// One `apply`: event, state change and, for a success, the fulfilment.
async fn applied(
    app: &App,
    payment: &str,
    event: &str,
    status: &str,
    lock: &str,
    now: i64,
    fulfil: Option<(&str, &str, &str)>,
) -> anyhow::Result<()> {
    let mut tx = app.db.begin().await?;
    applied_in(app, &mut tx, payment, event, status, lock, now, fulfil).await?;
    tx.commit().await?;
    Ok(())
}

/// [`applied`] in the caller's transaction.
#[expect(
    clippy::too_many_arguments,
    reason = "the floor spells out what the engine looks up"
)]
async fn applied_in(
    app: &App,
    tx: &mut crate::db::Tx,
    payment: &str,
    event: &str,
    status: &str,
    lock: &str,
    now: i64,
    fulfil: Option<(&str, &str, &str)>,
) -> anyhow::Result<()> {
    sqlx::query(&format!(
        "SELECT id, order_id, state FROM payments WHERE id = $1{lock}"
    ))
    .bind(payment)
    .fetch_one(&mut **tx)
    .await?;
    let event_id = new_id("pev", app.now());
    sqlx::query(
        "INSERT INTO payment_events (id, payment_id, provider, provider_event_id, source, provider_status, amount, currency, \
         outcome, evidence, received_at) VALUES ($1, $2, 'sandbox', $3, 'notification', $4, 9020, 'HKD', 'received', '{}', $5) \
         ON CONFLICT (provider, provider_event_id) DO NOTHING",
    )
    .bind(&event_id)
    .bind(payment)
    .bind(event)
    .bind(status)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if let Some((order, iccid, version)) = fulfil {
        sqlx::query(&format!("SELECT id, state FROM orders WHERE id = $1{lock}"))
            .bind(order)
            .fetch_one(&mut **tx)
            .await?;
        sqlx::query("UPDATE orders SET state = 'fulfilled', paid_at = COALESCE(paid_at, $1), fulfilled_at = $1, updated_at = $1 WHERE id = $2 AND state IN ('pending_payment', 'paid')")
            .bind(now)
            .bind(order)
            .execute(&mut **tx)
            .await?;
        sqlx::query("SELECT period_unit, period_count, data_allowance, fair_use_cap FROM plan_versions WHERE id = $1").bind(version).fetch_one(&mut **tx).await?;
        let last: Option<i64> =
            sqlx::query("SELECT MAX(ends_at) AS last_end FROM line_periods WHERE iccid = $1")
                .bind(iccid)
                .fetch_one(&mut **tx)
                .await?
                .try_get("last_end")?;
        let start = last.unwrap_or(now).max(now);
        let period = new_id("per", app.now());
        sqlx::query(
            "INSERT INTO line_periods (id, iccid, plan_version_id, starts_at, ends_at, data_allowance, fair_use_cap, data_used, created_at) \
             VALUES ($1, $2, $3, $4, $5, 21474836480, NULL, 0, $6)",
        )
        .bind(&period)
        .bind(iccid)
        .bind(version)
        .bind(start)
        .bind(start + 30 * 86_400_000)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE line_periods SET order_id = $1 WHERE id = $2")
            .bind(order)
            .bind(&period)
            .execute(&mut **tx)
            .await?;
        sqlx::query("UPDATE lines SET status = 'active', updated_at = $1 WHERE iccid = $2 AND status IN ('expired', 'suspended')").bind(now).bind(iccid).execute(&mut **tx).await?;
        let transaction = new_id("ltx", app.now());
        sqlx::query("INSERT INTO ledger_transactions (id, kind, reference, description, created_at) VALUES ($1, 'order_payment', $2, 'floor', $3) ON CONFLICT (reference) DO NOTHING")
            .bind(&transaction)
            .bind(format!("order:{order}:fulfil"))
            .bind(now)
            .execute(&mut **tx)
            .await?;
        let postings = [
            ("asset:clearing:sandbox:HKD", "asset", 8800i64),
            ("expense:provider_fees:sandbox:HKD", "expense", 220),
            ("revenue:payment_fees:HKD", "revenue", -220),
            ("revenue:plans:HKD", "revenue", -8800),
        ];
        for (seq, (code, kind, amount)) in postings.into_iter().enumerate() {
            sqlx::query("INSERT INTO ledger_accounts (id, code, kind, currency, account_id, balance, created_at) VALUES ($1, $2, $3, 'HKD', NULL, 0, $4) ON CONFLICT (code) DO NOTHING")
                .bind(new_id("lac", app.now()))
                .bind(code)
                .bind(kind)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            let account: String = sqlx::query(
                "UPDATE ledger_accounts SET balance = balance + $1 WHERE code = $2 RETURNING id",
            )
            .bind(amount)
            .bind(code)
            .fetch_one(&mut **tx)
            .await?
            .try_get("id")?;
            sqlx::query("INSERT INTO ledger_entries (transaction_id, seq, ledger_account_id, amount, currency) VALUES ($1, $2, $3, $4, 'HKD')")
                .bind(&transaction)
                .bind(i64::try_from(seq)?)
                .bind(&account)
                .bind(amount)
                .execute(&mut **tx)
                .await?;
        }
        // The receipt's number from its series' counter, and the job that sends it.
        let number: i64 = sqlx::query_scalar("INSERT INTO receipt_series (series, last) VALUES ('F2026', 1) ON CONFLICT (series) DO UPDATE SET last = receipt_series.last + 1 RETURNING last")
            .fetch_one(&mut **tx)
            .await?;
        sqlx::query("INSERT INTO receipts (order_id, number, payment_id, body, issued_at) VALUES ($1, $2, $3, '{}', $4)")
            .bind(order)
            .bind(format!("F2026-{number:06}"))
            .bind(payment)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        sqlx::query("INSERT INTO jobs (id, kind, unique_key, payload, run_at, created_at) VALUES ($1, 'floor.document', $2, '{}', $3, $3) ON CONFLICT (unique_key) DO NOTHING")
            .bind(new_id("job", app.now()))
            .bind(format!("document:F2026-{number:06}"))
            .bind(now)
            .execute(&mut **tx)
            .await?;
    } else {
        sqlx::query(
            "SELECT id, state FROM orders WHERE id = (SELECT order_id FROM payments WHERE id = $1)",
        )
        .bind(payment)
        .fetch_one(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE payments SET state = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now)
        .bind(payment)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE payment_events SET outcome = 'moved' WHERE id = $1")
        .bind(&event_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The same checkout as one `pgbench` transaction script; returns checkouts/s.
pub async fn pgbench(url: &str, schema: &str, options: &Options) -> anyhow::Result<f64> {
    let script = std::env::temp_dir().join(format!("{schema}.pgbench.sql"));
    std::fs::write(&script, PGBENCH_SCRIPT)?;
    let transactions = (options.checkouts / options.concurrency.max(1)).max(1);
    let output = tokio::process::Command::new("pgbench")
        .args(["-n", "-M", "extended", "-f"])
        .arg(&script)
        .args([
            "-c",
            &options.concurrency.to_string(),
            "-j",
            &options.concurrency.to_string(),
            "-t",
            &transactions.to_string(),
        ])
        .arg(url)
        .env("PGOPTIONS", format!("-c search_path={schema}"))
        .output()
        .await?;
    let _ = std::fs::remove_file(&script);
    let text = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "pgbench failed: {}",
        String::from_utf8_lossy(&output.stderr)
            .lines()
            .take(3)
            .collect::<Vec<_>>()
            .join(" | ")
    );
    text.lines()
        .find_map(|line| {
            line.strip_prefix("tps = ")
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        })
        .ok_or_else(|| anyhow::anyhow!("pgbench printed no tps"))
}

/// Ids are made unique per client and transaction; the line is the client's own.
/// pgbench reads `:name` even inside quotes, so literal colons are written `chr(58)`.
const PGBENCH_SCRIPT: &str = include_str!("checkout.pgbench.sql");
