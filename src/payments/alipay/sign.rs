//! Alipay's RSA2 rules, as the official SDKs apply them (alipay-sdk-python
//! `SignatureUtils.get_sign_content`, npm alipay-sdk `sign` and `checkNotifySign`):
//!
//! - a request is signed over every parameter but `sign`, sorted by key, joined as
//!   `k=v&…` with the raw (not URL-encoded) values;
//! - a notification is checked the same way without `sign` and `sign_type`;
//! - a synchronous answer is checked over the raw text of its `…_response` object,
//!   cut out of the body exactly as it came (never re-serialised).

use std::collections::BTreeMap;

use crate::payments::rsa::{KeyError, SigningKey, VerifyingKey};

/// Parameters by name; `BTreeMap` keeps them sorted by key, byte by byte, as Alipay
/// sorts them.
pub type Params = BTreeMap<String, String>;

/// The text a request's signature covers.
pub fn sign_content(params: &Params) -> String {
    join(params, &["sign"])
}

/// The text a notification's signature covers.
pub fn notification_content(params: &Params) -> String {
    join(params, &["sign", "sign_type"])
}

fn join(params: &Params, skip: &[&str]) -> String {
    params
        .iter()
        .filter(|(key, _)| !skip.contains(&key.as_str()))
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Adds `sign` to a request.
pub fn sign_request(params: &mut Params, key: &SigningKey) -> Result<(), KeyError> {
    let sign = key.sign_base64(sign_content(params).as_bytes())?;
    params.insert("sign".into(), sign);
    Ok(())
}

/// Signs a notification as Alipay does (for tests and the local fake).
pub fn sign_notification(params: &mut Params, key: &SigningKey) -> Result<(), KeyError> {
    let sign = key.sign_base64(notification_content(params).as_bytes())?;
    params.insert("sign".into(), sign);
    Ok(())
}

pub fn notification_is_signed(params: &Params, key: &VerifyingKey) -> bool {
    params
        .get("sign")
        .is_some_and(|sign| key.verify_base64(notification_content(params).as_bytes(), sign))
}

/// `alipay.trade.query` → `alipay_trade_query_response`.
pub fn response_key(method: &str) -> String {
    format!("{}_response", method.replace('.', "_"))
}

/// A gateway answer as Alipay writes it: `{"<method>_response":<content>,"sign":"…"}`,
/// signed over `content` (for tests and the local fake).
pub fn signed_answer(method: &str, content: &str, key: &SigningKey) -> Result<String, KeyError> {
    let sign = key.sign_base64(content.as_bytes())?;
    Ok(format!(
        "{{\"{}\":{content},\"sign\":\"{sign}\"}}",
        response_key(method)
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error("answer is not the expected JSON")]
    Malformed,
    #[error("answer is not signed")]
    Unsigned,
    #[error("answer signature mismatch")]
    BadSignature,
}

/// The verified `…_response` text of a synchronous answer. Gateway-level failures
/// come as `error_response`, which is accepted under the same signature rule.
pub fn verified_response<'a>(
    body: &'a str,
    method: &str,
    key: &VerifyingKey,
) -> Result<&'a str, ResponseError> {
    let document: serde_json::Value =
        serde_json::from_str(body).map_err(|_| ResponseError::Malformed)?;
    let expected = response_key(method);
    let (name, content) = [expected.as_str(), "error_response"]
        .into_iter()
        .find_map(|name| object_text(body, name).map(|text| (name, text)))
        .ok_or(ResponseError::Malformed)?;
    // The cut must be the top-level member, not the same words inside a string.
    let cut: serde_json::Value =
        serde_json::from_str(content).map_err(|_| ResponseError::Malformed)?;
    if document.get(name) != Some(&cut) {
        return Err(ResponseError::Malformed);
    }
    let sign = document
        .get("sign")
        .and_then(|s| s.as_str())
        .filter(|s| !s.is_empty())
        .ok_or(ResponseError::Unsigned)?;
    if key.verify_base64(content.as_bytes(), sign) {
        Ok(content)
    } else {
        Err(ResponseError::BadSignature)
    }
}

/// The raw text of the object that is the value of `"name"`, found by matching braces
/// outside strings (the SDKs' `__extract_json_object_end_position`).
fn object_text<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let quoted = format!("\"{name}\"");
    let after_name = body.find(&quoted)? + quoted.len();
    let rest = &body[after_name..];
    let colon = rest.trim_start();
    let value = colon.strip_prefix(':')?.trim_start();
    let start = body.len() - value.len();
    if !value.starts_with('{') {
        return None;
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, byte) in value.bytes().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&body[start..start + offset + 1]);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_the_object_as_it_came() {
        let body = r#"{"alipay_trade_query_response" : {"code":"10000","msg":"Success","subject":"a \"}\" b","x":{"y":"z\\"}},"sign":"abc"}"#;
        assert_eq!(
            object_text(body, "alipay_trade_query_response"),
            Some(r#"{"code":"10000","msg":"Success","subject":"a \"}\" b","x":{"y":"z\\"}}"#)
        );
        assert_eq!(object_text(r#"{"a_response":{"x":1"#, "a_response"), None);
        assert_eq!(object_text(r#"{"a_response":"text"}"#, "a_response"), None);
    }

    #[test]
    fn content_sorts_and_skips() {
        let params: Params = [
            ("b", "2"),
            ("a", "x y"),
            ("sign", "s"),
            ("sign_type", "RSA2"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(sign_content(&params), "a=x y&b=2&sign_type=RSA2");
        assert_eq!(notification_content(&params), "a=x y&b=2");
    }
}
