//! Identifiers: a short type prefix and 26 characters of time-ordered randomness
//! (48 bits of milliseconds, 80 random bits, Crockford base32), e.g. `acc_01JD…`.

use std::fmt;

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
    // Monotonic within the millisecond, so that ids made one after another sort so. The
    // last id is kept per millisecond (in a few slots, by its low bits), so ids made for
    // another time in between (a clock set by a test, several clocks in one process) do
    // not break the order of those made for this one.
    {
        const SLOTS: usize = 64;
        static LAST: std::sync::Mutex<[u128; SLOTS]> = std::sync::Mutex::new([0; SLOTS]);
        let mut last = LAST
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let slot = &mut last[(millis as usize) % SLOTS];
        if value >> 80 == *slot >> 80 && value <= *slot {
            value = *slot + 1;
        }
        *slot = value;
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

/// A typed identifier: each entity's ids are their own type over the same text form, so an
/// order id cannot be passed where an account id is expected. Storage keeps the text; the
/// owning module converts at its boundary (`from_stored`), the web layer at the path.
macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident = $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn generate(now: DateTime<Utc>) -> Self {
                Self(new_id($prefix, now))
            }

            /// An id read back from storage or given by a caller. Not checked: an id that
            /// names nothing simply finds nothing.
            pub fn from_stored(text: impl Into<String>) -> Self {
                Self(text.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

typed_id!(
    /// A subscriber's account.
    AccountId = "acc"
);
typed_id!(
    /// An order: a renewal, a new eSIM or a wallet top-up.
    OrderId = "ord"
);
typed_id!(
    /// One attempt to take an order's money at a provider.
    PaymentId = "pay"
);
typed_id!(
    /// A line's paid period.
    PeriodId = "per"
);
typed_id!(
    /// A ledger transaction.
    TransactionId = "ltx"
);
typed_id!(
    /// A background job.
    JobId = "job"
);

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

    #[test]
    fn ids_of_one_millisecond_stay_in_order_when_another_time_comes_between() {
        let fixed = DateTime::from_timestamp_millis(1_764_000_000_000).unwrap();
        let other = DateTime::from_timestamp_millis(1_600_000_000_123).unwrap();
        for _ in 0..200 {
            let first = new_id("ltx", fixed);
            let _between = new_id("ltx", other);
            let second = new_id("ltx", fixed);
            assert!(first < second, "{first} then {second}");
        }
    }
}
