//! `AEAD_AES_256_GCM` with the APIv3 key: how WeChat Pay seals a notification's
//! `resource` (wechatpayv3 `utils.aes_decrypt`). The key is the 32 ASCII bytes of the
//! APIv3 key, the nonce the 12 bytes of `resource.nonce`, the associated data
//! `resource.associated_data`, and `ciphertext` is base64 of ciphertext ‖ 16-byte tag.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AeadError {
    #[error("the APIv3 key must be 32 bytes")]
    Key,
    #[error("the nonce must be 12 bytes")]
    Nonce,
    #[error("ciphertext is not base64")]
    Encoding,
    #[error("decryption failed")]
    Open,
}

/// The APIv3 key, checked once; its `Debug` shows nothing of it.
pub struct ApiV3Key(LessSafeKey);

impl std::fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiV3Key([redacted])")
    }
}

impl ApiV3Key {
    pub fn new(key: &str) -> Result<Self, AeadError> {
        let bytes = key.as_bytes();
        if bytes.len() != 32 {
            return Err(AeadError::Key);
        }
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| AeadError::Key)?;
        Ok(Self(LessSafeKey::new(unbound)))
    }

    pub fn decrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        ciphertext: &str,
    ) -> Result<Vec<u8>, AeadError> {
        let nonce =
            Nonce::try_assume_unique_for_key(nonce.as_bytes()).map_err(|_| AeadError::Nonce)?;
        let mut sealed = STANDARD
            .decode(ciphertext)
            .map_err(|_| AeadError::Encoding)?;
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(associated_data.as_bytes()), &mut sealed)
            .map_err(|_| AeadError::Open)?;
        Ok(plain.to_vec())
    }

    /// Seals as WeChat Pay does (for tests and the local fake); base64 out.
    pub fn encrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        plaintext: &[u8],
    ) -> Result<String, AeadError> {
        let nonce =
            Nonce::try_assume_unique_for_key(nonce.as_bytes()).map_err(|_| AeadError::Nonce)?;
        let mut buffer = plaintext.to_vec();
        self.0
            .seal_in_place_append_tag(nonce, Aad::from(associated_data.as_bytes()), &mut buffer)
            .map_err(|_| AeadError::Open)?;
        Ok(STANDARD.encode(buffer))
    }
}
