//! Password policy and argon2id hashing. Passwords are never logged: they only
//! exist as `Password`, whose `Debug` is redacted.

use std::fmt;

use std::sync::Arc;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{Code, Error};

/// How long a hash may wait for one of the capped hashers before the answer is
/// "busy, try again": long enough for a queue of ordinary logins, short enough that
/// a flood is turned away instead of piling up memory.
const HASHER_WAIT: Duration = Duration::from_millis(500);

/// Beyond this, hashing becomes a denial-of-service lever.
const MAX_LENGTH: usize = 256;

const COMMON: &[&str] = &[
    "password",
    "password1",
    "password123",
    "1234567890",
    "12345678",
    "123456789",
    "qwertyuiop",
    "iloveyou",
    "abcdefghij",
    "qwerty123",
    "1q2w3e4r5t",
    "letmein123",
    "datacard123",
];

#[derive(Clone)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl Password {
    /// Enforces the policy: long enough, not absurdly long, not one repeated
    /// character, not a well-known password, not the phone or email itself.
    pub fn new(input: &str, min_length: usize, personal: &[&str]) -> Result<Password, Error> {
        let weak = || Error::invalid(Code::WeakPassword).on_field("password");
        let length = input.chars().count();
        if length < min_length || input.len() > MAX_LENGTH {
            return Err(weak());
        }
        let mut chars = input.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err(weak());
        }
        let lowered = input.to_lowercase();
        if COMMON.contains(&lowered.as_str()) {
            return Err(weak());
        }
        if personal
            .iter()
            .any(|p| !p.is_empty() && lowered.contains(&p.to_lowercase()))
        {
            return Err(weak());
        }
        Ok(Password(input.to_owned()))
    }

    /// Hashes on a blocking thread, under the process-wide cap: argon2 is slow and
    /// memory-hungry on purpose and must neither stall the async workers nor run for
    /// every request at once.
    pub async fn hash_off_thread(&self, hashers: &Arc<Semaphore>) -> Result<String, Error> {
        let permit = hasher(hashers).await?;
        let password = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            password.hash()
        })
        .await
        .map_err(Error::internal)?
    }

    pub fn hash(&self) -> Result<String, Error> {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| Error::internal(anyhow::anyhow!("password hashing failed: {e}")))
    }
}

/// [`verify`] on a blocking thread, under the same cap as hashing.
pub async fn verify_off_thread(
    hashers: &Arc<Semaphore>,
    candidate: &str,
    stored_hash: Option<String>,
) -> Result<bool, Error> {
    let permit = hasher(hashers).await?;
    let candidate = candidate.to_owned();
    Ok(tokio::task::spawn_blocking(move || {
        let _permit = permit;
        verify(&candidate, stored_hash.as_deref())
    })
    .await
    .unwrap_or(false))
}

/// One of the capped hashers, or `busy` when none frees up soon enough.
async fn hasher(hashers: &Arc<Semaphore>) -> Result<OwnedSemaphorePermit, Error> {
    match tokio::time::timeout(HASHER_WAIT, hashers.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(closed)) => Err(Error::internal(closed)),
        Err(_) => {
            tracing::warn!("password hashers busy; request turned away");
            Err(Error::rate_limited(Code::Busy, 1))
        }
    }
}

/// Checks a login attempt. Unknown accounts are checked against a fixed hash so that
/// both answers take the same time.
pub fn verify(candidate: &str, stored_hash: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        Password("not-a-real-password-0".into())
            .hash()
            .unwrap_or_default()
    });
    let candidate = &candidate.as_bytes()[..candidate.len().min(MAX_LENGTH)];
    let hash_text = stored_hash.unwrap_or(dummy);
    let Ok(parsed) = PasswordHash::new(hash_text) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(candidate, &parsed)
        .is_ok();
    matches && stored_hash.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_refuses_weak_passwords() {
        for weak in [
            "short",
            "aaaaaaaaaaaa",
            "Password123",
            "1234567890",
            &"x".repeat(300),
        ] {
            assert_eq!(
                Password::new(weak, 10, &[]).unwrap_err().code,
                Code::WeakPassword,
                "{weak}"
            );
        }
        let err = Password::new("my+85291234567pw", 10, &["+85291234567"]).unwrap_err();
        assert_eq!(err.code, Code::WeakPassword);
        assert!(Password::new("青馬大橋 sunset 2026", 10, &["+85291234567"]).is_ok());
    }

    #[test]
    fn hash_verifies_only_the_same_password() {
        let password = Password::new("correct horse battery", 10, &[]).unwrap();
        let hash = password.hash().unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&hash)));
        assert!(!verify("correct horse batterY", Some(&hash)));
        assert!(!verify("correct horse battery", None));
        assert!(!format!("{password:?}").contains("horse"));
    }
}
