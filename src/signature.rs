//! `t=<unix seconds>,v1=<hex HMAC-SHA256>` signatures over a timestamped body, the
//! scheme Stripe uses: the network adapter's requests and the demo sandbox's
//! notifications carry them.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, the scheme Stripe uses.
pub fn sign(secret: &[u8], timestamp: i64, body: &str) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac(secret, timestamp, body.as_bytes()))
    )
}

pub fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}
