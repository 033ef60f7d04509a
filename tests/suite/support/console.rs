//! The back-office console as a staff member's browser meets it: the enrolment link,
//! the authenticator app's codes (at the test's clock), the login form, pages and forms
//! with the console's cookie and CSRF token.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use datacard::staff::{self, Role};

use super::{TestApp, csrf_of, set_cookie};

pub const STAFF_PASSWORD: &str = "a long staff passphrase 2026";

/// A signed-in staff member.
pub struct Staff {
    pub email: String,
    pub secret: Vec<u8>,
    /// `Cookie` header value of the console session.
    pub cookie: String,
    /// The session's CSRF token.
    pub csrf: String,
}

/// The text of an element's content, found by its `data-testid`.
pub fn testid_text(page: &str, testid: &str) -> Option<String> {
    let at = page.find(&format!("data-testid=\"{testid}\""))?;
    let start = at + page[at..].find('>')? + 1;
    let end = start + page[start..].find('<')?;
    Some(page[start..end].trim().to_owned())
}

pub fn decode_base32(text: &str) -> Vec<u8> {
    totp_rs::Secret::Encoded(text.to_owned())
        .to_bytes()
        .expect("a base32 secret")
}

impl TestApp {
    /// GET a console page with `cookie` (may be empty): status, headers, body.
    pub async fn console_get(&self, path: &str, cookie: &str) -> (StatusCode, HeaderMap, String) {
        let mut request = Request::get(path);
        if !cookie.is_empty() {
            request = request.header(header::COOKIE, cookie);
        }
        let (status, headers, body) = self
            .send(request.body(Body::empty()).expect("a request"))
            .await;
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    /// POST a console form with `cookie` and these fields (add `csrf` yourself).
    pub async fn console_post(
        &self,
        path: &str,
        cookie: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        let form = serde_urlencoded::to_string(fields).expect("a form");
        let mut request =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if !cookie.is_empty() {
            request = request.header(header::COOKIE, cookie);
        }
        let (status, headers, body) = self
            .send(request.body(Body::from(form)).expect("a request"))
            .await;
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    /// A form page's pre-session cookie and CSRF token, for a browser not signed in.
    pub async fn console_pre_session(&self, path: &str) -> (String, String, String) {
        let (status, headers, page) = self.console_get(path, "").await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {page}");
        let pre = set_cookie(&headers, "dc_staff_pre").expect("a console pre-session cookie");
        let csrf = csrf_of(&page).expect("the form carries a CSRF token");
        (format!("dc_staff_pre={pre}"), csrf, page)
    }

    /// Adds a member with `role` (as the CLI does) and enrols them through the
    /// console's enrolment page, at the test clock; they are signed in after.
    pub async fn enrolled_staff(&self, email: &str, role: Role) -> Staff {
        let enrolment = staff::create(&self.app, email, role, "cli")
            .await
            .expect("a member");
        let path = format!("/admin/enrol/{}", enrolment.token);
        let (pre, csrf, page) = self.console_pre_session(&path).await;
        let secret =
            decode_base32(&testid_text(&page, "totp-secret").expect("the page shows the key"));
        let code = staff::code_at(&secret, self.app.now());
        let (status, headers, page) = self
            .console_post(
                &path,
                &pre,
                &[
                    ("csrf", &csrf),
                    ("password", STAFF_PASSWORD),
                    ("code", &code),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "enrolment: {page}");
        let session = set_cookie(&headers, "dc_staff").expect("a console session cookie");
        let cookie = format!("dc_staff={session}");
        let csrf = self.console_csrf(&cookie).await;
        Staff {
            email: email.to_owned(),
            secret,
            cookie,
            csrf,
        }
    }

    /// The CSRF token a signed-in console page carries (its logout form).
    pub async fn console_csrf(&self, cookie: &str) -> String {
        let (status, _, page) = self.console_get("/admin", cookie).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        csrf_of(&page).expect("the console's logout form carries a CSRF token")
    }

    /// Logs in through the console's form: `Ok(cookie)` or the refusal's status and page.
    pub async fn console_log_in(
        &self,
        email: &str,
        password: &str,
        code: &str,
    ) -> Result<String, (StatusCode, String)> {
        let (pre, csrf, _) = self.console_pre_session("/admin/login").await;
        let (status, headers, page) = self
            .console_post(
                "/admin/login",
                &pre,
                &[
                    ("csrf", &csrf),
                    ("email", email),
                    ("password", password),
                    ("code", code),
                ],
            )
            .await;
        match set_cookie(&headers, "dc_staff") {
            Some(session) if status == StatusCode::SEE_OTHER => Ok(format!("dc_staff={session}")),
            _ => Err((status, page)),
        }
    }
}
