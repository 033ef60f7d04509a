//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, six digits, 30-second steps),
//! as every authenticator app reads them from an `otpauth://` link or its QR code.
//! A code is accepted for its own step and one step either side (clock drift); the
//! step it matched is returned so that a login can refuse a code used before.

use chrono::{DateTime, Utc};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

pub const STEP_SECS: i64 = 30;
const DIGITS: usize = 6;
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// A new random secret.
pub(super) fn new_secret() -> Vec<u8> {
    use rand::RngCore;
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut secret);
    secret
}

/// The secret as authenticator apps take it typed: base32 without padding.
pub fn base32(secret: &[u8]) -> String {
    match Secret::Raw(secret.to_vec()).to_encoded() {
        Secret::Encoded(text) => text.trim_end_matches('=').to_owned(),
        Secret::Raw(_) => String::new(),
    }
}

fn generator(secret: &[u8]) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECS as u64,
        secret.to_vec(),
    )
}

/// The 30-second step `at` falls in.
pub fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECS)
}

/// The code an authenticator shows at `at` (demo logins and tests).
pub fn code_at(secret: &[u8], at: DateTime<Utc>) -> String {
    generator(secret).generate(u64::try_from(step_of(at) * STEP_SECS).unwrap_or(0))
}

/// The step `code` is the code of, at `now` or one step either side.
pub(super) fn matching_step(secret: &[u8], code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = generator(secret);
    let now_step = step_of(now);
    // Every candidate is computed and compared, so the time taken tells nothing.
    let mut found = None;
    for step in [now_step - 1, now_step, now_step + 1] {
        let Ok(time) = u64::try_from(step * STEP_SECS) else {
            continue;
        };
        if bool::from(totp.generate(time).as_bytes().ct_eq(code.as_bytes())) {
            found = Some(step);
        }
    }
    found
}

/// `otpauth://totp/<issuer>:<email>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`,
/// the link (and QR code) authenticator apps enrol from.
pub fn otpauth_uri(issuer: &str, email: &str, secret: &[u8]) -> String {
    let label = format!("{issuer}:{email}");
    let query = serde_urlencoded::to_string([
        ("secret", base32(secret).as_str()),
        ("issuer", issuer),
        ("algorithm", "SHA1"),
        ("digits", "6"),
        ("period", "30"),
    ])
    .unwrap_or_default();
    format!("otpauth://totp/{}?{query}", percent_encode(&label))
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' | b':' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B: the SHA-1 secret "12345678901234567890" (eight-digit codes
    /// there; the last six of each are ours).
    #[test]
    fn matches_the_rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        for (unix, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            let at = DateTime::from_timestamp(unix, 0).unwrap();
            assert_eq!(code_at(secret, at), &eight[2..], "at {unix}");
        }
    }

    #[test]
    fn accepts_one_step_of_drift_and_no_more() {
        let secret = new_secret();
        let now = DateTime::from_timestamp(1_800_000_015, 0).unwrap();
        let step = step_of(now);
        let at = |offset: i64| {
            DateTime::from_timestamp(now.timestamp() + offset * STEP_SECS, 0).unwrap()
        };
        assert_eq!(
            matching_step(&secret, &code_at(&secret, now), now),
            Some(step)
        );
        assert_eq!(
            matching_step(&secret, &code_at(&secret, at(-1)), now),
            Some(step - 1)
        );
        assert_eq!(
            matching_step(&secret, &code_at(&secret, at(1)), now),
            Some(step + 1)
        );
        let old = code_at(&secret, at(-2));
        if old != code_at(&secret, now)
            && old != code_at(&secret, at(-1))
            && old != code_at(&secret, at(1))
        {
            assert_eq!(matching_step(&secret, &old, now), None);
        }
        for bad in ["", "12345", "1234567", "abcdef", "12 34 5x", "１２３４５６"] {
            assert_eq!(matching_step(&secret, bad, now), None, "{bad}");
        }
        let spaced = code_at(&secret, now);
        let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
        assert_eq!(matching_step(&secret, &spaced, now), Some(step));
    }

    #[test]
    fn the_otpauth_link_carries_the_base32_secret() {
        let uri = otpauth_uri("datacard HK", "ops@example.com", b"12345678901234567890");
        assert_eq!(
            uri,
            "otpauth://totp/datacard%20HK:ops@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=datacard+HK&algorithm=SHA1&digits=6&period=30"
        );
    }
}
