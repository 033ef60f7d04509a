//! The other sections: server, database, security, accounts, locale, messages, network.

use serde::{Deserialize, Serialize};

use crate::i18n::Locale;
use crate::money::Currency;

use super::Secret;

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

/// When a line's validity starts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinesConfig {
    /// `at_payment`: a new eSIM's first period starts when it is paid for.
    /// `at_install`: it starts when the network first sees the eSIM in use, or
    /// `latest_start_days` after payment, whichever comes first.
    pub validity_start: String,
    pub latest_start_days: u32,
}

impl Default for LinesConfig {
    fn default() -> Self {
        Self {
            validity_start: "at_payment".into(),
            latest_start_days: 30,
        }
    }
}

/// [`LinesConfig`] read: when a new eSIM's first period opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidityStart {
    AtPayment,
    /// At install (first use), at the latest this many days after payment.
    AtInstall {
        latest_days: u32,
    },
}

impl LinesConfig {
    /// The setting, or what is wrong with it (naming the key).
    pub fn validity_start(&self) -> anyhow::Result<ValidityStart> {
        match self.validity_start.as_str() {
            "at_payment" => Ok(ValidityStart::AtPayment),
            "at_install" if (1..=365).contains(&self.latest_start_days) => {
                Ok(ValidityStart::AtInstall {
                    latest_days: self.latest_start_days,
                })
            }
            "at_install" => anyhow::bail!(
                "lines.latest_start_days must be between 1 and 365 with lines.validity_start = \"at_install\""
            ),
            other => {
                anyhow::bail!("lines.validity_start {other:?} is not one of at_payment, at_install")
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub bind: String,
    /// The address subscribers reach us at; links in SMS and email start with it, and
    /// portal forms are accepted only from its origin (or, when it names no public
    /// host, from the host the browser used). When it is https, cookies are marked
    /// `Secure` and answers carry HSTS.
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
    /// Password hashes (registration, login, reset) computed at once; each takes
    /// about 19 MiB. Beyond it, requests wait briefly, then get 429 `busy`.
    pub max_concurrent_hashes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LocaleConfig {
    pub default_language: Locale,
    pub time_zone: String,
    pub currency: Currency,
    /// Where a phone number typed without its country code is from: `91234567` is read
    /// as `+85291234567` with `HK`.
    pub phone_region: PhoneRegion,
}

/// A numbering plan people type local numbers in: its country code and the length of
/// its national numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhoneRegion {
    /// Hong Kong: +852, eight digits.
    HK,
    /// Macau: +853, eight digits.
    MO,
    /// Mainland China: +86, eleven digits (mobiles).
    CN,
    /// Singapore: +65, eight digits.
    SG,
}

impl PhoneRegion {
    pub fn country_code(self) -> &'static str {
        match self {
            PhoneRegion::HK => "852",
            PhoneRegion::MO => "853",
            PhoneRegion::CN => "86",
            PhoneRegion::SG => "65",
        }
    }

    pub fn national_digits(self) -> usize {
        match self {
            PhoneRegion::CN => 11,
            PhoneRegion::HK | PhoneRegion::MO | PhoneRegion::SG => 8,
        }
    }
}

/// How messages leave. The transports default to unset: the outbox in demo mode;
/// outside demo the server will not start until one is chosen (`outbox` only when
/// said so).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
            max_concurrent_hashes: 4,
        }
    }
}

impl Default for LocaleConfig {
    fn default() -> Self {
        Self {
            default_language: Locale::ZhHk,
            time_zone: "Asia/Hong_Kong".into(),
            currency: Currency::HKD,
            phone_region: PhoneRegion::HK,
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
