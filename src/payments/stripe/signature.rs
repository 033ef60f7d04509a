//! The `Stripe-Signature` header: `t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]`,
//! where each `v1` is HMAC-SHA256, keyed with the whole `whsec_…` string, over
//! `"<t>.<raw body>"`. Any `v1` may match (Stripe sends two while a secret is
//! rolled); other schemes are ignored. Checked against stripe-python's
//! `WebhookSignature` by the vectors in `tests/fixtures/stripe/`.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const HEADER: &str = "stripe-signature";

/// How far the signed time may be from ours, either way. stripe-python only refuses
/// stale timestamps (`t < now − 300`); a timestamp from the future is as suspect
/// (a wrong clock or a forged header), so we refuse both.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a signature was refused; the messages name no secret and no body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no webhook secret is configured")]
    NoSecret,
    #[error("the header has no timestamp")]
    NoTimestamp,
    #[error("the header has no v1 signature")]
    NoSignature,
    #[error("no v1 signature matches")]
    Mismatch,
    #[error("the timestamp is outside the tolerance")]
    Stale,
}

/// Checks `header` against `body` at `now`; returns the signed timestamp.
pub fn verify(
    secret: &str,
    header: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<i64, SignatureError> {
    if secret.trim().is_empty() {
        return Err(SignatureError::NoSecret);
    }
    // The first `t` counts, as in stripe-python.
    let mut timestamp: Option<Option<i64>> = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        match item.split_once('=') {
            Some(("t", value)) if timestamp.is_none() => timestamp = Some(value.parse().ok()),
            Some(("v1", value)) => signatures.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.flatten().ok_or(SignatureError::NoTimestamp)?;
    if signatures.is_empty() {
        return Err(SignatureError::NoSignature);
    }
    // Compared as lower-case hex text, as stripe-python does.
    let expected = hex::encode(mac(secret, timestamp, body));
    let matches = signatures
        .iter()
        .fold(subtle::Choice::from(0), |found, candidate| {
            found | candidate.as_bytes().ct_eq(expected.as_bytes())
        });
    if !bool::from(matches) {
        return Err(SignatureError::Mismatch);
    }
    if (now.timestamp() - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    Ok(timestamp)
}

/// The header Stripe would send for `body` signed at `timestamp` (for tests, demos
/// and tools that play Stripe's part).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac(secret, timestamp, body))
    )
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap_or_default()
    }

    /// stripe-python 16.1.0 `WebhookSignature.generate_signature_header`
    /// (shared/research/payments.md §1.4).
    #[test]
    fn the_documented_vector() {
        let body = br#"{"id":"evt_test","object":"event","type":"payment_intent.succeeded"}"#;
        let header =
            "t=1700000000,v1=f457ee3d89f52f9f02936e1cd1173dd5dfa132cdc78ec55ea964a53098c5a1c0";
        assert_eq!(sign("whsec_test_secret", 1_700_000_000, body), header);
        assert_eq!(
            verify("whsec_test_secret", header, body, at(1_700_000_100)),
            Ok(1_700_000_000)
        );
    }

    #[test]
    fn any_v1_may_match_and_other_schemes_are_ignored() {
        let body = b"{}";
        let good = sign("whsec_new", 1000, body);
        let good_v1 = good.split_once(",v1=").map(|(_, v)| v).unwrap_or("");
        let header = format!("t=1000,v0=00,v1={},v1={good_v1}", "ab".repeat(32));
        assert_eq!(verify("whsec_new", &header, body, at(1000)), Ok(1000));
    }

    #[test]
    fn refusals() {
        let body = b"{\"a\":1}";
        let header = sign("whsec_x", 1000, body);
        assert_eq!(
            verify("whsec_y", &header, body, at(1000)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("whsec_x", &header, b"{\"a\":2}", at(1000)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("whsec_x", &header, body, at(1301)),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify("whsec_x", &header, body, at(699)),
            Err(SignatureError::Stale)
        );
        assert_eq!(verify("whsec_x", &header, body, at(1300)), Ok(1000));
        assert_eq!(
            verify("", &header, body, at(1000)),
            Err(SignatureError::NoSecret)
        );
        assert_eq!(
            verify("whsec_x", "v1=00", body, at(1000)),
            Err(SignatureError::NoTimestamp)
        );
        assert_eq!(
            verify("whsec_x", "t=1000", body, at(1000)),
            Err(SignatureError::NoSignature)
        );
        let upper = header
            .to_ascii_uppercase()
            .replace("T=", "t=")
            .replace("V1=", "v1=");
        assert_eq!(
            verify("whsec_x", &upper, body, at(1000)),
            Err(SignatureError::Mismatch)
        );
    }
}
