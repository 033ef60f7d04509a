//! The sections about the operator's people: the back-office console (sessions,
//! enrolment links, staff passwords, four-eyes) and the support contact subscribers see.

use anyhow::bail;
use serde::{Deserialize, Serialize};

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

impl ConsoleConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.session_hours <= 0
            || self.idle_minutes <= 0
            || self.enrolment_hours <= 0
            || self.idle_minutes > self.session_hours * 60
        {
            bail!(
                "console.session_hours, console.idle_minutes and console.enrolment_hours must be positive, and the idle timeout no longer than the session"
            );
        }
        if self.approval_above < 0 {
            bail!("console.approval_above must be zero or more minor units");
        }
        if self.min_password_length < 12 {
            bail!("console.min_password_length must be at least 12");
        }
        Ok(())
    }
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
/// every error page. Any part may be left empty; nothing is shown when all are. Also
/// the support cases' service levels and limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SupportConfig {
    /// A phone number in international form: `+852 3000 1234`.
    pub phone: String,
    pub email: String,
    /// A WhatsApp number in international form, linked as `https://wa.me/<digits>`.
    pub whatsapp: String,
    /// When someone answers, as the operator writes it: `Mon–Fri 09:00–18:00`.
    pub hours: String,
    /// A support case gets its first staff reply within this many hours (the
    /// subscriber is told to expect it by then; later is overdue in the console).
    pub first_response_hours: i64,
    /// …and is resolved within this many.
    pub resolution_hours: i64,
    /// A resolved case with no word from the subscriber closes after this many days.
    pub auto_close_days: i64,
    /// Largest image a subscriber may attach to a case.
    pub max_attachment_bytes: usize,
    /// Most cases one account may open in a day.
    pub max_cases_per_day: i64,
}

impl Default for SupportConfig {
    fn default() -> Self {
        Self {
            phone: String::new(),
            email: String::new(),
            whatsapp: String::new(),
            hours: String::new(),
            first_response_hours: 8,
            resolution_hours: 72,
            auto_close_days: 7,
            max_attachment_bytes: 5 * 1024 * 1024,
            max_cases_per_day: 10,
        }
    }
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
        if !(1..=24 * 30).contains(&self.first_response_hours)
            || !(self.first_response_hours..=24 * 365).contains(&self.resolution_hours)
        {
            anyhow::bail!(
                "support.first_response_hours must be 1–720 and support.resolution_hours at least that, at most 8760"
            );
        }
        if !(1..=365).contains(&self.auto_close_days) {
            anyhow::bail!("support.auto_close_days must be 1–365");
        }
        if !(10_240..=20 * 1024 * 1024).contains(&self.max_attachment_bytes) {
            anyhow::bail!(
                "support.max_attachment_bytes must be 10240 (10 KiB) to 20971520 (20 MiB)"
            );
        }
        if !(1..=1000).contains(&self.max_cases_per_day) {
            anyhow::bail!("support.max_cases_per_day must be 1–1000");
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
            ..SupportConfig::default()
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
            SupportConfig {
                auto_close_days: 0,
                ..SupportConfig::default()
            },
            SupportConfig {
                first_response_hours: 10,
                resolution_hours: 5,
                ..SupportConfig::default()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        assert_eq!(SupportConfig::digits("+852 3000-1234"), "85230001234");
    }
}
