//! Building the application from configuration, and serving it on an injected
//! listener until an injected shutdown future completes.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::app::App;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{Db, DbOptions};
use crate::demo;
use crate::messages::{FileOutbox, Messenger};
use crate::payments::alipay::AlipayProvider;
use crate::payments::stripe::StripeProvider;
use crate::payments::wechat_pay::WechatPayProvider;
use crate::payments::{ProviderName, Providers};

/// The composition root: checks the configuration (outside demo mode, refusing any
/// demo machinery or published secret), connects the database (running
/// migrations), refuses a database a demo ran on outside demo mode, builds the app
/// with its providers and senders, and seals audit entries recorded before the log
/// was chained (see `audit::seal`).
pub async fn build(mut config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
    demo::prepare(&mut config);
    crate::payments::check_config(&config)?;
    demo::refuse_in_production(&config)?;
    if config.operator.legal_name.is_empty() {
        tracing::warn!(
            "operator.legal_name is empty: receipts and statements will not name who issues them"
        );
    }
    crate::private_files::create_dir(&config.data_dir)
        .with_context(|| format!("cannot create data dir {}", config.data_dir.display()))?;
    let db = Db::connect(&DbOptions::from_config(&config)).await?;
    db.migrate().await?;
    let app = build_with_db(config, db, clock)?;
    if !app.config.demo && demo::seeded(&app).await? {
        app.db.close().await;
        anyhow::bail!(
            "the database holds the demo's seeds (its subscriber or its published keys): it was served with --demo. Serve it with --demo, or start from an empty data dir (or database.url)"
        );
    }
    // The starter help articles, once, on an installation whose help centre is empty
    // (demo or not: they are product help, see help::starter).
    let seeded = crate::help::starter::seed(&app).await?;
    if seeded > 0 {
        tracing::info!(articles = seeded, "wrote the starter help articles");
    }
    let key = crate::audit::Key::from_secret(&app.secret);
    let sealed = crate::audit::seal(&app.db, &key).await?;
    if sealed > 0 {
        tracing::warn!(
            entries = sealed,
            "sealed the audit entries recorded before the log was chained"
        );
    }
    Ok(app)
}

/// For the data commands (imports, keys): the database and the app, without the
/// payment providers, senders' checks or the production refusals that only serving
/// needs.
pub async fn build_for_data(mut config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
    demo::prepare(&mut config);
    config.validate_storage()?;
    crate::private_files::create_dir(&config.data_dir)
        .with_context(|| format!("cannot create data dir {}", config.data_dir.display()))?;
    let db = Db::connect(&DbOptions::from_config(&config)).await?;
    db.migrate().await?;
    let secret = load_secret(&config)?;
    let messenger = messenger(&config)?;
    let demo_only = demo_only_credentials(&config);
    Ok(App::new(
        config,
        db,
        clock,
        messenger,
        secret,
        demo_only,
        Arc::new(crate::background::JobKinds),
    ))
}

/// As [`build`], over a database already connected and migrated (tests use this).
pub fn build_with_db(mut config: Config, db: Db, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
    demo::prepare(&mut config);
    demo::refuse_in_production(&config)?;
    let secret = load_secret(&config)?;
    let messenger = messenger(&config)?;
    let demo_only = demo_only_credentials(&config);
    let app = App::new(
        config,
        db,
        clock,
        messenger,
        secret,
        demo_only,
        Arc::new(crate::background::JobKinds),
    );
    let providers = build_providers(&app)?;
    let _ = app.providers.set(providers);
    Ok(app)
}

/// Every payment provider this installation runs, built once: those an enabled
/// method uses, those with credentials (their late notifications still count), and
/// in demo mode the sandbox.
fn build_providers(app: &App) -> anyhow::Result<Providers> {
    let config = &app.config;
    let payments = &config.payments;
    let used = |provider: ProviderName| {
        [&payments.card, &payments.alipay, &payments.wechat_pay]
            .iter()
            .any(|method| method.enabled && method.provider == provider)
    };
    let mut providers = Providers::default();
    if used(ProviderName::Stripe) || !payments.providers.stripe.secret_key.is_empty() {
        providers.insert_stripe(Arc::new(StripeProvider::new(app)));
    }
    if used(ProviderName::Alipay) || !payments.providers.alipay.app_id.is_empty() {
        providers.insert(Arc::new(
            AlipayProvider::new(app).context("payments.providers.alipay")?,
        ));
    }
    if used(ProviderName::WechatPay) || !payments.providers.wechat_pay.mch_id.is_empty() {
        providers.insert(Arc::new(
            WechatPayProvider::new(app).context("payments.providers.wechat_pay")?,
        ));
    }
    demo::add_providers(app, &mut providers);
    Ok(providers)
}

/// The demo's published credentials, refused outside demo mode (none in demo mode).
fn demo_only_credentials(config: &Config) -> Vec<&'static str> {
    if config.demo {
        Vec::new()
    } else {
        demo::credentials()
    }
}

/// Every message to the file outbox in demo mode; the configured transports
/// otherwise.
fn messenger(config: &Config) -> anyhow::Result<Messenger> {
    if config.demo {
        Ok(Messenger::outbox_only(FileOutbox::new(
            config.data_dir.join("outbox.jsonl"),
        )))
    } else {
        Messenger::from_config(config)
    }
}

/// The configured secret, or one generated on first start and kept in the data dir.
pub fn load_secret(config: &Config) -> anyhow::Result<Vec<u8>> {
    if !config.security.secret.is_empty() {
        return Ok(config.security.secret.expose().as_bytes().to_vec());
    }
    let path = config.data_dir.join("secret.key");
    if let Some(secret) = write_new_secret(&path)? {
        return Ok(secret);
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if text.trim().len() < 32 {
        anyhow::bail!("{} is too short to be a secret", path.display());
    }
    crate::private_files::tighten(&path)
        .with_context(|| format!("cannot make {} private", path.display()))?;
    Ok(text.trim().as_bytes().to_vec())
}

/// A new secret at `path`, unless there is one already (`None`). Created 0600 and
/// only if absent: never readable by others, not even for a moment, and never
/// overwriting the secret of another start on the same data dir.
fn write_new_secret(path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    use std::io::Write;
    let created = crate::private_files::options()
        .write(true)
        .create_new(true)
        .open(path);
    let mut file = match created {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => return Ok(None),
        Err(error) => {
            return Err(error).with_context(|| format!("cannot write {}", path.display()));
        }
    };
    let secret = crate::ids::new_token();
    file.write_all(secret.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Some(secret.into_bytes()))
}

/// Serves until `shutdown` completes, then lets requests in flight finish. The
/// background work (jobs, the sandbox's notifications, line expiry) runs alongside
/// and stops with it.
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let router = crate::web::router(app.clone());
    let webhook_url = format!("http://{}/api/v1/webhooks/sandbox", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut workers = crate::background::spawn(app.clone(), stopped.clone());
    workers.extend(demo::spawn_background(&app, webhook_url, stopped));
    let result = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("server failed");
    let _ = stop.send(true);
    for worker in workers {
        let _ = worker.await;
    }
    app.db.close().await;
    result
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
