//! RSA PKCS#1 v1.5 with SHA-256: the signature of Alipay's RSA2 and of WeChat Pay's
//! `WECHATPAY2-SHA256-RSA2048`. Keys come as PEM or as the bare base64 the providers'
//! consoles hand out.
//!
//! The crates: `ring` signs (PKCS#8 or PKCS#1 private keys) and verifies, in constant
//! time, and is already built for rustls. It verifies only bare `RSAPublicKey`s, so
//! SPKI public keys and X.509 certificates are read by `rustls-webpki` (which then
//! calls `ring`), and PEM armour by `rustls-pki-types`; both are also already built
//! for rustls. The RustCrypto `rsa` crate would read every key format itself, but its
//! private-key operations are not constant time (RUSTSEC-2023-0071, no fixed release).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls_pki_types::pem::{PemObject, SectionKind};
use rustls_pki_types::{CertificateDer, SubjectPublicKeyInfoDer};
use webpki::{EndEntityCert, RawPublicKeyEntity};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("not PEM or base64")]
    Encoding,
    #[error("expected {0}")]
    Kind(&'static str),
    #[error("not an RSA key of 2048 to 4096 bits ({0})")]
    Rejected(String),
    #[error("signing failed")]
    Sign,
}

/// A private key that signs; its `Debug` shows nothing of it.
pub struct SigningKey {
    pair: RsaKeyPair,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey([redacted])")
    }
}

impl SigningKey {
    /// `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1) PEM, or either as bare base64.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let (kind, der) = decode(text)?;
        let pkcs8 = |der: &[u8]| RsaKeyPair::from_pkcs8(der);
        let pkcs1 = |der: &[u8]| RsaKeyPair::from_der(der);
        let pair = match kind {
            Some(SectionKind::PrivateKey) => pkcs8(&der),
            Some(SectionKind::RsaPrivateKey) => pkcs1(&der),
            None => pkcs8(&der).or_else(|_| pkcs1(&der)),
            Some(_) => return Err(KeyError::Kind("an RSA private key")),
        }
        .map_err(|error| KeyError::Rejected(error.to_string()))?;
        Ok(Self { pair })
    }

    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| KeyError::Sign)?;
        Ok(signature)
    }

    /// The signature in standard base64, as both providers carry it.
    pub fn sign_base64(&self, message: &[u8]) -> Result<String, KeyError> {
        self.sign(message).map(|s| STANDARD.encode(s))
    }
}

/// A public key that checks signatures, kept as its SPKI DER.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    spki: Vec<u8>,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({} bytes)", self.spki.len())
    }
}

impl VerifyingKey {
    /// `PUBLIC KEY` (SPKI) or `CERTIFICATE` PEM, or an SPKI as bare base64.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let (kind, der) = decode(text)?;
        let spki = match kind {
            Some(SectionKind::PublicKey) | None => der,
            Some(SectionKind::Certificate) => {
                let certificate = CertificateDer::from(der);
                EndEntityCert::try_from(&certificate)
                    .map_err(|error| KeyError::Rejected(error.to_string()))?
                    .subject_public_key_info()
                    .as_ref()
                    .to_vec()
            }
            Some(_) => return Err(KeyError::Kind("a PUBLIC KEY or CERTIFICATE")),
        };
        let view = SubjectPublicKeyInfoDer::from(spki.as_slice());
        RawPublicKeyEntity::try_from(&view)
            .map_err(|error| KeyError::Rejected(error.to_string()))?;
        Ok(Self { spki })
    }

    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let spki = SubjectPublicKeyInfoDer::from(self.spki.as_slice());
        let Ok(entity) = RawPublicKeyEntity::try_from(&spki) else {
            return false;
        };
        entity
            .verify_signature(webpki::ring::RSA_PKCS1_2048_8192_SHA256, message, signature)
            .is_ok()
    }

    /// A standard-base64 signature; bad base64 simply does not verify.
    pub fn verify_base64(&self, message: &[u8], signature: &str) -> bool {
        STANDARD
            .decode(signature.trim())
            .is_ok_and(|signature| self.verify(message, &signature))
    }
}

fn decode(text: &str) -> Result<(Option<SectionKind>, Vec<u8>), KeyError> {
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        let (kind, der) = <(SectionKind, Vec<u8>)>::from_pem_slice(text.as_bytes())
            .map_err(|_| KeyError::Encoding)?;
        return Ok((Some(kind), der));
    }
    // Alipay's console and key tool give keys as bare base64, without PEM armour.
    let compact: String = text.split_whitespace().collect();
    let der = STANDARD.decode(compact).map_err(|_| KeyError::Encoding)?;
    Ok((None, der))
}
