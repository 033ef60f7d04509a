//! The opt-out every marketing message carries: a link that withdraws consent by that
//! message's channel without a login. The link names the account and the channel and
//! is signed with the server's secret (HMAC-SHA256), so it cannot be made for anyone
//! else or changed to another account; it never expires, as an opt-out must keep
//! working however old the message.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::messages::Channel;

/// The portal path the links point at (`/u/<token>`): short, for SMS.
pub const PATH: &str = "/u";

/// Bytes of the MAC kept in the link: 128 bits.
const MAC_BYTES: usize = 16;

/// `<account id>.<s|e>.<MAC>`: what the link carries.
pub fn token(secret: &[u8], account_id: &str, channel: Channel) -> String {
    let letter = letter(channel);
    let mac = URL_SAFE_NO_PAD.encode(&mac(secret, account_id, letter)[..MAC_BYTES]);
    format!("{account_id}.{letter}.{mac}")
}

/// The whole link, on `public_url`.
pub fn link(public_url: &str, secret: &[u8], account_id: &str, channel: Channel) -> String {
    format!(
        "{}{PATH}/{}",
        public_url.trim_end_matches('/'),
        token(secret, account_id, channel)
    )
}

/// The account and channel of a token this server made; `None` for anything else
/// (changed, cut short, made with another secret).
pub fn verify(secret: &[u8], token: &str) -> Option<(String, Channel)> {
    let mut parts = token.split('.');
    let (account_id, letter, sent) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || account_id.is_empty()
        || account_id.len() > 64
        || !account_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return None;
    }
    let channel = match letter {
        "s" => Channel::Sms,
        "e" => Channel::Email,
        _ => return None,
    };
    let sent = URL_SAFE_NO_PAD.decode(sent).ok()?;
    let expected = mac(secret, account_id, letter);
    let good: bool = sent.ct_eq(&expected[..MAC_BYTES]).into();
    good.then(|| (account_id.to_owned(), channel))
}

fn letter(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "s",
        Channel::Email => "e",
    }
}

fn mac(secret: &[u8], account_id: &str, letter: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    for part in ["unsubscribe", account_id, letter] {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a server secret of enough length!";

    #[test]
    fn a_token_names_its_account_and_channel() {
        for channel in [Channel::Sms, Channel::Email] {
            let token = token(SECRET, "acc_01ABC", channel);
            assert_eq!(verify(SECRET, &token), Some(("acc_01ABC".into(), channel)));
        }
        let link = link("https://my.example.hk/", SECRET, "acc_01ABC", Channel::Sms);
        assert!(
            link.starts_with("https://my.example.hk/u/acc_01ABC.s."),
            "{link}"
        );
    }

    #[test]
    fn a_changed_token_is_refused() {
        let good = token(SECRET, "acc_01ABC", Channel::Email);
        let mac = good.rsplit('.').next().unwrap();
        let other_account = format!("acc_01ABD.e.{mac}");
        let other_channel = format!("acc_01ABC.s.{mac}");
        let mut flipped = good.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == 'A' { 'B' } else { 'A' });
        for bad in [
            other_account.as_str(),
            other_channel.as_str(),
            flipped.as_str(),
            &good[..good.len() - 4],
            "",
            "acc_01ABC.e",
            "acc_01ABC.x.AAAA",
            "acc 01.e.AAAA",
            &format!("{good}.more"),
        ] {
            assert_eq!(verify(SECRET, bad), None, "{bad}");
        }
        assert_eq!(verify(b"another secret", &good), None);
    }
}
