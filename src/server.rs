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
use crate::messages::{FileOutbox, Messenger};

/// Connects the database (running migrations), loads the secret and the senders,
/// and seals audit entries recorded before the log was chained (see `audit::seal`).
pub async fn build(mut config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
    crate::fakes::wire(&mut config);
    config.validate()?;
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data dir {}", config.data_dir.display()))?;
    let db = Db::connect(&DbOptions::from_config(&config)).await?;
    db.migrate().await?;
    let app = build_with_db(config, db, clock)?;
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

/// As [`build`], over a database already connected and migrated (tests use this).
pub fn build_with_db(mut config: Config, db: Db, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
    crate::fakes::wire(&mut config);
    let secret = load_secret(&config)?;
    let messenger = if config.demo {
        Messenger::outbox_only(FileOutbox::new(config.data_dir.join("outbox.jsonl")))
    } else {
        Messenger::from_config(&config)?
    };
    Ok(App::new(config, db, clock, messenger, secret))
}

/// The configured secret, or one generated on first start and kept in the data dir.
pub fn load_secret(config: &Config) -> anyhow::Result<Vec<u8>> {
    if !config.security.secret.is_empty() {
        return Ok(config.security.secret.expose().as_bytes().to_vec());
    }
    let path = config.data_dir.join("secret.key");
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => Ok(text.trim().as_bytes().to_vec()),
        Ok(_) => anyhow::bail!("{} is too short to be a secret", path.display()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => write_new_secret(&path),
        Err(error) => Err(error).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn write_new_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    let secret = crate::ids::new_token();
    std::fs::write(path, &secret).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(secret.into_bytes())
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
    let workers = crate::background::spawn(app.clone(), webhook_url, stopped);
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
