//! Identifiers: a short type prefix and 26 characters of time-ordered randomness
//! (48 bits of milliseconds, 80 random bits, Crockford base32), e.g. `acc_01JD…`.

use chrono::{DateTime, Utc};
use rand::RngCore;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

pub fn new_id(prefix: &str, now: DateTime<Utc>) -> String {
    let millis = u128::from(u64::try_from(now.timestamp_millis()).unwrap_or(0) & 0xFFFF_FFFF_FFFF);
    let mut random = [0u8; 10];
    rand::rng().fill_bytes(&mut random);
    let mut value = millis << 80;
    for (i, byte) in random.iter().enumerate() {
        value |= u128::from(*byte) << (72 - 8 * i);
    }
    // Monotonic within the millisecond, so that ids made one after another sort so.
    {
        static LAST: std::sync::Mutex<u128> = std::sync::Mutex::new(0);
        let mut last = LAST
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if value >> 80 == *last >> 80 && value <= *last {
            value = *last + 1;
        }
        *last = value;
    }
    let mut out = String::with_capacity(prefix.len() + 27);
    out.push_str(prefix);
    out.push('_');
    for i in (0..26).rev() {
        let index = ((value >> (5 * i)) & 31) as usize;
        out.push(char::from(ALPHABET[index]));
    }
    out
}

/// A random secret token (for sessions, CSRF, API keys), URL-safe base64 of 32 bytes.
pub fn new_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_unique_and_time_ordered() {
        let earlier = new_id(
            "acc",
            DateTime::from_timestamp_millis(1_700_000_000_000).unwrap(),
        );
        let later = new_id(
            "acc",
            DateTime::from_timestamp_millis(1_700_000_000_001).unwrap(),
        );
        assert!(earlier.starts_with("acc_"));
        assert_eq!(earlier.len(), 30);
        assert!(earlier < later);
        let now = Utc::now();
        assert_ne!(new_id("acc", now), new_id("acc", now));
    }
}
