//! Reading and writing the few cookies the portal uses.

use axum::http::{HeaderMap, HeaderValue, header};

pub const SESSION: &str = "dc_session";
/// A random value of a browser not signed in; its forms' CSRF token is derived from it.
pub const PRE_SESSION: &str = "dc_pre";
pub const LANG: &str = "dc_lang";
/// A staff member's console session (apart from subscribers' sessions).
pub const STAFF_SESSION: &str = "dc_staff";
/// The checkout review to return to after a wallet top-up.
pub const RESUME: &str = "dc_resume";

pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// `HttpOnly; SameSite=Lax; Path=/`, `Secure` behind HTTPS; `max_age` 0 deletes.
pub fn set(name: &str, value: &str, max_age_secs: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Max-Age={max_age_secs}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_many() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; dc_lang=en"));
        headers.append(header::COOKIE, HeaderValue::from_static("dc_session=tok"));
        assert_eq!(get(&headers, LANG), Some("en"));
        assert_eq!(get(&headers, SESSION), Some("tok"));
        assert_eq!(get(&headers, PRE_SESSION), None);
    }

    #[test]
    fn cookies_are_http_only_and_lax() {
        let value = set(SESSION, "tok", 60, true).unwrap();
        let text = value.to_str().unwrap();
        assert!(
            text.contains("HttpOnly") && text.contains("SameSite=Lax") && text.contains("Secure")
        );
        assert!(
            !set(SESSION, "tok", 60, false)
                .unwrap()
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }
}
