//! `datacard bench checkout`: complete checkouts (order → sandbox pay → signed
//! notification → fulfilment) through the engine, beside the floor.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::http::{HeaderMap, HeaderValue};

use crate::app::App;
use crate::demo::sandbox::bank;
use crate::lines::{self, Iccid, LineStatus};
use crate::orders::apply;
use crate::orders::{self, OrderKind, OrderRequest};
use crate::payments::Method;
use crate::payments::provider_for;

use super::checkout_floor;
use super::setup::Installation;
use super::{Percentiles, millis, percentiles};

pub struct Options {
    pub checkouts: usize,
    pub concurrency: usize,
    /// PostgreSQL to measure on, beside the embedded store.
    pub postgres_url: Option<String>,
}

pub struct Run {
    pub checkouts: usize,
    pub elapsed: Duration,
    pub create: Percentiles,
    pub notify: Percentiles,
}

impl Run {
    pub fn per_second(&self) -> f64 {
        self.checkouts as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs every case and prints the table; errors if an invariant broke.
pub async fn run(options: &Options) -> anyhow::Result<()> {
    println!(
        "bench checkout: {} checkouts, {} concurrent, on {} CPUs",
        options.checkouts,
        options.concurrency,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    let mut installations = vec![Installation::sqlite().await?];
    if let Some(url) = &options.postgres_url {
        installations.push(Installation::postgres(url).await?);
    }
    for installation in installations {
        let lines = prepare(&installation.app, options.concurrency).await?;
        let engine = engine(&installation.app, &lines, options).await?;
        verify(&installation.app, engine.checkouts).await?;
        let floor = checkout_floor::run(&installation.app, &lines, options).await?;
        println!("{}:", installation.label);
        report("  engine", &engine, None);
        report("  floor (same SQL, no engine)", &floor, Some(&engine));
        if let (Some(schema), Some(url)) = (installation.schema(), &options.postgres_url) {
            match checkout_floor::pgbench(url, schema, options).await {
                Ok(tps) => println!(
                    "  pgbench -f (same SQL)          {tps:>9.0} checkouts/s   engine/pgbench {:.2}",
                    engine.per_second() / tps
                ),
                Err(error) => println!("  pgbench not run: {error:#}"),
            }
        }
        installation.remove().await?;
    }
    Ok(())
}

fn report(label: &str, run: &Run, engine: Option<&Run>) {
    let ratio = engine
        .map(|engine| {
            format!(
                "   engine/floor {:.2}",
                engine.per_second() / run.per_second()
            )
        })
        .unwrap_or_default();
    println!(
        "{label:<32} {:>9.0} checkouts/s   create p50 {} p99 {}   notification→fulfilled p50 {} p99 {}{ratio}",
        run.per_second(),
        millis(run.create.p50),
        millis(run.create.p99),
        millis(run.notify.p50),
        millis(run.notify.p99),
    );
}

/// The demo catalog and account, and one line per concurrent buyer (so buyers do
/// not queue behind each other's line).
async fn prepare(app: &App, concurrency: usize) -> anyhow::Result<Vec<Iccid>> {
    crate::demo::seed(app).await?;
    let phone = crate::accounts::Phone::parse(crate::demo::DEMO_PHONE)?;
    let account = crate::accounts::find_by_phone(app, &phone)
        .await?
        .context("the demo subscriber was seeded")?
        .id;
    let mut out = Vec::new();
    let mut tx = app.db.begin().await?;
    for n in 0..concurrency {
        let iccid = Iccid::with_check_digit(&format!("8985299{:011}", n))?;
        lines::insert_line(
            &mut tx,
            &iccid,
            Some(&account),
            LineStatus::Active,
            None,
            app.now(),
        )
        .await?;
        out.push(iccid);
    }
    tx.commit().await?;
    Ok(out)
}

pub(super) async fn demo_account(app: &App) -> anyhow::Result<String> {
    let first = Iccid::with_check_digit(&format!("8985299{:011}", 0))?;
    lines::owner_of(app, &first)
        .await?
        .flatten()
        .map(crate::ids::AccountId::into_string)
        .ok_or_else(|| anyhow::anyhow!("the bench lines have no owner"))
}

async fn engine(app: &App, lines: &[Iccid], options: &Options) -> anyhow::Result<Run> {
    let account = Arc::new(demo_account(app).await?);
    let app = app.clone();
    drive(lines, options, move |iccid| {
        let (app, account) = (app.clone(), account.clone());
        async move { one_checkout(&app, &account, &iccid).await }
    })
    .await
}

/// Runs `one` for each line in its own task, `checkouts / concurrency` times each,
/// and gathers the two latencies every checkout reports.
pub(super) async fn drive<F, Fut>(lines: &[Iccid], options: &Options, one: F) -> anyhow::Result<Run>
where
    F: Fn(Iccid) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<(Duration, Duration)>> + Send,
{
    let per_worker = options.checkouts / options.concurrency.max(1);
    let started = Instant::now();
    let mut workers = Vec::new();
    for iccid in lines {
        let (iccid, one) = (iccid.clone(), one.clone());
        workers.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(per_worker);
            for _ in 0..per_worker {
                samples.push(one(iccid.clone()).await?);
            }
            Ok::<_, anyhow::Error>(samples)
        }));
    }
    let (mut create, mut notify) = (Vec::new(), Vec::new());
    for worker in workers {
        for (c, n) in worker.await?? {
            create.push(c);
            notify.push(n);
        }
    }
    Ok(Run {
        checkouts: create.len(),
        elapsed: started.elapsed(),
        create: percentiles(&mut create),
        notify: percentiles(&mut notify),
    })
}

async fn one_checkout(
    app: &App,
    account: &str,
    iccid: &Iccid,
) -> anyhow::Result<(Duration, Duration)> {
    let request = OrderRequest {
        kind: OrderKind::Renewal,
        iccid: Some(iccid.to_string()),
        plan_code: Some("HK-30D-20G".into()),
        periods: 1,
        payment_method: Method::Card,
        amount: None,
        coupon: None,
    };
    let started = Instant::now();
    let order = orders::create(app, account, &request).await?;
    let create = started.elapsed();
    let payment = order.payment.ok_or_else(|| anyhow::anyhow!("no payment"))?;
    bank::pay(app, &payment.id, true).await?;
    let provider = provider_for(app, "sandbox").ok_or_else(|| anyhow::anyhow!("no sandbox"))?;
    let mut notify = Duration::ZERO;
    for outgoing in bank::notifications_for(app, &payment.id).await? {
        let started = Instant::now();
        let mut headers = HeaderMap::new();
        headers.insert(
            bank::SIGNATURE_HEADER,
            HeaderValue::from_str(&outgoing.signature)?,
        );
        let notification =
            provider.verify_notification(&headers, outgoing.body.as_bytes(), app.now())?;
        apply(
            app,
            &notification.payment_id,
            "notification",
            &notification.event_id,
            &notification.observation,
        )
        .await?;
        notify += started.elapsed();
        bank::mark_delivered(app, &outgoing.id, true).await?;
    }
    Ok((create, notify))
}

/// Every order fulfilled exactly once, one period each, and the books balance.
async fn verify(app: &App, expected: usize) -> anyhow::Result<()> {
    let (fulfilled, receipts) =
        orders::store::fulfilled_and_receipts(app, OrderKind::Renewal).await?;
    let periods = lines::count_bought(app).await?;
    let report = crate::orders::store::check_books(&app.db).await?;
    let expected = i64::try_from(expected)?;
    anyhow::ensure!(
        fulfilled == expected && receipts == fulfilled && periods == fulfilled,
        "fulfilment broke: {fulfilled} fulfilled, {receipts} receipts, {periods} periods"
    );
    anyhow::ensure!(report.is_clean(), "ledger check failed: {report:?}");
    println!(
        "  checked: {fulfilled} orders fulfilled once each, {periods} periods, ledger balanced, 0 double fulfilments"
    );
    Ok(())
}
