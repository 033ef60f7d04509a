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
