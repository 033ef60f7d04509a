//! What the account stories share.

pub(super) use axum::http::{Method, StatusCode, header};
pub(super) use serde_json::{Value, json};

pub(super) use datacard::i18n::Locale;
pub(super) use datacard::messages::Channel;

pub(super) use crate::support::*;

pub(super) const PASSWORD: &str = "harbour lights 88";
pub(super) const NEW_PASSWORD: &str = "star ferry at dusk 2026";

pub(super) fn retry_after(headers: &axum::http::HeaderMap) -> i64 {
    headers
        .get(header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After header in {headers:?}"))
}

/// Any six digits other than `code`.
pub(super) fn another_code(code: &str) -> String {
    let number: u32 = code.parse().expect("a numeric code");
    format!("{:06}", (number + 1) % 1_000_000)
}

pub(super) fn registration(phone: &str, email: &str, code: &str) -> Value {
    json!({ "phone": phone, "email": email, "password": PASSWORD, "code": code })
}
