//! The application state handed to every handler and command: a cheap clone around `Arc`.

use std::ops::Deref;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::messages::Messenger;
use crate::payments::Providers;

#[derive(Clone)]
pub struct App(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub messenger: Messenger,
    /// Key for code hashes and other MACs; the same on every node.
    pub secret: Vec<u8>,
    /// The usage writer, started on first use.
    pub usage_batcher: std::sync::OnceLock<crate::usage::Batcher>,
    /// The payment providers, built once at start by the composition root
    /// ([`crate::server::build_with_db`]).
    pub providers: std::sync::OnceLock<Providers>,
    /// Logins and keys that only demo mode honours (the demo's published
    /// credentials); empty in demo mode.
    pub demo_only_credentials: Vec<&'static str>,
    /// Password hashes and checks running at once, at most
    /// `accounts.max_concurrent_hashes`: each takes about 19 MiB.
    pub hashers: Arc<tokio::sync::Semaphore>,
    /// What runs each kind of background job.
    pub job_handlers: Arc<dyn crate::jobs::Handlers>,
}

impl App {
    pub fn new(
        config: Config,
        db: Db,
        clock: Arc<dyn Clock>,
        messenger: Messenger,
        secret: Vec<u8>,
        demo_only_credentials: Vec<&'static str>,
        job_handlers: Arc<dyn crate::jobs::Handlers>,
    ) -> Self {
        let hashers = Arc::new(tokio::sync::Semaphore::new(
            config.accounts.max_concurrent_hashes,
        ));
        App(Arc::new(Inner {
            config,
            db,
            clock,
            messenger,
            secret,
            usage_batcher: std::sync::OnceLock::new(),
            providers: std::sync::OnceLock::new(),
            demo_only_credentials,
            hashers,
            job_handlers,
        }))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Whether `credential` (a key, a phone or an email) is one of the demo's
    /// published ones, refused outside demo mode.
    pub fn refuses_outside_demo(&self, credential: &str) -> bool {
        let credential = credential.trim();
        self.demo_only_credentials
            .iter()
            .any(|known| known.eq_ignore_ascii_case(credential))
    }

    /// The payment providers this installation runs (empty until the composition
    /// root has built them).
    pub fn providers(&self) -> &Providers {
        static NONE: std::sync::OnceLock<Providers> = std::sync::OnceLock::new();
        self.0
            .providers
            .get()
            .unwrap_or_else(|| NONE.get_or_init(Providers::default))
    }

    /// For tasks that serve the app but must not keep it alive.
    pub fn downgrade(&self) -> std::sync::Weak<Inner> {
        Arc::downgrade(&self.0)
    }

    pub fn upgrade(weak: &std::sync::Weak<Inner>) -> Option<App> {
        weak.upgrade().map(App)
    }
}

impl Deref for App {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
