//! A new subscriber's way in on the portal, through the router as a browser meets it:
//! every problem of a form at once, a new code when the SMS does not come, and the
//! journey (the phone being verified, the plan chosen, the page that needed an
//! account) kept across the language switch, the login and the registration.

mod forms;
mod journey;
mod layout;
mod resend;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};

use crate::support::{TestApp, csrf_of};

pub(crate) const PASSWORD: &str = "harbour lights 88";

/// A browser: the cookies it was given, and the CSRF token of the last form it saw.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    cookies: Vec<(String, String)>,
    pub csrf: String,
}

/// An answer as a browser gets it.
pub(crate) struct Page {
    pub status: StatusCode,
    pub location: String,
    pub body: String,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: Vec::new(),
            csrf: String::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(header::SET_COOKIE) {
            let Some(pair) = value.to_str().ok().and_then(|v| v.split(';').next()) else {
                continue;
            };
            let Some((name, value)) = pair.trim().split_once('=') else {
                continue;
            };
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Page {
        let request = request
            .header(header::COOKIE, self.cookie_header())
            .header(header::ACCEPT, "text/html")
            .body(body)
            .expect("a request");
        let (status, headers, bytes) = self.app.send(request).await;
        self.keep_cookies(&headers);
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(csrf) = csrf_of(&body) {
            self.csrf = csrf;
        }
        let location = headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Page {
            status,
            location,
            body,
        }
    }

    /// GET `path` (a raw path and query, sent as typed).
    pub async fn get(&mut self, path: &str) -> Page {
        self.send(Request::get(path), Body::empty()).await
    }

    /// POSTs `fields` (and the CSRF token of the last page) to `path`.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("csrf", self.csrf.clone())];
        all.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let body = serde_urlencoded::to_string(&all).expect("a form");
        self.send(
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }

    pub fn signed_in(&self) -> bool {
        self.cookies.iter().any(|(name, _)| name == "dc_session")
    }
}

/// The `<input>` tag with `id` in `page`.
pub(crate) fn input<'p>(page: &'p str, id: &str) -> &'p str {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page:\n{page}"));
    let start = page[..at].rfind('<').unwrap_or(at);
    let end = page[at..].find('>').map_or(page.len(), |e| at + e + 1);
    &page[start..end]
}

/// How many times `needle` occurs in `page`.
pub(crate) fn count(page: &str, needle: &str) -> usize {
    page.matches(needle).count()
}

/// The `href`s of the language switch's links.
pub(crate) fn language_links(page: &str) -> Vec<String> {
    let Some(start) = page.find("<nav class=\"lang\"") else {
        return Vec::new();
    };
    let nav = &page[start..start + page[start..].find("</nav>").unwrap_or(0)];
    nav.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|href| href.replace("&amp;", "&"))
        .collect()
}
