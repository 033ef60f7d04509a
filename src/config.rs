//! Configuration in layers: embedded defaults → optional TOML file → `DATACARD_…`
//! environment → command-line flags → `validate()`. This is the only module that reads
//! the environment.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::i18n::Locale;
use crate::money::Currency;

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
}

/// How we talk to the host network about lines, and what happens when quota runs out.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
    /// `sandbox` (records what it is told) or `http` (the host's provisioning API).
    pub adapter: String,
    pub base_url: String,
    /// Key for the HMAC signature on our requests.
    pub secret: Secret,
    pub timeout_secs: u64,
    /// At zero data left: `throttle` (to `exhausted_throttle_kbps`) or `suspend`.
    pub exhausted_action: String,
    pub exhausted_throttle_kbps: u32,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            adapter: "sandbox".into(),
            base_url: String::new(),
            secret: Secret::default(),
            timeout_secs: 10,
            exhausted_action: "throttle".into(),
            exhausted_throttle_kbps: 64,
        }
    }
}

/// How subscribers pay: one section per method, and the sandbox provider's behaviour.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentsConfig {
    /// Unpaid orders expire after this long (closed at the provider first).
    pub order_expiry_secs: i64,
    pub card: MethodConfig,
    pub alipay: MethodConfig,
    pub wechat_pay: MethodConfig,
    pub wallet: MethodConfig,
    pub sandbox: SandboxConfig,
    /// Credentials and endpoints of the real providers.
    pub providers: ProvidersConfig,
    /// Demo mode only: serve the card, Alipay and WeChat Pay methods through the real
    /// Stripe, Alipay and WeChat Pay adapters against local fakes of those providers,
    /// mounted on this server under `/fake/…` with test-only keys (no real money; see
    /// `src/fakes/`). `serve --demo` turns it on unless `--sandbox-payments` is given.
    pub fakes: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProvidersConfig {
    pub stripe: StripeConfig,
    pub alipay: AlipayConfig,
    pub wechat_pay: WechatPayConfig,
}

/// Stripe PaymentIntents (cards, Alipay and WeChat Pay through Stripe).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StripeConfig {
    /// `https://api.stripe.com`; tests point it at localstripe.
    pub api_base: String,
    pub secret_key: Secret,
    /// `whsec_…`, for the `Stripe-Signature` header.
    pub webhook_secret: Secret,
    pub timeout_secs: u64,
}

impl Default for StripeConfig {
    fn default() -> Self {
        Self {
            api_base: "https://api.stripe.com".into(),
            secret_key: Secret::default(),
            webhook_secret: Secret::default(),
            timeout_secs: 15,
        }
    }
}

/// Alipay Open Platform, RSA2.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlipayConfig {
    pub gateway: String,
    pub app_id: String,
    /// The merchant's PID (`seller_id` in notifications).
    pub seller_id: String,
    /// PEM (PKCS#8 or PKCS#1) of the app's private key.
    pub app_private_key: Secret,
    /// PEM of Alipay's public key.
    pub alipay_public_key: String,
    pub timeout_secs: u64,
}

impl Default for AlipayConfig {
    fn default() -> Self {
        Self {
            gateway: "https://openapi.alipay.com/gateway.do".into(),
            app_id: String::new(),
            seller_id: String::new(),
            app_private_key: Secret::default(),
            alipay_public_key: String::new(),
            timeout_secs: 15,
        }
    }
}

/// WeChat Pay API v3, mainland or Hong Kong cross-border.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WechatPayConfig {
    pub api_base: String,
    /// `mainland` (`/v3/pay/transactions/…`) or `hongkong` (`/v3/global/transactions/…`).
    pub surface: String,
    pub mch_id: String,
    pub app_id: String,
    /// Serial number of the merchant's API certificate.
    pub merchant_serial: String,
    /// PEM of the merchant's API private key.
    pub merchant_private_key: Secret,
    /// The APIv3 key (32 bytes) that decrypts notifications.
    pub api_v3_key: Secret,
    /// Platform public keys (PEM) by serial, chosen by `Wechatpay-Serial`.
    pub platform_public_keys: std::collections::BTreeMap<String, String>,
    pub timeout_secs: u64,
}

impl Default for WechatPayConfig {
    fn default() -> Self {
        Self {
            api_base: "https://api.mch.weixin.qq.com".into(),
            surface: "mainland".into(),
            mch_id: String::new(),
            app_id: String::new(),
            merchant_serial: String::new(),
            merchant_private_key: Secret::default(),
            api_v3_key: Secret::default(),
            platform_public_keys: std::collections::BTreeMap::new(),
            timeout_secs: 15,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MethodConfig {
    pub enabled: bool,
    /// Which provider serves the method: `sandbox` (others come with their adapters).
    pub provider: String,
    /// Fee added to the order, in minor units, plus a share in basis points (1/100 %).
    pub fee_fixed: i64,
    pub fee_basis_points: i64,
    /// How long the money takes to settle, shown to the subscriber.
    pub settlement_secs: i64,
}

/// The built-in sandbox provider: a fake bank that behaves like a real one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxConfig {
    /// Key for the HMAC signature on its notifications.
    pub webhook_secret: Secret,
    /// Delay before a notification is delivered.
    pub notify_delay_ms: i64,
    /// Every notification is sent this many times (duplicates).
    pub notify_copies: i64,
    /// Drop every notification (lost webhooks; reconciliation must repair).
    pub lose_notifications: bool,
    /// Deliver copies in reverse order of their events.
    pub reorder_notifications: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub bind: String,
    /// The address subscribers reach us at; links in SMS and email start with it.
    /// Cookies are marked `Secure` when it is https.
    pub public_url: String,
    /// Believe `X-Forwarded-For` / `X-Forwarded-Proto` (only behind a trusted proxy).
    pub trust_proxy_headers: bool,
    pub request_timeout_secs: u64,
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// Empty: the embedded SQLite file `<data_dir>/datacard.sqlite3`.
    /// `postgres://…` for PostgreSQL.
    pub url: Secret,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Key for hashing verification codes and signing tokens. Empty: generated once
    /// and kept in `<data_dir>/secret.key`. Must be shared by every node.
    pub secret: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountsConfig {
    pub min_password_length: usize,
    pub code_ttl_secs: i64,
    pub code_max_attempts: i64,
    pub code_resend_cooldown_secs: i64,
    pub codes_per_phone_per_hour: i64,
    pub codes_per_client_per_hour: i64,
    /// Failed logins allowed before the login is locked; each further failure doubles the lock.
    pub login_failures_before_lock: i64,
    pub login_lock_secs: i64,
    pub login_lock_max_secs: i64,
    pub session_days: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LocaleConfig {
    pub default_language: Locale,
    pub time_zone: String,
    pub currency: Currency,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MessagesConfig {
    /// `outbox` (append to `<data_dir>/outbox.jsonl`) or `http` (Twilio-style gateway).
    pub sms_transport: String,
    /// `outbox` or `smtp`.
    pub email_transport: String,
    pub sms: SmsGatewayConfig,
    pub smtp: SmtpConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsGatewayConfig {
    /// e.g. `https://api.twilio.com`; messages are POSTed to
    /// `<base_url>/2010-04-01/Accounts/<account_sid>/Messages.json`.
    pub base_url: String,
    pub account_sid: String,
    pub auth_token: Secret,
    /// Sender id or number.
    pub from: String,
    pub timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// `starttls`, `tls` or `none` (only for a relay on the same host).
    pub security: String,
    pub username: String,
    pub password: Secret,
    pub from: String,
    pub timeout_secs: u64,
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
        }
    }
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        let method = |fee_fixed, fee_basis_points, settlement_secs| MethodConfig {
            enabled: true,
            provider: "sandbox".into(),
            fee_fixed,
            fee_basis_points,
            settlement_secs,
        };
        Self {
            order_expiry_secs: 30 * 60,
            card: method(0, 250, 0),
            alipay: method(0, 150, 60),
            wechat_pay: method(0, 150, 60),
            wallet: MethodConfig {
                provider: "wallet".into(),
                ..method(0, 0, 0)
            },
            sandbox: SandboxConfig::default(),
            providers: ProvidersConfig::default(),
            fakes: false,
        }
    }
}

impl Default for MethodConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            provider: "sandbox".into(),
            fee_fixed: 0,
            fee_basis_points: 0,
            settlement_secs: 0,
        }
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            webhook_secret: Secret::new("sandbox-webhook-secret"),
            notify_delay_ms: 300,
            notify_copies: 1,
            lose_notifications: false,
            reorder_notifications: false,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            public_url: String::new(),
            trust_proxy_headers: false,
            request_timeout_secs: 30,
            max_body_bytes: 2 * 1024 * 1024,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: Secret::default(),
            max_connections: 8,
        }
    }
}

impl Default for AccountsConfig {
    fn default() -> Self {
        Self {
            min_password_length: 10,
            code_ttl_secs: 600,
            code_max_attempts: 5,
            code_resend_cooldown_secs: 60,
            codes_per_phone_per_hour: 5,
            codes_per_client_per_hour: 20,
            login_failures_before_lock: 5,
            login_lock_secs: 60,
            login_lock_max_secs: 3600,
            session_days: 30,
        }
    }
}

impl Default for LocaleConfig {
    fn default() -> Self {
        Self {
            default_language: Locale::ZhHk,
            time_zone: "Asia/Hong_Kong".into(),
            currency: Currency::HKD,
        }
    }
}

impl Default for MessagesConfig {
    fn default() -> Self {
        Self {
            sms_transport: "outbox".into(),
            email_transport: "outbox".into(),
            sms: SmsGatewayConfig::default(),
            smtp: SmtpConfig::default(),
        }
    }
}

impl Default for SmsGatewayConfig {
    fn default() -> Self {
        Self {
            base_url: String::new(),
            account_sid: String::new(),
            auth_token: Secret::default(),
            from: String::new(),
            timeout_secs: 10,
        }
    }
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 587,
            security: "starttls".into(),
            username: String::new(),
            password: Secret::default(),
            from: String::new(),
            timeout_secs: 10,
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
            set_leaf(&mut tree, path, env_value(value));
        }
        let config: Config = tree
            .try_into()
            .context("configuration has a value of the wrong type")?;
        Ok(config)
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
        if self.accounts.min_password_length < 8 {
            bail!("accounts.min_password_length must be at least 8");
        }
        if self.accounts.code_ttl_secs <= 0 || self.accounts.code_max_attempts <= 0 {
            bail!("accounts.code_ttl_secs and accounts.code_max_attempts must be positive");
        }
        if self.locale.time_zone.parse::<chrono_tz::Tz>().is_err() {
            bail!(
                "locale.time_zone {:?} is not an IANA time zone",
                self.locale.time_zone
            );
        }
        let url = self.database.url.expose();
        if !(url.is_empty()
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://")
            || url.starts_with("sqlite:"))
        {
            bail!("database.url must be empty (embedded SQLite), sqlite:… or postgres://…");
        }
        match self.messages.sms_transport.as_str() {
            "outbox" => {}
            "http"
                if !self.messages.sms.base_url.is_empty() && !self.messages.sms.from.is_empty() => {
            }
            "http" => bail!(
                "messages.sms.base_url and messages.sms.from are needed for the http SMS transport"
            ),
            other => bail!("messages.sms_transport {other:?} is not one of outbox, http"),
        }
        match self.messages.email_transport.as_str() {
            "outbox" => {}
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
        for (name, method) in [
            ("card", &self.payments.card),
            ("alipay", &self.payments.alipay),
            ("wechat_pay", &self.payments.wechat_pay),
        ] {
            match method.provider.as_str() {
                _ if !method.enabled => {}
                "sandbox" => {}
                "stripe" if !self.payments.providers.stripe.secret_key.is_empty() => {}
                "stripe" => bail!(
                    "payments.{name}.provider is stripe but payments.providers.stripe.secret_key is empty"
                ),
                "alipay" if name == "alipay" => {
                    crate::payments::alipay::check_config(&self.payments.providers.alipay)?
                }
                "wechat_pay" if name == "wechat_pay" => crate::payments::wechat_pay::check_config(
                    &self.payments.providers.wechat_pay,
                    self.locale.currency.as_str(),
                )?,
                other => {
                    let choices = match name {
                        "card" => "sandbox or stripe",
                        "alipay" => "sandbox, stripe or alipay",
                        _ => "sandbox, stripe or wechat_pay",
                    };
                    bail!("payments.{name}.provider {other:?} is not available; use {choices}")
                }
            }
        }
        for method in [
            &self.payments.card,
            &self.payments.alipay,
            &self.payments.wechat_pay,
            &self.payments.wallet,
        ] {
            if method.fee_fixed < 0
                || !(0..=5000).contains(&method.fee_basis_points)
                || method.settlement_secs < 0
            {
                bail!("payment fees must be at least 0 and fee_basis_points at most 5000 (50 %)");
            }
        }
        if self.payments.fakes && !self.demo {
            bail!("payments.fakes is a demo and test tool: it needs demo = true");
        }
        if self.payments.order_expiry_secs < 60
            || !(1..=10).contains(&self.payments.sandbox.notify_copies)
        {
            bail!(
                "payments.order_expiry_secs must be at least 60 and payments.sandbox.notify_copies 1 to 10"
            );
        }
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

fn merge(base: &mut toml::Value, overlay: toml::Value) {
    match (base, overlay) {
        (toml::Value::Table(base), toml::Value::Table(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

fn leaf_paths(tree: &toml::Value) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    fn walk(value: &toml::Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match value {
            toml::Value::Table(table) => {
                for (key, child) in table {
                    prefix.push(key.clone());
                    walk(child, prefix, out);
                    prefix.pop();
                }
            }
            _ => out.push(prefix.clone()),
        }
    }
    walk(tree, &mut Vec::new(), &mut out);
    out
}

fn set_leaf(tree: &mut toml::Value, path: &[String], value: toml::Value) {
    let mut node = tree;
    for key in &path[..path.len() - 1] {
        let Some(next) = node.get_mut(key) else {
            return;
        };
        node = next;
    }
    if let (toml::Value::Table(table), Some(last)) = (node, path.last()) {
        table.insert(last.clone(), value);
    }
}

/// Environment values are strings; numbers and booleans are read as such.
fn env_value(raw: &str) -> toml::Value {
    if let Ok(number) = raw.parse::<i64>() {
        return toml::Value::Integer(number);
    }
    match raw {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(raw.to_owned()),
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

    #[test]
    fn validation_catches_half_configured_transports() {
        let mut config = Config::default();
        assert!(config.validate().is_ok());
        config.messages.sms_transport = "http".into();
        assert!(config.validate().is_err());
        config.messages.sms.base_url = "http://127.0.0.1:9".into();
        config.messages.sms.from = "DATACARD".into();
        assert!(config.validate().is_ok());
        config.locale.time_zone = "Mars/Olympus".into();
        assert!(config.validate().is_err());
    }
}
