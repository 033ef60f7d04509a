//! The portal as a browser meets it: cookies, CSRF tokens, logging in through the form.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};

use super::TestApp;

/// The value a response's `Set-Cookie` headers give the cookie `name`.
pub fn set_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .find_map(|pair| pair.trim().strip_prefix(&format!("{name}=")))
        .map(str::to_owned)
}

/// The CSRF token in a page's first form (its hidden `csrf` field).
pub fn csrf_of(page: &str) -> Option<String> {
    let field = page.find("name=\"csrf\"")?;
    let value = &page[field..];
    let start = value.find("value=\"")? + "value=\"".len();
    let end = value[start..].find('"')?;
    Some(value[start..start + end].to_owned())
}

impl TestApp {
    /// Logs in through the portal's form as a browser does; returns the CSRF token
    /// the session's pages carry and the `Cookie` header that later pages and forms
    /// need.
    pub async fn portal_log_in(&self, login: &str, password: &str) -> (String, String) {
        let (page, set) = self.portal_page("/login", "").await;
        let pre_session =
            set_cookie(&set, "dc_pre").expect("the login form sets a pre-session cookie");
        let pre_session = format!("dc_pre={pre_session}");
        let csrf = csrf_of(&page).expect("the login form carries a CSRF token");
        let form = serde_urlencoded::to_string([
            ("csrf", csrf.as_str()),
            ("login", login),
            ("password", password),
        ])
        .expect("a form");
        let request = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &pre_session)
            .body(Body::from(form))
            .expect("a request");
        let (status, headers, body) = self.send(request).await;
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "{}",
            String::from_utf8_lossy(&body)
        );
        let session = set_cookie(&headers, "dc_session").expect("a session cookie");
        let cookie = format!("dc_session={session}");
        // Signed in, forms carry the session's token: read it off a page with a form.
        let (page, _) = self.portal_page("/logout", &cookie).await;
        let csrf = csrf_of(&page).expect("the logout form carries a CSRF token");
        (csrf, cookie)
    }

    /// A portal page (with `cookie`, when not empty) and its `Set-Cookie` headers.
    async fn portal_page(&self, path: &str, cookie: &str) -> (String, HeaderMap) {
        let mut request = Request::get(path);
        if !cookie.is_empty() {
            request = request.header(header::COOKIE, cookie);
        }
        let (status, headers, body) = self
            .send(request.body(Body::empty()).expect("a request"))
            .await;
        assert_eq!(status, StatusCode::OK, "GET {path}");
        (String::from_utf8_lossy(&body).into_owned(), headers)
    }
}
