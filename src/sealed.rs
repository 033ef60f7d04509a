//! Secrets kept in the database sealed with AES-256-GCM under a key derived from the
//! server secret (`security.secret`): a copy of the database alone reveals none of
//! them. Each use has its own key (`purpose`), and each sealed value is bound to the
//! row it belongs to (`context`, the associated data), so a value copied into another
//! row or column does not open.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use sha2::Sha256;

/// What a sealed value starts with: the format's version.
const VERSION: &str = "v1.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a sealed value did not open: wrong key, wrong row or damaged")]
pub struct Unsealable;

/// The key for one purpose; its `Debug` shows nothing of it.
pub struct Sealer(LessSafeKey);

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer([redacted])")
    }
}

impl Sealer {
    /// The key for `purpose` (e.g. `staff totp`), derived from the server secret.
    pub fn derive(secret: &[u8], purpose: &str) -> Sealer {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(b"datacard sealed v1: ");
        mac.update(purpose.as_bytes());
        let key = mac.finalize().into_bytes();
        let unbound = UnboundKey::new(&AES_256_GCM, &key)
            .unwrap_or_else(|_| unreachable!("an HMAC-SHA256 output is a 32-byte AES key"));
        Sealer(LessSafeKey::new(unbound))
    }

    /// `v1.<base64url(nonce ‖ ciphertext ‖ tag)>`, bound to `context`.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut sealed = plaintext.to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut sealed,
            )
            .unwrap_or_else(|_| unreachable!("AES-GCM seals any length a row holds"));
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{VERSION}{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// The plaintext of a value [`Sealer::seal`] made with this key and `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, Unsealable> {
        let encoded = sealed.strip_prefix(VERSION).ok_or(Unsealable)?;
        let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| Unsealable)?;
        if bytes.len() < NONCE_LEN {
            return Err(Unsealable);
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| Unsealable)?;
        let mut rest = rest.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut rest)
            .map_err(|_| Unsealable)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_what_it_sealed_and_nothing_else() {
        let sealer = Sealer::derive(b"server secret", "staff totp");
        let sealed = sealer.seal(b"JBSWY3DPEHPK3PXP", "stf_1");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("JBSWY3DP"));
        assert_eq!(sealer.open(&sealed, "stf_1").unwrap(), b"JBSWY3DPEHPK3PXP");
        // Another row, another purpose, another server secret, a damaged value.
        assert_eq!(sealer.open(&sealed, "stf_2"), Err(Unsealable));
        let other_purpose = Sealer::derive(b"server secret", "identity");
        assert_eq!(other_purpose.open(&sealed, "stf_1"), Err(Unsealable));
        let other_secret = Sealer::derive(b"another secret", "staff totp");
        assert_eq!(other_secret.open(&sealed, "stf_1"), Err(Unsealable));
        let mut damaged = sealed.clone();
        damaged.pop();
        damaged.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(sealer.open(&damaged, "stf_1"), Err(Unsealable));
        assert_eq!(sealer.open("JBSWY3DPEHPK3PXP", "stf_1"), Err(Unsealable));
        assert_eq!(sealer.open("v1.", "stf_1"), Err(Unsealable));
    }

    #[test]
    fn the_same_secret_seals_differently_each_time() {
        let sealer = Sealer::derive(b"server secret", "staff totp");
        assert_ne!(sealer.seal(b"x", "a"), sealer.seal(b"x", "a"));
    }
}
