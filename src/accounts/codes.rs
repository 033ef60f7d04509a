//! Verification codes sent by SMS (or email): six digits, stored only as a keyed hash,
//! valid for a limited time and a limited number of tries, and rate limited.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::config::AccountsConfig;
use crate::error::Code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Register,
    ResetPassword,
    ChangePhone,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::ResetPassword => "reset_password",
            Purpose::ChangePhone => "change_phone",
        }
    }

    pub fn parse(text: &str) -> Option<Purpose> {
        [
            Purpose::Register,
            Purpose::ResetPassword,
            Purpose::ChangePhone,
        ]
        .into_iter()
        .find(|purpose| purpose.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct CodePolicy {
    pub ttl: Duration,
    pub max_attempts: i64,
    pub resend_cooldown: Duration,
    pub per_destination_per_hour: i64,
    pub per_client_per_hour: i64,
}

impl From<&AccountsConfig> for CodePolicy {
    fn from(config: &AccountsConfig) -> Self {
        Self {
            ttl: Duration::seconds(config.code_ttl_secs),
            max_attempts: config.code_max_attempts,
            resend_cooldown: Duration::seconds(config.code_resend_cooldown_secs),
            per_destination_per_hour: config.codes_per_phone_per_hour,
            per_client_per_hour: config.codes_per_client_per_hour,
        }
    }
}

/// What has been sent recently, as far as the limits care.
#[derive(Debug, Clone, Default)]
pub struct SendHistory {
    pub last_to_destination: Option<DateTime<Utc>>,
    /// Sent in the last hour, oldest first.
    pub to_destination_last_hour: Vec<DateTime<Utc>>,
    pub from_client_last_hour: Vec<DateTime<Utc>>,
}

impl CodePolicy {
    /// `Err(seconds)` when another code may not be sent yet.
    pub fn may_send(&self, history: &SendHistory, now: DateTime<Utc>) -> Result<(), i64> {
        let hour = Duration::hours(1);
        let mut wait = Duration::zero();
        if let Some(last) = history.last_to_destination {
            wait = wait.max(last + self.resend_cooldown - now);
        }
        for (sent, limit) in [
            (
                &history.to_destination_last_hour,
                self.per_destination_per_hour,
            ),
            (&history.from_client_last_hour, self.per_client_per_hour),
        ] {
            let limit = usize::try_from(limit).unwrap_or(0);
            if sent.len() >= limit {
                // The slot frees when the oldest send that keeps us at the limit ages out.
                let index = sent.len() - limit;
                if let Some(oldest) = sent.get(index) {
                    wait = wait.max(*oldest + hour - now);
                }
            }
        }
        if wait > Duration::zero() {
            Err((wait.num_milliseconds() + 999) / 1000)
        } else {
            Ok(())
        }
    }

    /// Judges a code entry against the stored record.
    pub fn check(
        &self,
        record: &CodeRecord,
        entered_matches: bool,
        now: DateTime<Utc>,
    ) -> CodeCheck {
        if record.closed {
            CodeCheck::Expired
        } else if record.attempts >= self.max_attempts {
            CodeCheck::Exhausted
        } else if now >= record.expires_at {
            CodeCheck::Expired
        } else if entered_matches {
            CodeCheck::Valid
        } else {
            CodeCheck::Wrong
        }
    }
}

#[derive(Debug, Clone)]
pub struct CodeRecord {
    pub expires_at: DateTime<Utc>,
    pub attempts: i64,
    /// Used, or replaced by a newer code.
    pub closed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Valid,
    Wrong,
    Expired,
    Exhausted,
}

impl CodeCheck {
    /// The error a code that fails this check is refused with.
    pub fn error_code(self) -> Option<Code> {
        match self {
            CodeCheck::Valid => None,
            CodeCheck::Wrong => Some(Code::InvalidCode),
            CodeCheck::Expired => Some(Code::CodeExpired),
            CodeCheck::Exhausted => Some(Code::CodeAttemptsExceeded),
        }
    }
}

pub fn generate() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// Keyed so that a stolen database does not give the codes away by brute force.
pub fn hash(secret: &[u8], purpose: Purpose, destination: &str, code: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| {
        // HMAC takes keys of any length; this branch cannot be reached.
        <Hmac<Sha256> as Mac>::new_from_slice(b"datacard").unwrap_or_else(|_| unreachable!())
    });
    for part in [purpose.as_str(), destination, code] {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    hex::encode(mac.finalize().into_bytes())
}

/// A well-formed entry: exactly six ASCII digits.
pub fn is_well_formed(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> CodePolicy {
        CodePolicy::from(&AccountsConfig::default())
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn resend_waits_for_the_cooldown() {
        let history = SendHistory {
            last_to_destination: Some(at(0)),
            to_destination_last_hour: vec![at(0)],
            from_client_last_hour: vec![at(0)],
        };
        assert_eq!(policy().may_send(&history, at(10)), Err(50));
        assert_eq!(policy().may_send(&history, at(60)), Ok(()));
    }

    #[test]
    fn hourly_limit_per_destination_and_client() {
        let sent: Vec<_> = (0..5).map(|n| at(n * 120)).collect();
        let history = SendHistory {
            last_to_destination: sent.last().copied(),
            to_destination_last_hour: sent.clone(),
            from_client_last_hour: sent,
        };
        // The sixth code waits until the first one is an hour old.
        assert_eq!(policy().may_send(&history, at(700)), Err(3600 - 700));
        let busy_client = SendHistory {
            from_client_last_hour: (0..20).map(at).collect(),
            ..SendHistory::default()
        };
        assert!(policy().may_send(&busy_client, at(100)).is_err());
    }

    #[test]
    fn codes_expire_and_run_out_of_tries() {
        let record = CodeRecord {
            expires_at: at(600),
            attempts: 0,
            closed: false,
        };
        assert_eq!(policy().check(&record, true, at(599)), CodeCheck::Valid);
        assert_eq!(policy().check(&record, false, at(1)), CodeCheck::Wrong);
        assert_eq!(policy().check(&record, true, at(600)), CodeCheck::Expired);
        let tried = CodeRecord {
            attempts: 5,
            ..record.clone()
        };
        assert_eq!(policy().check(&tried, true, at(1)), CodeCheck::Exhausted);
        let used = CodeRecord {
            closed: true,
            ..record
        };
        assert_eq!(policy().check(&used, true, at(1)), CodeCheck::Expired);
    }

    #[test]
    fn codes_are_six_digits_and_hashes_bind_purpose_and_destination() {
        for _ in 0..100 {
            assert!(is_well_formed(&generate()));
        }
        let a = hash(b"k", Purpose::Register, "+85291234567", "123456");
        assert_ne!(
            a,
            hash(b"k", Purpose::ResetPassword, "+85291234567", "123456")
        );
        assert_ne!(a, hash(b"k", Purpose::Register, "+85291234568", "123456"));
        assert_ne!(
            a,
            hash(b"other", Purpose::Register, "+85291234567", "123456")
        );
        assert!(
            !is_well_formed("12345")
                && !is_well_formed("12345a")
                && !is_well_formed("１２３４５６")
        );
    }
}
