//! What keeps other sites from acting through a subscriber's browser: every form
//! carries a token the server derives from the session (before one, from a random
//! pre-session cookie), every state-changing request must come from our own origin,
//! and a login sends the browser on only to our own pages.
//!
//! A request with neither `Origin` nor `Referer` is let through to the token check:
//! browsers send `Origin` on every cross-origin POST (and on same-origin ones too,
//! but for a few older ones, and `Referer` may be stripped by privacy settings), so
//! an absent `Origin` is not another site's page; and a client that is not a browser
//! has no victim's cookie to ride on.

use std::net::IpAddr;

use axum::http::{HeaderMap, Method, header};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Config;

/// What a form's token is bound to.
pub enum CsrfBinding<'a> {
    /// The signed-in subscriber's session token.
    Session(&'a str),
    /// The random pre-session cookie of a browser not signed in (login, register).
    PreSession(&'a str),
}

/// The token every form of the page carries: a MAC under the server's secret, so
/// no one without the secret can make one that fits a cookie.
pub fn csrf_token(secret: &[u8], binding: &CsrfBinding) -> String {
    let (kind, value) = match binding {
        CsrfBinding::Session(token) => ("session", token),
        CsrfBinding::PreSession(cookie) => ("pre-session", cookie),
    };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| {
        // HMAC takes keys of any length; this branch cannot be reached.
        <Hmac<Sha256> as Mac>::new_from_slice(b"datacard").unwrap_or_else(|_| unreachable!())
    });
    for part in ["csrf", kind, value] {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    hex::encode(mac.finalize().into_bytes())
}

/// Whether the method can change something (everything but GET, HEAD, OPTIONS, TRACE).
pub fn changes_state(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// `Ok` when the request's `Origin` (or, without one, its `Referer`) is ours or
/// absent; `Err` with the foreign origin otherwise.
pub fn check_origin(config: &Config, headers: &HeaderMap) -> Result<(), String> {
    let header_text = |name| headers.get(name).map(|v| v.to_str().unwrap_or("?"));
    let claimed = match (header_text(header::ORIGIN), header_text(header::REFERER)) {
        (Some(origin), _) => origin,
        (None, Some(referer)) => referer,
        (None, None) => return Ok(()),
    };
    let Some(origin) = Origin::of(claimed) else {
        return Err(claimed.to_owned());
    };
    let public = Origin::of(&config.public_url());
    if public.as_ref() == Some(&origin) {
        return Ok(());
    }
    // A server that does not know its public name (no `public_url`, or the one
    // `serve` made from a loopback or wildcard bind, as in the demo on localhost)
    // takes the address the browser used: a page of another site never has our Host
    // as its origin.
    let name_unknown = config.server.public_url.is_empty()
        || config.demo
        || public.as_ref().is_none_or(Origin::is_local);
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match host {
        Some(host) if name_unknown && origin.authority == authority(&origin.scheme, host) => Ok(()),
        _ => Err(claimed.to_owned()),
    }
}

/// `scheme://host[:port]`, lowercase, without the scheme's default port.
#[derive(Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    authority: String,
}

impl Origin {
    fn of(url: &str) -> Option<Origin> {
        let (scheme, rest) = url.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let raw = &rest[..end];
        if raw.is_empty() || raw.contains('@') || !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        let authority = authority(&scheme, raw);
        Some(Origin { scheme, authority })
    }

    /// On this machine only: `localhost`, a loopback or an unspecified address.
    fn is_local(&self) -> bool {
        let host = match self.authority.strip_prefix('[') {
            Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
            None => self.authority.split(':').next().unwrap_or_default(),
        };
        host == "localhost"
            || host
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
    }
}

fn authority(scheme: &str, raw: &str) -> String {
    let lower = raw.to_ascii_lowercase();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    match lower.strip_suffix(default_port) {
        Some(bare) => bare.to_owned(),
        None => lower,
    }
}

/// Where a login may send the browser on: a path of ours under one of these (the
/// pages behind [`super::require_account`] and the ones around them).
const NEXT_PREFIXES: [&str; 6] = [
    "/account",
    "/plans",
    "/checkout",
    "/orders",
    "/lines/",
    "/pay/stripe/",
];

/// `next` when it is one of our own pages: one leading `/`, visible ASCII only (no
/// control characters a browser would strip to make `//host`), no backslash, no
/// `//`, and under a known prefix. Anything else is refused (`None`).
pub fn local_next(next: &str) -> Option<&str> {
    let path = next.split(['?', '#']).next().unwrap_or_default();
    let known = NEXT_PREFIXES.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| prefix.ends_with('/') || rest.is_empty() || rest.starts_with('/'))
    });
    let clean = next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') && !next.contains("//");
    (known && clean).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(public_url: &str, demo: bool) -> Config {
        let mut config = Config {
            demo,
            ..Config::default()
        };
        config.server.public_url = public_url.into();
        config
    }

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(name, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn tokens_are_bound_to_what_they_name() {
        let session = csrf_token(b"k", &CsrfBinding::Session("abc"));
        assert_eq!(session, csrf_token(b"k", &CsrfBinding::Session("abc")));
        assert_ne!(session, csrf_token(b"k", &CsrfBinding::Session("abd")));
        assert_ne!(session, csrf_token(b"k", &CsrfBinding::PreSession("abc")));
        assert_ne!(session, csrf_token(b"other", &CsrfBinding::Session("abc")));
    }

    #[test]
    fn only_our_origin_passes() {
        let ours = config("https://shop.example/", false);
        for good in [
            vec![(header::ORIGIN, "https://shop.example")],
            vec![(header::ORIGIN, "HTTPS://Shop.Example:443")],
            vec![(header::REFERER, "https://shop.example/account?x=1")],
            vec![],
        ] {
            assert!(check_origin(&ours, &headers(&good)).is_ok(), "{good:?}");
        }
        for bad in [
            vec![(header::ORIGIN, "https://evil.example")],
            vec![(header::ORIGIN, "http://shop.example")],
            vec![(header::ORIGIN, "https://shop.example:8443")],
            vec![(header::ORIGIN, "https://shop.example.evil.example")],
            vec![(header::ORIGIN, "null")],
            vec![(header::REFERER, "https://evil.example/shop.example")],
            vec![
                (header::ORIGIN, "https://evil.example"),
                (header::REFERER, "https://shop.example/"),
            ],
            // A known public name is not overruled by the Host header.
            vec![
                (header::ORIGIN, "https://evil.example"),
                (header::HOST, "evil.example"),
            ],
        ] {
            assert!(check_origin(&ours, &headers(&bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn without_a_public_name_the_host_used_counts() {
        for config in [
            config("", false),
            config("http://127.0.0.1:8080", false),
            config("http://0.0.0.0:8080", false),
            config("https://shop.example", true),
        ] {
            let from =
                |origin| headers(&[(header::ORIGIN, origin), (header::HOST, "localhost:8080")]);
            assert!(check_origin(&config, &from("http://localhost:8080")).is_ok());
            assert!(check_origin(&config, &from("http://evil.example:8080")).is_err());
            assert!(check_origin(&config, &from("http://localhost:8081")).is_err());
        }
    }

    #[test]
    fn next_stays_on_our_pages() {
        for good in [
            "/account",
            "/orders/ord_1?returned=1",
            "/lines/8985/usage",
            "/checkout?plan=A",
        ] {
            assert_eq!(local_next(good), Some(good));
        }
        for bad in [
            "",
            "/",
            "account",
            "//evil.example",
            "/\t/evil.example",
            "/\u{b}/evil.example",
            "/\\evil.example",
            "/orders//evil.example",
            "/orders\\..\\x",
            "https://evil.example",
            "/x?u=http://e",
            "/accounts-of-evil",
            "/account\r\nSet-Cookie: a=b",
            "/account\u{0}",
            "/account\u{ff0f}\u{ff0f}evil.example",
        ] {
            assert_eq!(local_next(bad), None, "{bad:?}");
        }
    }
}
