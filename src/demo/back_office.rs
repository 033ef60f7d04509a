//! The back office's demo: a support shift's work waiting for the demo's staff. The
//! demo subscriber (seeded by [`super::seed`] first) has two card renewals, both paid
//! at the sandbox provider a quarter of an hour ago:
//!
//! - one whose notification was lost: the order still waits for payment, listed as
//!   "no word from the provider" on the attention list. Its scheduled status queries
//!   are pushed back six hours (for real they would have found it within a minute),
//!   so that a person finds it first; asking the provider fulfils it.
//! - two years of Hong Kong 365 days, fulfilled: a payment large enough that refunding
//!   half of it is above `[console] approval_above` (HK$500 by default), so a finance
//!   member's refund waits for a second member's approval.
//!
//! They go through the real order path against the sandbox (whose books are in the
//! database, so they outlive a restart, unlike the fakes'), by a copy of the app whose
//! clock runs a quarter of an hour behind and whose card payments the sandbox serves;
//! the demo's own seed runs on that copy first, so that the catalog is on sale then.
//! Seeding again changes nothing.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::accounts::{self, Phone};
use crate::app::App;
use crate::clock::Clock;
use crate::jobs;
use crate::orders::reconcile::{RECONCILE_JOB, ReconcileJob};
use crate::orders::{self, OrderKind, OrderRequest};
use crate::payments::{Method, Payer, ProviderName, Providers};

use super::sandbox::{self, bank};
use super::seed::{DEMO_PHONE, DemoLogin, demo_iccid};

/// The orders' idempotency keys: how a second seeding knows they are there.
const STUCK_KEY: &str = "demo-back-office-stuck";
const PAID_KEY: &str = "demo-back-office-paid";
/// How long ago the orders were made: longer than the attention list waits
/// (`orders::attention::NO_WORD_AFTER_MINUTES`).
const MADE_MINUTES_AGO: i64 = 15;
/// When the stuck payment's status queries resume if nobody has asked by then.
const QUERIES_RESUME_HOURS: i64 = 6;
const WORKER: &str = "demo-seed";

/// A clock a fixed time behind another.
struct Behind {
    clock: Arc<dyn Clock>,
    by: Duration,
}

impl Clock for Behind {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now() - self.by
    }
}

/// The demo's seed ([`super::seed`]), then the stuck payment and the paid order
/// (once; in demo mode only).
pub async fn seed_with_back_office(app: &App) -> anyhow::Result<DemoLogin> {
    let earlier = earlier_app(app);
    let login = super::seed(&earlier).await?;
    if app.config.demo {
        seed_orders(app, &earlier).await?;
    }
    Ok(login)
}

async fn seed_orders(app: &App, earlier: &App) -> anyhow::Result<()> {
    let Some(account) = accounts::find_by_phone(app, &Phone::parse(DEMO_PHONE)?).await? else {
        return Ok(());
    };
    if orders::already_made(app, &account.id, Some(STUCK_KEY))
        .await?
        .is_some()
    {
        return Ok(());
    }
    let paid = renew(earlier, &account.id, "HK-365D-200G", 2, PAID_KEY).await?;
    bank::pay(earlier, &paid, true).await?;
    orders::reconcile::query_now(earlier, &paid).await?;

    let stuck = renew(earlier, &account.id, "HK-30D-20G", 1, STUCK_KEY).await?;
    bank::pay(earlier, &stuck, true).await?;
    push_back_queries(app, &stuck).await?;
    Ok(())
}

/// The app a quarter of an hour ago, its card payments served by the sandbox, whose
/// notifications are lost (each payment is settled here, or not at all), and its
/// unpaid orders kept a day.
fn earlier_app(app: &App) -> App {
    let mut config = app.config.clone();
    config.payments.card.provider = ProviderName::Sandbox;
    config.payments.card.expiry_secs = 24 * 3600;
    config.payments.sandbox.lose_notifications = true;
    let clock = Arc::new(Behind {
        clock: app.clock.clone(),
        by: Duration::minutes(MADE_MINUTES_AGO),
    });
    let earlier = App::new(
        config,
        app.db.clone(),
        clock,
        app.messenger.clone(),
        app.secret.clone(),
        Vec::new(),
        app.job_handlers.clone(),
    );
    let mut providers = Providers::default();
    providers.insert(Arc::new(sandbox::SandboxProvider::new(&earlier)));
    let _ = earlier.providers.set(providers);
    earlier
}

/// Orders `periods` of `plan` for the demo line, by card: the payment's id.
async fn renew(
    app: &App,
    account_id: &str,
    plan: &str,
    periods: u32,
    key: &str,
) -> anyhow::Result<String> {
    let request = OrderRequest {
        kind: OrderKind::Renewal,
        iccid: Some(demo_iccid()),
        plan_code: Some(plan.to_owned()),
        periods,
        payment_method: Method::Card,
        amount: None,
        coupon: None,
    };
    let order = orders::create_for(app, account_id, &request, &Payer::default(), Some(key)).await?;
    order
        .payment
        .map(|payment| payment.id)
        .ok_or_else(|| anyhow::anyhow!("the demo's {plan} order has no payment"))
}

/// Moves the stuck payment's next status query [`QUERIES_RESUME_HOURS`] ahead; the
/// other queries due are put back as they were.
async fn push_back_queries(app: &App, payment_id: &str) -> anyhow::Result<()> {
    let later = app.now() + Duration::hours(QUERIES_RESUME_HOURS);
    for job in jobs::claim(app, WORKER, 100, Some(RECONCILE_JOB)).await? {
        let ours = job
            .payload::<ReconcileJob>()
            .is_ok_and(|reconcile| reconcile.payment_id == payment_id);
        let at = if ours { later } else { job.run_at };
        jobs::retry_at(app, &job, WORKER, at, None).await?;
    }
    Ok(())
}
