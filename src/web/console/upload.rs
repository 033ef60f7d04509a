//! Console forms that send a file (`multipart/form-data`): read strictly here, within
//! the server's body limit, and their `csrf` part checked as every console form's
//! is before the handler runs.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::error::{Code, Error, ErrorKind};

use super::{Console, error_page};

/// Parts past this many make the form refused: the console's upload forms have few.
const MAX_PARTS: usize = 16;

/// One part of the form: a field, or a file with the name the browser gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

/// A multipart form whose CSRF token matched.
pub struct ConsoleUpload(pub Vec<Part>);

impl ConsoleUpload {
    /// The part named `name`, if sent.
    pub fn part(&self, name: &str) -> Option<&Part> {
        self.0.iter().find(|part| part.name == name)
    }
}

impl FromRequest<App> for ConsoleUpload {
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Self::Rejection> {
        let Some(console) = request.extensions().get::<Console>().cloned() else {
            return Err(Error::internal(anyhow::anyhow!("console context missing")).into_response());
        };
        let boundary = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(boundary_of)
            .ok_or_else(|| error_page(&console, &Error::invalid(Code::InvalidForm)))?;
        let bytes = Bytes::from_request(request, app).await.map_err(|_| {
            error_page(
                &console,
                &Error::new(ErrorKind::TooLarge, Code::BodyTooLarge),
            )
        })?;
        let parts = parse(&bytes, &boundary)
            .ok_or_else(|| error_page(&console, &Error::invalid(Code::InvalidForm)))?;
        let sent = parts
            .iter()
            .find(|part| part.name == "csrf" && part.filename.is_none())
            .map(|part| part.data.as_slice())
            .unwrap_or_default();
        let expected = console.csrf.as_bytes();
        if expected.is_empty() || !bool::from(sent.ct_eq(expected)) {
            tracing::info!("upload refused: CSRF token missing or wrong");
            return Err(error_page(
                &console,
                &Error::new(ErrorKind::Forbidden, Code::CsrfFailed),
            ));
        }
        Ok(ConsoleUpload(parts))
    }
}

/// The boundary of a `multipart/form-data` content type.
fn boundary_of(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';').map(str::trim);
    if !params.next()?.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_owned())
        .filter(|b| (1..=70).contains(&b.len()))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The parts of a body (RFC 7578); `None` for anything malformed.
fn parse(body: &[u8], boundary: &str) -> Option<Vec<Part>> {
    let delimiter = format!("--{boundary}").into_bytes();
    let between = [b"\r\n".as_slice(), &delimiter].concat();
    let start = find(body, &delimiter)?;
    let mut rest = &body[start + delimiter.len()..];
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let end = find(rest, &between)?;
        let (part, after) = rest.split_at(end);
        rest = &after[between.len()..];
        let header_end = find(part, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(&part[..header_end]).ok()?;
        let (name, filename) = disposition(headers)?;
        parts.push(Part {
            name,
            filename,
            data: part[header_end + 4..].to_vec(),
        });
        if parts.len() > MAX_PARTS {
            return None;
        }
    }
}

/// The `name` and `filename` of a part's `Content-Disposition: form-data` header.
fn disposition(headers: &str) -> Option<(String, Option<String>)> {
    let line = headers.split("\r\n").find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then_some(value)
    })?;
    let mut params = line.split(';').map(str::trim);
    if !params.next()?.eq_ignore_ascii_case("form-data") {
        return None;
    }
    let (mut name, mut filename) = (None, None);
    for param in params {
        let quoted = |v: &str| v.strip_prefix('"')?.strip_suffix('"').map(str::to_owned);
        if let Some(value) = param.strip_prefix("name=") {
            name = quoted(value);
        } else if let Some(value) = param.strip_prefix("filename=") {
            filename = quoted(value);
        }
    }
    Some((name?, filename))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n\
        --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stock.csv\"\r\n\
        Content-Type: text/csv\r\n\r\niccid,smdp_address,matching_id\r\n1,2,3\r\n--XyZ--\r\n";

    #[test]
    fn a_browser_upload_is_read_part_by_part() {
        assert_eq!(
            boundary_of("multipart/form-data; boundary=XyZ").as_deref(),
            Some("XyZ")
        );
        assert_eq!(boundary_of("application/x-www-form-urlencoded"), None);
        let parts = parse(BODY.as_bytes(), "XyZ").expect("a good body");
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].data.as_slice()),
            ("csrf", b"tok".as_slice())
        );
        assert_eq!(parts[1].filename.as_deref(), Some("stock.csv"));
        assert_eq!(
            parts[1].data,
            b"iccid,smdp_address,matching_id\r\n1,2,3".to_vec()
        );
    }

    #[test]
    fn a_malformed_body_is_refused() {
        for bad in [
            "",
            "--XyZ\r\nno headers end",
            "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--",
            "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XyZ--",
            "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nnever closed",
        ] {
            assert_eq!(parse(bad.as_bytes(), "XyZ"), None, "{bad:?}");
        }
        let many = format!(
            "{}--XyZ--",
            "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n"
                .repeat(MAX_PARTS + 1)
        );
        assert_eq!(parse(many.as_bytes(), "XyZ"), None);
    }
}
