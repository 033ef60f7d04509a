//! Configuration in layers: embedded defaults → optional TOML file → `DATACARD_…`
//! environment → command-line flags → `validate()`. This is the only module that reads
//! the environment.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

mod inventory;
mod layers;
mod operator;
mod payments;
mod people;
mod sections;
mod watch;

pub use inventory::InventoryConfig;
pub use operator::OperatorConfig;
pub use payments::{
    AlipayConfig, MethodConfig, PaymentsConfig, ProviderName, ProvidersConfig, STRIPE_API_VERSION,
    SandboxConfig, StripeConfig, WechatPayConfig,
};
pub use people::{ConsoleConfig, SupportConfig};
pub use sections::{
    AccountsConfig, DatabaseConfig, LinesConfig, LocaleConfig, MessagesConfig, NetworkConfig,
    PhoneRegion, SecurityConfig, ServerConfig, SmsGatewayConfig, SmtpConfig, ValidityStart,
};
pub use watch::WatchConfig;

use layers::{env_list, env_value, get_leaf, leaf_paths, merge, set_leaf};

/// A value that must never appear in logs or `Debug` output.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "\"[redacted]\""
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the embedded database, the outbox and generated files live.
    pub data_dir: PathBuf,
    /// Seed demo data and use the file outbox for every message.
    pub demo: bool,
    /// `error`, `warn`, `info`, `debug` or a full filter such as `datacard=debug,info`.
    pub log_level: String,
    /// `text` or `json`.
    pub log_format: String,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub security: SecurityConfig,
    pub accounts: AccountsConfig,
    pub locale: LocaleConfig,
    pub messages: MessagesConfig,
    pub payments: PaymentsConfig,
    pub network: NetworkConfig,
    pub console: ConsoleConfig,
    /// The contact shown in the footer and on every error page.
    pub support: SupportConfig,
    pub lines: LinesConfig,
    /// Who issues the receipts and statements.
    pub operator: OperatorConfig,
    pub inventory: InventoryConfig,
    /// The watch for abnormal charges and usage.
    pub watch: WatchConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            demo: false,
            log_level: "info".into(),
            log_format: "text".into(),
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            security: SecurityConfig::default(),
            accounts: AccountsConfig::default(),
            locale: LocaleConfig::default(),
            messages: MessagesConfig::default(),
            payments: PaymentsConfig::default(),
            network: NetworkConfig::default(),
            console: ConsoleConfig::default(),
            support: SupportConfig::default(),
            lines: LinesConfig::default(),
            operator: OperatorConfig::default(),
            inventory: InventoryConfig::default(),
            watch: WatchConfig::default(),
        }
    }
}

const ENV_PREFIX: &str = "DATACARD_";

impl Config {
    /// Defaults, then the file (if any), then the process environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let vars: Vec<(String, String)> = std::env::vars()
            .filter(|(name, _)| name.starts_with(ENV_PREFIX))
            .collect();
        Self::load_from(file, &vars)
    }

    /// The layering itself, with the environment passed in (for tests).
    pub fn load_from(file: Option<&Path>, env: &[(String, String)]) -> anyhow::Result<Self> {
        let mut tree = toml::Value::try_from(Config::default())?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            let overlay: toml::Value = toml::from_str(&text)
                .with_context(|| format!("config file {} is not valid TOML", path.display()))?;
            merge(&mut tree, overlay);
        }
        let leaves = leaf_paths(&tree);
        for (name, value) in env {
            let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let Some(path) = leaves
                .iter()
                .find(|path| path.join("_").to_ascii_uppercase() == rest)
            else {
                // Variables used by the test harness and tools share the prefix.
                if !rest.starts_with("TEST_") && !rest.starts_with("BENCH_") {
                    tracing::warn!(variable = %name, "unknown configuration variable ignored");
                }
                continue;
            };
            // A list (`payments.card.currencies`) is written `HKD,CNY`.
            let value = if get_leaf(&tree, path).is_some_and(toml::Value::is_array) {
                env_list(value)
            } else {
                env_value(value)
            };
            set_leaf(&mut tree, path, value);
        }
        let config: Config = tree
            .try_into()
            .context("configuration has a value of the wrong type")?;
        Ok(config)
    }

    /// What the data-only commands need: a database URL we can use.
    pub fn validate_storage(&self) -> anyhow::Result<()> {
        let url = self.database.url.expose();
        if !(url.is_empty()
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://")
            || url.starts_with("sqlite:"))
        {
            bail!("database.url must be empty (embedded SQLite), sqlite:… or postgres://…");
        }
        Ok(())
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        match (
            self.network.adapter.as_str(),
            self.network.base_url.is_empty(),
        ) {
            ("sandbox", _) | ("http", false) => {}
            ("http", true) => bail!("network.base_url is needed for the http network adapter"),
            (other, _) => bail!("network.adapter {other:?} is not one of sandbox, http"),
        }
        if !matches!(
            self.network.exhausted_action.as_str(),
            "throttle" | "suspend"
        ) {
            bail!("network.exhausted_action must be throttle or suspend");
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            bail!("log_format must be text or json");
        }
        self.lines.validity_start()?;
        if self.accounts.min_password_length < 8 {
            bail!("accounts.min_password_length must be at least 8");
        }
        if self.accounts.code_ttl_secs <= 0 || self.accounts.code_max_attempts <= 0 {
            bail!("accounts.code_ttl_secs and accounts.code_max_attempts must be positive");
        }
        self.console.validate()?;
        if !(1..=256).contains(&self.accounts.max_concurrent_hashes) {
            bail!("accounts.max_concurrent_hashes must be between 1 and 256");
        }
        if self.locale.time_zone.parse::<chrono_tz::Tz>().is_err() {
            bail!(
                "locale.time_zone {:?} is not an IANA time zone",
                self.locale.time_zone
            );
        }
        self.validate_storage()?;
        match self.messages.sms_transport.as_str() {
            "" | "outbox" => {}
            "http"
                if !self.messages.sms.base_url.is_empty() && !self.messages.sms.from.is_empty() => {
            }
            "http" => bail!(
                "messages.sms.base_url and messages.sms.from are needed for the http SMS transport"
            ),
            other => bail!("messages.sms_transport {other:?} is not one of outbox, http"),
        }
        match self.messages.email_transport.as_str() {
            "" | "outbox" => {}
            "smtp"
                if !self.messages.smtp.host.is_empty() && !self.messages.smtp.from.is_empty() => {}
            "smtp" => bail!(
                "messages.smtp.host and messages.smtp.from are needed for the smtp email transport"
            ),
            other => bail!("messages.email_transport {other:?} is not one of outbox, smtp"),
        }
        if !matches!(
            self.messages.smtp.security.as_str(),
            "starttls" | "tls" | "none"
        ) {
            bail!("messages.smtp.security must be starttls, tls or none");
        }
        self.payments.validate(self.locale.currency, self.demo)?;
        self.support.validate()?;
        self.operator.validate()?;
        self.inventory.validate()?;
        self.watch.validate()?;
        Ok(())
    }

    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.locale
            .time_zone
            .parse()
            .unwrap_or(chrono_tz::Asia::Hong_Kong)
    }

    pub fn public_url(&self) -> String {
        if self.server.public_url.is_empty() {
            format!("http://{}", self.server.bind)
        } else {
            self.server.public_url.trim_end_matches('/').to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("datacard.toml");
        std::fs::write(
            &file,
            "[server]\nbind = \"0.0.0.0:9000\"\n[accounts]\nsession_days = 7\n",
        )
        .unwrap();
        let config = Config::load_from(
            Some(&file),
            &env(&[
                ("DATACARD_DATABASE_URL", "postgres://db/datacard"),
                ("DATACARD_ACCOUNTS_SESSION_DAYS", "3"),
                ("DATACARD_MESSAGES_SMS_FROM", "DATACARD"),
            ]),
        )
        .unwrap();
        assert_eq!(config.server.bind, "0.0.0.0:9000");
        assert_eq!(config.accounts.session_days, 3);
        assert_eq!(config.database.url.expose(), "postgres://db/datacard");
        assert_eq!(config.messages.sms.from, "DATACARD");
        assert_eq!(config.accounts.code_ttl_secs, 600);
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("datacard.toml");
        std::fs::write(&file, "[server]\nbnid = \"typo\"\n").unwrap();
        assert!(Config::load_from(Some(&file), &[]).is_err());
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let mut config = Config::default();
        config.database.url = Secret::new("postgres://user:hunter2@db/x");
        config.messages.sms.auth_token = Secret::new("tok-123");
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("tok-123"),
            "{shown}"
        );
    }

    #[test]
    fn every_leaf_has_a_distinct_environment_name() {
        let tree = toml::Value::try_from(Config::default()).unwrap();
        let mut names: Vec<String> = leaf_paths(&tree)
            .iter()
            .map(|p| p.join("_").to_ascii_uppercase())
            .collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count);
    }

    /// The defaults, with every method on the sandbox (whose settings need nothing).
    fn on_the_sandbox(mut config: Config) -> Config {
        for method in [
            &mut config.payments.card,
            &mut config.payments.alipay,
            &mut config.payments.wechat_pay,
        ] {
            method.provider = ProviderName::Sandbox;
        }
        config
    }

    #[test]
    fn a_validity_start_that_is_not_known_is_refused_naming_the_setting() {
        let mut config = on_the_sandbox(Config::default());
        assert_eq!(
            config.lines.validity_start().expect("default"),
            ValidityStart::AtPayment
        );
        config.lines.validity_start = "at_install".into();
        config.lines.latest_start_days = 14;
        assert_eq!(
            config.lines.validity_start().expect("valid"),
            ValidityStart::AtInstall { latest_days: 14 }
        );
        assert!(config.validate().is_ok());
        config.lines.latest_start_days = 0;
        let error = config.validate().expect_err("zero days").to_string();
        assert!(error.contains("lines.latest_start_days"), "{error}");
        config.lines.latest_start_days = 14;
        config.lines.validity_start = "at_first_sight".into();
        let error = config.validate().expect_err("unknown").to_string();
        assert!(error.contains("lines.validity_start"), "{error}");
    }

    #[test]
    fn validation_catches_half_configured_transports() {
        let mut config = on_the_sandbox(Config::default());
        assert!(config.validate().is_ok());
        config.messages.sms_transport = "http".into();
        assert!(config.validate().is_err());
        config.messages.sms.base_url = "http://127.0.0.1:9".into();
        config.messages.sms.from = "DATACARD".into();
        assert!(config.validate().is_ok());
        config.locale.time_zone = "Mars/Olympus".into();
        assert!(config.validate().is_err());
    }

    #[test]
    fn each_method_has_its_expiry_currencies_and_keys() {
        let config = on_the_sandbox(
            Config::load_from(
                None,
                &env(&[
                    ("DATACARD_PAYMENTS_CARD_CURRENCIES", "HKD, CNY"),
                    ("DATACARD_PAYMENTS_CARD_EXPIRY_SECS", "600"),
                ]),
            )
            .unwrap(),
        );
        let payments = &config.payments;
        assert_eq!(payments.card.currencies.len(), 2);
        assert_eq!(payments.expiry_secs(&payments.card), 600);
        // QR payments are payable for 15 minutes; the wallet follows the default.
        assert_eq!(payments.expiry_secs(&payments.alipay), 15 * 60);
        assert_eq!(payments.expiry_secs(&payments.wechat_pay), 15 * 60);
        assert_eq!(
            payments.expiry_secs(&payments.wallet),
            payments.order_expiry_secs
        );
        assert!(config.validate().is_ok());

        let mut cny_only = config.clone();
        cny_only.payments.alipay.currencies = vec![crate::money::Currency::parse("CNY").unwrap()];
        let error = cny_only.validate().unwrap_err().to_string();
        assert!(
            error.contains("payments.alipay") && error.contains("HKD"),
            "{error}"
        );
        cny_only.payments.alipay.enabled = false;
        assert!(
            cny_only.validate().is_ok(),
            "a disabled method is not checked"
        );

        let mut too_short = config.clone();
        too_short.payments.wechat_pay.expiry_secs = 30;
        assert!(too_short.validate().is_err());
        let mut unknown_product = config.clone();
        unknown_product.payments.providers.alipay.product = "bank_transfer".into();
        assert!(unknown_product.validate().is_err());
        let mut stripe_cards = config.clone();
        stripe_cards.payments.card.provider = ProviderName::Stripe;
        stripe_cards.payments.providers.stripe.secret_key = Secret::new("sk_test_x");
        let error = stripe_cards.validate().unwrap_err().to_string();
        assert!(error.contains("publishable_key"), "{error}");
        stripe_cards.payments.providers.stripe.publishable_key = "pk_test_x".into();
        assert!(stripe_cards.validate().is_ok());
        let mut h5_abroad = config;
        h5_abroad.payments.providers.wechat_pay.h5 = true;
        h5_abroad.payments.providers.wechat_pay.surface = "hongkong".into();
        assert!(h5_abroad.validate().is_err());
    }
}
