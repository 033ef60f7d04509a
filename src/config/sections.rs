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

/// The back-office console's sessions and enrolment links.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// A console session ends this long after its login, used or not.
    pub session_hours: i64,
    /// …and this long after its last request.
    pub idle_minutes: i64,
    /// An enrolment link (`datacard staff create`) works this long.
    pub enrolment_hours: i64,
    /// Staff passwords are at least this long.
    pub min_password_length: usize,
    /// Refunds and wallet adjustments above this many minor units wait for a second
    /// staff member (finance or admin) to approve them.
    pub approval_above: i64,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            session_hours: 10,
            idle_minutes: 30,
            enrolment_hours: 24,
            min_password_length: 12,
            approval_above: 50_000,
        }
    }
}

/// How subscribers reach the operator's people: shown in the portal's footer and on
/// every error page. Any part may be left empty; nothing is shown when all are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SupportConfig {
    /// A phone number in international form: `+852 3000 1234`.
    pub phone: String,
    pub email: String,
    /// A WhatsApp number in international form, linked as `https://wa.me/<digits>`.
    pub whatsapp: String,
    /// When someone answers, as the operator writes it: `Mon–Fri 09:00–18:00`.
    pub hours: String,
}

impl SupportConfig {
    pub fn is_empty(&self) -> bool {
        self.phone.is_empty() && self.email.is_empty() && self.whatsapp.is_empty()
    }

    /// The digits of an international number (`+852 3000 1234` → `85230001234`).
    pub fn digits(number: &str) -> String {
        number.chars().filter(char::is_ascii_digit).collect()
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        for (name, number) in [("phone", &self.phone), ("whatsapp", &self.whatsapp)] {
            let well_formed = number.starts_with('+')
                && number[1..]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
                && (8..=15).contains(&Self::digits(number).len());
            if !number.is_empty() && !well_formed {
                anyhow::bail!(
                    "support.{name} {number:?} must be an international number: + then 8–15 digits, e.g. \"+852 3000 1234\""
                );
            }
        }
        let email_ok = self.email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        }) && !self.email.contains(char::is_whitespace);
        if !self.email.is_empty() && !email_ok {
            anyhow::bail!("support.email {:?} is not an email address", self.email);
        }
        if self.hours.chars().count() > 80 {
            anyhow::bail!("support.hours is longer than 80 characters");
        }
        if !self.hours.is_empty() && self.is_empty() {
            anyhow::bail!("support.hours is set but no phone, email or whatsapp to reach");
        }
        Ok(())
    }
}

#[cfg(test)]
mod support_tests {
    use super::SupportConfig;

    fn support(phone: &str, email: &str, whatsapp: &str, hours: &str) -> SupportConfig {
        SupportConfig {
            phone: phone.into(),
            email: email.into(),
            whatsapp: whatsapp.into(),
            hours: hours.into(),
        }
    }

    #[test]
    fn a_support_contact_is_checked() {
        assert!(SupportConfig::default().validate().is_ok());
        assert!(
            support(
                "+852 3000 1234",
                "help@example.hk",
                "+852 6000-1234",
                "09:00–18:00"
            )
            .validate()
            .is_ok()
        );
        for bad in [
            support("3000 1234", "", "", ""),
            support("+852 30OO 1234", "", "", ""),
            support("+1", "", "", ""),
            support("", "help", "", ""),
            support("", "help@localhost", "", ""),
            support("", "a b@example.hk", "", ""),
            support("", "", "6000 1234", ""),
            support("", "", "", "09:00–18:00"),
            support("+852 3000 1234", "", "", &"x".repeat(81)),
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        assert_eq!(SupportConfig::digits("+852 3000-1234"), "85230001234");
    }
}
