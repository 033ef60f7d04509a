//! The portal in a real browser: each test starts the demo server in-process on a free
//! port and runs one script under `tests/browser/` in headless Debian Chromium through
//! playwright-core.
//!
//! - `portal.mjs`: register with the SMS code, account, plans, log out and in, the demo
//!   subscriber in Chinese, a wrong code, the keyboard path through the login form.
//! - `signup.mjs`: on a phone, a plan chosen before having an account, then the
//!   login page, "create an account", an empty submit (every problem at once), an
//!   8-digit local number, the verify page switched to English (the phone kept),
//!   "Send a new code" counting down (an early press refused), the new code, and back
//!   on the checkout with the plan; the demo subscriber logs in with "9123 4567" from
//!   a chosen plan; every page checked for 44 px controls, 16 px inputs, no overflow.
//! - `checkout.mjs`: the demo subscriber buys: a card renewal through the sandbox
//!   provider's page, an Alipay renewal settled by "Refresh" before the provider's
//!   (deliberately late) notification, a new eSIM from the wallet in Chinese, a
//!   declined card payment, and the order history.
//! - `providers.mjs`: with `payments.fakes` (the demo's default under `serve --demo`),
//!   the demo subscriber renews once per seed method through the real adapters and
//!   the local fakes of Stripe (hosted card page), Alipay and WeChat Pay (QR → the
//!   fake wallet app's page), then from the wallet (topped up by card first); each
//!   order is fulfilled by the fake's notification, signed as the provider signs it,
//!   which the test then finds stored for every payment.
//! - `books.mjs`: the books at a glance on a tablet: a finance member sees the day's
//!   revenue in charts and tables, downloads the ledger CSV, is told a backwards range is
//!   wrong; a viewer reads the books in Chinese without the exports.
//! - `refunds.mjs`: the demo subscriber renews by card; a finance member refunds half
//!   of it from the customer page (above the walk's approval amount), an administrator
//!   approves in Chinese; the books are clean after.
//! - `records.mjs`: on a phone, the demo subscriber renews by card, opens the receipt
//!   from the order page and downloads its PDF (read back with pdftotext), reads the
//!   history and this month's statement and downloads its PDF; then in Traditional
//!   Chinese.
//! - `catalog.mjs`: the catalog in the console: an administrator on a tablet edits the
//!   week plan's price (a negative one refused beside its field), previews it per
//!   payment method without saving, saves, and the plans page charges what the preview
//!   said; the inventory page; in Chinese on a desktop the same for the month plan; on
//!   a phone the form and its preview fit the screen.
//! - `shift.mjs`: issue 13's "done when" as one support shift, with the demo's back
//!   office seed: support (English, tablet) finds the demo subscriber by "9123 4567",
//!   sees the payment stuck by a lost notification and asks the provider, so the order
//!   is fulfilled; finance (Chinese, phone) refunds half of another order, above the
//!   approval amount; an administrator (English, phone) approves it; the books show the
//!   day's revenue and the audit log every step (Chinese, tablet). The ledger check and
//!   the audit chain are verified after the walk.
//! - `console.mjs`: the back-office console on a tablet: support logs in with password
//!   and the authenticator code, finds the demo subscriber by "9123 4567", opens their
//!   page, sees the view in the audit log and is refused the staff page; an
//!   administrator in Chinese adds a viewer and opens the enrolment link.
//! - `pay_on_phone.mjs`: on a phone's browser, Alipay opens the provider's mobile page
//!   and the order turns paid by itself; a declined card says why and Retry pays by
//!   card; a short wallet tops up the shortfall and comes back to the checkout; a
//!   pending order is cancelled; in English and Traditional Chinese.
//! - `coupon.mjs`: the demo subscriber sees the offers they qualify for on the plans
//!   page, reaches the coupon field by keyboard, is told at the field that a wrong
//!   code is unknown, gets WELCOME10 and the first-month discount on the review and
//!   the order (each with its reason), pays by card at the sandbox provider, and in
//!   Chinese finds the coupon gone from the plans page and refused as used up.
//! - `card.mjs`: with cards served by Stripe at localstripe, the demo subscriber
//!   renews by card on our own card page, typing 4242 4242 4242 4242 into
//!   localstripe's fake Stripe.js card Element and saving the card; the order is paid
//!   (the test then finds the saved card and the PaymentIntent succeeded at
//!   localstripe), the card is listed on the account page and auto-renew set to it.
//! - `zh_cn.mjs`: Simplified Chinese: a Hong Kong browser switches to 简体中文 from the
//!   header, registers (the SMS code comes in Simplified), sees the plans; a Mainland
//!   browser gets Simplified straight away and the demo subscriber reads account,
//!   orders and usage. Every page is checked for catalog keys shown as text,
//!   Traditional characters and English left over.
//! - `prices.mjs`: on a 390×844 phone, the plans page grouped by length and priced
//!   for the payment method picked; for every method the plans page's total is the
//!   review's; the review's method, fee, dates and "valid until"; buy 3 get 1 as a
//!   choice; the warning when a renewal ends a used-up period now, then paid, and the
//!   account card's one "valid until" is the review's; in English and Chinese.
//! - `install.mjs`: with `[lines] validity_start = "at_install"`, the demo subscriber
//!   buys a new eSIM on an iPhone (its user agent) and installs from the same phone:
//!   Apple's one-tap link first (its `carddata` the whole LPA string), Android's after,
//!   the SM-DP+ address and activation code with working copy buttons, the QR for
//!   another device, "starts when you install"; the account card the same in Chinese;
//!   an Android phone gets its own link first.
//!
//! - `watch.mjs`: abnormal charges on a phone: the demo subscriber's wallet is charged
//!   twice within minutes (the walk's server allows one charge a window), the watch's
//!   background scan sends one SMS; its link opens the alert page, whose "Dispute this
//!   charge" opens a support case with the references; in Traditional Chinese a paid
//!   order's page disputes with the subscriber's words, and the monthly spend cap
//!   refuses 0 at its field and saves HK$200.
//!
//! - `journey.mjs`: issue 12's "done when" as one walk, on an iPhone in Traditional
//!   Chinese, English and Simplified Chinese (with the fakes, as `serve --demo`): a
//!   plan chosen logged out, sign-up with an 8-digit local number, the plans page's
//!   total the review's for every method, a new eSIM by Alipay on the phone (the order
//!   page turns fulfilled by itself), the one-tap install link's carddata, a card
//!   renewal declined then retried, and the account card's one "valid until".
//!
//! - `news.mjs`: announcements and preferences: an administrator previews and posts a
//!   banner for the demo line's plan, one for another zone and a marketing announcement
//!   by email; the demo subscriber on a phone in Traditional Chinese sees only their
//!   plan's banner, dismisses it, reads the announcements, opts in to offers by email
//!   and keeps alerts off SMS (English too); the next offer reaches them by email with
//!   its unsubscribe link, which asks, then opts out; a changed link is refused.
//! - `support.mjs`: the help centre on a phone answers 「忘記密碼」 in Traditional
//!   Chinese and "forgot password" in English; the demo subscriber's card is declined
//!   and they open a case from that order with a screenshot; support answers it in the
//!   console (after an internal note); the subscriber reads the answer in Chinese,
//!   never the note, and the reply's email is in the outbox.
//!
//! The walks share `tests/browser/lib.mjs`. Needs `/usr/bin/chromium`, `node` and
//! `tests/browser/node_modules` (`scripts/test` installs them). Without them the tests
//! say SKIPPED and pass, unless `DATACARD_REQUIRE_BROWSER=1`, when they fail naming
//! what is missing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use datacard::app::App;
use datacard::clock::SystemClock;
use datacard::config::Config;
use sqlx::Row;
use tokio::net::TcpListener;

use crate::support::stripe::localstripe::{LocalStripe, PUBLISHABLE_KEY};
use tokio::sync::oneshot;

const CHROMIUM: &str = "/usr/bin/chromium";
/// A whole walk takes seconds; this only stops a hung browser.
const WALK_TIMEOUT: Duration = Duration::from_secs(240);
/// For the checkout walk the sandbox provider's notification comes this late, so that
/// the order page's "Refresh" is seen to settle a payment before it arrives.
const LATE_NOTIFICATION_MS: i64 = 2_000;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What the walk needs that this machine does not have.
fn missing_tools(root: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    if !Path::new(CHROMIUM).exists() {
        missing.push(format!("{CHROMIUM} (apt-get install chromium)"));
    }
    let node_runs = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !node_runs {
        missing.push("node (Node.js 20 or later)".to_owned());
    }
    let playwright = root.join("tests/browser/node_modules/playwright-core");
    if !playwright.join("package.json").exists() {
        missing.push(format!(
            "{} (npm ci in tests/browser)",
            playwright.display()
        ));
    }
    missing
}

/// Whether the walk can run here: a missing tool skips the test (said on stderr), or
/// fails it under `DATACARD_REQUIRE_BROWSER=1`.
fn browser_available(root: &Path) -> bool {
    let missing = missing_tools(root);
    if missing.is_empty() {
        return true;
    }
    let what = missing.join(", ");
    if std::env::var("DATACARD_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("DATACARD_REQUIRE_BROWSER=1 but the browser test cannot run; missing: {what}");
    }
    // Straight to stderr, past the test harness's capture, so that a skip is seen.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED (browser): missing {what}; scripts/test installs them"
    );
    false
}

/// Runs `tests/browser/{script}` with its output in files (read after it ends, or
/// after it is killed).
fn walk(
    root: &Path,
    script: &str,
    base_url: &str,
    outbox: &Path,
    logs: &Path,
    env: &[(&str, String)],
) -> (bool, String) {
    let stem = script.trim_end_matches(".mjs");
    let stdout_path = logs.join(format!("{stem}.stdout"));
    let stderr_path = logs.join(format!("{stem}.stderr"));
    let stdout = std::fs::File::create(&stdout_path).expect("create stdout file");
    let stderr = std::fs::File::create(&stderr_path).expect("create stderr file");
    let mut child = Command::new("node")
        .arg(format!("tests/browser/{script}"))
        .arg(base_url)
        .arg(outbox)
        .envs(env.iter().cloned())
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("cannot start node");
    let started = Instant::now();
    let outcome = loop {
        match child.try_wait().expect("wait for node") {
            Some(status) => break Ok(status),
            None if started.elapsed() > WALK_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "{script} did not finish within {} s and was killed",
                    WALK_TIMEOUT.as_secs()
                ));
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let output = format!(
        "{}{}",
        std::fs::read_to_string(&stdout_path).unwrap_or_default(),
        std::fs::read_to_string(&stderr_path).unwrap_or_default()
    );
    match outcome {
        Ok(status) if status.success() => (true, output),
        Ok(status) => (false, format!("{output}\n{script} exited with {status}")),
        Err(reason) => (false, format!("{output}\n{reason}")),
    }
}

/// Starts the demo server (configured by `configure`) on a free port, runs the walk
/// against it, stops the server, and fails with the walk's output if it failed.
async fn walk_demo_server(
    script: &'static str,
    configure: impl FnOnce(&mut Config),
    env: Vec<(&'static str, String)>,
) {
    walk_demo_server_then(script, configure, env, async |_| {}).await;
}

/// As [`walk_demo_server`], then `after` looks at the app (its database) once the
/// walk passed, before the server stops.
async fn walk_demo_server_then(
    script: &'static str,
    configure: impl FnOnce(&mut Config),
    env: Vec<(&'static str, String)>,
    after: impl AsyncFnOnce(&App),
) {
    walk_seeded_demo_server(
        script,
        configure,
        env,
        async |app| {
            datacard::demo::seed(app).await.expect("seed demo data");
        },
        after,
    )
    .await;
}

/// As [`walk_demo_server_then`], with the demo seeded by `seed`.
async fn walk_seeded_demo_server(
    script: &'static str,
    configure: impl FnOnce(&mut Config),
    env: Vec<(&'static str, String)>,
    seed: impl AsyncFnOnce(&App),
    after: impl AsyncFnOnce(&App),
) {
    let root = manifest_dir();
    let data = tempfile::tempdir().expect("temp data dir");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let base_url = format!("http://{addr}");

    let mut config = Config {
        demo: true,
        data_dir: data.path().join("data"),
        ..Config::default()
    };
    config.server.bind = addr.to_string();
    config.server.public_url = base_url.clone();
    configure(&mut config);
    let outbox = config.data_dir.join("outbox.jsonl");

    let app = datacard::server::build(config, Arc::new(SystemClock))
        .await
        .expect("build the demo app");
    seed(&app).await;
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(datacard::server::serve(app.clone(), listener, async {
        let _ = stopped.await;
    }));

    let logs = data.path().to_owned();
    let (passed, output) = {
        let base_url = base_url.clone();
        tokio::task::spawn_blocking(move || walk(&root, script, &base_url, &outbox, &logs, &env))
            .await
            .expect("the walk thread panicked")
    };
    println!("{output}");
    if passed {
        after(&app).await;
    }
    drop(app);

    let _ = stop.send(());
    let served = tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("the server did not shut down within 30 s")
        .expect("the server task panicked");

    assert!(
        passed,
        "the browser walk ({script}) of {base_url} failed (screenshots in tests/browser/screenshots/):\n{output}"
    );
    served.expect("the server stopped with an error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    walk_demo_server("portal.mjs", |_| {}, Vec::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    walk_demo_server("console.mjs", |_| {}, Vec::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn news_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    walk_demo_server_then(
        "news.mjs",
        |_| {},
        Vec::new(),
        async |app| {
            // The consent log: opted in on the page, out by the link, both kept.
            let demo = datacard::accounts::find_by_phone(
                app,
                &datacard::accounts::Phone::parse("+85291234567").expect("the demo phone"),
            )
            .await
            .expect("look up the demo subscriber")
            .expect("the demo subscriber");
            let log = datacard::preferences::consent_history(app, &demo.id)
                .await
                .expect("the consent log");
            let said: Vec<(bool, &str)> = log
                .iter()
                .map(|e| (e.opted_in, e.source.as_str()))
                .collect();
            assert_eq!(said, [(false, "unsubscribe_link"), (true, "page")]);
            let alerts = datacard::preferences::alert_channels(app, &demo.id)
                .await
                .expect("alert channels");
            assert!(!alerts.sms && alerts.email);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    walk_demo_server("catalog.mjs", |_| {}, Vec::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn books_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    walk_demo_server("books.mjs", |_| {}, Vec::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    walk_demo_server_then(
        "support.mjs",
        |_| {},
        Vec::new(),
        async |app| {
            // The case the walk opened holds its screenshot, and the staff member's note.
            let count = |table: &'static str| async move {
                sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
                    .fetch_one(app.db.reader())
                    .await
                    .and_then(|row| row.try_get::<i64, _>(0))
                    .expect("count")
            };
            assert_eq!(count("tickets").await, 1);
            assert_eq!(count("ticket_attachments").await, 1);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    // Above HK$10 a refund waits for a second member: the walk's half order does.
    walk_demo_server_then(
        "refunds.mjs",
        |config| config.console.approval_above = 1_000,
        Vec::new(),
        async |app| {
            let report = datacard::orders::store::check_books(&app.db)
                .await
                .expect("ledger check runs");
            assert!(report.is_clean(), "{report:?}");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    walk_demo_server("records.mjs", |_| {}, Vec::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shift_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    // As `serve --demo` seeds it: the stuck payment and the order to refund half of
    // (above the default approval amount), paid at the sandbox.
    walk_seeded_demo_server(
        "shift.mjs",
        |_| {},
        Vec::new(),
        async |app| {
            datacard::demo::seed_with_back_office(app)
                .await
                .expect("seed the demo and its back office");
        },
        async |app| {
            let report = datacard::orders::store::check_books(&app.db)
                .await
                .expect("ledger check runs");
            assert!(report.is_clean(), "ledger check: {report:?}");
            let verified =
                datacard::audit::verify(&app.db, &datacard::audit::Key::from_secret(&app.secret))
                    .await
                    .expect("audit verify runs");
            assert!(verified.is_clean(), "audit verify: {:?}", verified.problems);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    // A scan every 10 s, and a second charge within the hour is already too many.
    walk_demo_server_then(
        "watch.mjs",
        |config| {
            config.watch.scan_secs = 10;
            config.watch.charges_per_window = 1;
        },
        Vec::new(),
        async |app| {
            let findings = datacard::watch::open_findings(app).await.expect("findings");
            let kinds: Vec<&str> = findings.iter().map(|f| f.kind.as_str()).collect();
            assert_eq!(kinds, ["charge_burst"], "one finding: {findings:?}");
            assert!(findings[0].ticket_id.is_some(), "disputed");
            let report = datacard::orders::store::check_books(&app.db)
                .await
                .expect("ledger check runs");
            assert!(report.is_clean(), "{report:?}");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signup_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    // A short cooldown, so that the walk sees "Send a new code" count down and work.
    walk_demo_server(
        "signup.mjs",
        |config| config.accounts.code_resend_cooldown_secs = 5,
        Vec::new(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    walk_demo_server(
        "checkout.mjs",
        |config| config.payments.sandbox.notify_delay_ms = LATE_NOTIFICATION_MS,
        vec![("DATACARD_NOTIFY_DELAY_MS", LATE_NOTIFICATION_MS.to_string())],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    walk_demo_server(
        "install.mjs",
        |config| config.lines.validity_start = "at_install".into(),
        Vec::new(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    walk_demo_server_then(
        "providers.mjs",
        |config| config.payments.fakes = true,
        Vec::new(),
        async |app| {
            // Every payment went through a fake provider, and each was settled by that
            // provider's signed notification (verified by the adapter), not by a query.
            let rows = sqlx::query(
                "SELECT p.id, p.provider, p.method, p.state, \
                 (SELECT COUNT(*) FROM payment_events e WHERE e.payment_id = p.id AND e.source = 'notification') AS notified, \
                 (SELECT COUNT(*) FROM payment_events e WHERE e.payment_id = p.id AND e.source = 'query') AS queried \
                 FROM payments p ORDER BY p.created_at",
            )
            .fetch_all(app.db.reader())
            .await
            .expect("read the payments");
            let mut providers = std::collections::BTreeSet::new();
            for row in &rows {
                let (id, provider, method, state): (String, String, String, String) = (
                    row.get("id"),
                    row.get("provider"),
                    row.get("method"),
                    row.get("state"),
                );
                let (notified, queried): (i64, i64) = (row.get("notified"), row.get("queried"));
                println!("{id}: {method} through {provider}: {state}, {notified} notification(s), {queried} query(ies)");
                assert!(
                    notified >= 1,
                    "payment {id} ({method} through {provider}) got no notification from the fake"
                );
                providers.insert(provider);
            }
            let expected: std::collections::BTreeSet<String> =
                ["alipay", "stripe", "wechat_pay"].map(String::from).into();
            assert_eq!(providers, expected, "the walk paid through each fake, and only through them");
            let unmatched: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM payment_events WHERE payment_id IS NULL",
            )
            .fetch_one(app.db.reader())
            .await
            .expect("count unmatched notifications")
            .get("n");
            assert_eq!(unmatched, 0, "no notification was for an unknown payment");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zh_cn_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    walk_demo_server("zh_cn.mjs", |_| {}, Vec::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_on_phone_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    walk_demo_server("pay_on_phone.mjs", |_| {}, Vec::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coupon_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    walk_demo_server("coupon.mjs", |_| {}, Vec::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    let Some(stripe) = LocalStripe::start() else {
        return;
    };
    let base = stripe.base.clone();
    let js_url = stripe.js_url();
    walk_demo_server_then(
        "card.mjs",
        |config| {
            config.payments.card.provider = datacard::payments::ProviderName::Stripe;
            let settings = &mut config.payments.providers.stripe;
            settings.api_base = base.clone();
            settings.secret_key = datacard::config::Secret::new(crate::support::stripe::SECRET_KEY);
            settings.webhook_secret =
                datacard::config::Secret::new(crate::support::stripe::WEBHOOK_SECRET);
            settings.publishable_key = PUBLISHABLE_KEY.into();
            settings.js_url = js_url;
        },
        vec![("DATACARD_STRIPE_BASE", stripe.base.clone())],
        async |app| {
            let row = sqlx::query(
                "SELECT c.brand, c.last4, c.provider_ref, a.method FROM saved_cards c \
                 JOIN auto_renew a ON a.enabled = 1",
            )
            .fetch_one(app.db.reader())
            .await
            .expect("the saved card and the auto-renew switched to it");
            let (brand, last4, method): (String, String, String) =
                (row.get("brand"), row.get("last4"), row.get("method"));
            assert_eq!(
                (brand.as_str(), last4.as_str(), method.as_str()),
                ("visa", "4242", "card")
            );
            let intent: String = sqlx::query(
                "SELECT p.provider_ref FROM payments p JOIN orders o ON o.id = p.order_id \
                 WHERE o.kind = 'renewal' AND o.state = 'fulfilled' AND p.provider = 'stripe'",
            )
            .fetch_one(app.db.reader())
            .await
            .expect("the renewal paid through Stripe")
            .get("provider_ref");
            let (status, paid) = stripe.get(&format!("/v1/payment_intents/{intent}")).await;
            assert_eq!(status, 200, "{paid}");
            assert_eq!(paid["status"], "succeeded", "{paid}");
            assert_eq!(
                paid["payment_method"],
                row.get::<String, _>("provider_ref"),
                "{paid}"
            );
            println!("{intent} succeeded at localstripe with the saved card");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prices_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    walk_demo_server("prices.mjs", |_| {}, Vec::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_walk_in_headless_chromium() {
    if !browser_available(&manifest_dir()) {
        return;
    }
    // As `serve --demo` runs: Alipay and cards through the real adapters and the fakes.
    walk_demo_server(
        "journey.mjs",
        |config| config.payments.fakes = true,
        Vec::new(),
    )
    .await;
}
