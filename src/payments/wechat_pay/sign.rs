//! `WECHATPAY2-SHA256-RSA2048`, as wechatpayv3 (`utils.build_authorization`,
//! `rsa_verify`) and WeChat Pay's own SDKs apply it:
//!
//! - a request carries `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,
//!   signature=…,timestamp=…,serial_no=…`, the signature by the merchant key over
//!   `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`;
//! - an answer or a notification carries `Wechatpay-Timestamp`, `-Nonce`,
//!   `-Signature` and `-Serial`, the signature by the platform key that `-Serial`
//!   names over `TIMESTAMP\nNONCE\nBODY\n`.

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};

use crate::payments::rsa::{KeyError, SigningKey, VerifyingKey};

pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// Signed messages older or newer than this are refused (replays, skewed clocks).
pub const TOLERANCE_SECS: i64 = 300;

/// What a request's signature covers.
pub fn request_message(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> String {
    format!("{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n")
}

/// What an answer's or a notification's signature covers.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(body.len() + 64);
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(nonce.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

pub struct Merchant<'a> {
    pub mch_id: &'a str,
    pub serial: &'a str,
    pub key: &'a SigningKey,
}

/// The `Authorization` header of one request.
pub fn authorization(
    merchant: &Merchant<'_>,
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> Result<String, KeyError> {
    let message = request_message(method, path_and_query, timestamp, nonce, body);
    let signature = merchant.key.sign_base64(message.as_bytes())?;
    Ok(format!(
        "{SCHEME} mchid=\"{}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{}\"",
        merchant.mch_id, merchant.serial
    ))
}

/// The platform keys we trust, by serial (a certificate serial in hex, or a
/// `PUB_KEY_ID_…` for WeChat Pay public keys).
#[derive(Debug, Clone, Default)]
pub struct PlatformKeys(Vec<(String, VerifyingKey)>);

impl PlatformKeys {
    pub fn new(keys: Vec<(String, VerifyingKey)>) -> Self {
        Self(keys)
    }

    /// Serials compare without regard to case, as hex does.
    pub fn get(&self, serial: &str) -> Option<&VerifyingKey> {
        self.0
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(serial))
            .map(|(_, key)| key)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature headers missing")]
    Missing,
    #[error("unsupported signature type")]
    Scheme,
    #[error("timestamp outside tolerance")]
    Stale,
    #[error("unknown platform serial")]
    UnknownSerial,
    #[error("signature mismatch")]
    Mismatch,
}

impl SignatureError {
    pub fn reason(self) -> &'static str {
        match self {
            SignatureError::Missing => "signature headers missing",
            SignatureError::Scheme => "unsupported signature type",
            SignatureError::Stale => "timestamp outside tolerance",
            SignatureError::UnknownSerial => "unknown platform serial",
            SignatureError::Mismatch => "signature mismatch",
        }
    }
}

/// Checks the `Wechatpay-*` headers over `body`.
pub fn verify_signed(
    headers: &HeaderMap,
    body: &[u8],
    keys: &PlatformKeys,
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let (Some(timestamp), Some(nonce), Some(signature), Some(serial)) = (
        header("wechatpay-timestamp"),
        header("wechatpay-nonce"),
        header("wechatpay-signature"),
        header("wechatpay-serial"),
    ) else {
        return Err(SignatureError::Missing);
    };
    // Absent on some answers; when present it must be the one scheme we know.
    if header("wechatpay-signature-type").is_some_and(|t| t != SCHEME) {
        return Err(SignatureError::Scheme);
    }
    let at: i64 = timestamp.parse().map_err(|_| SignatureError::Stale)?;
    if (now.timestamp() - at).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let key = keys.get(serial).ok_or(SignatureError::UnknownSerial)?;
    if key.verify_base64(&response_message(timestamp, nonce, body), signature) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Signs a body as the platform does (for tests and the local fake): the headers.
pub fn platform_headers(
    key: &SigningKey,
    serial: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, KeyError> {
    let signature = key.sign_base64(&response_message(&timestamp.to_string(), nonce, body))?;
    Ok(vec![
        ("Wechatpay-Timestamp", timestamp.to_string()),
        ("Wechatpay-Nonce", nonce.to_owned()),
        ("Wechatpay-Signature", signature),
        ("Wechatpay-Serial", serial.to_owned()),
        ("Wechatpay-Signature-Type", SCHEME.to_owned()),
    ])
}
