//! The story-test harness: the real router in-process (`oneshot`), over either
//! database, with a clock the test moves and the file outbox standing in for SMS and
//! email.
//!
//! Every story runs twice, `<story>::sqlite` and `<story>::postgres`; the PostgreSQL
//! run needs `DATACARD_TEST_DATABASE_URL` and is skipped (passes) without it. Each
//! PostgreSQL run works in a schema of its own, dropped afterwards.

pub mod alipay;
mod lines;
pub mod stripe;
mod wallet;
pub mod wechat_pay;

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;

use datacard::app::App;
use datacard::clock::ManualClock;
use datacard::config::Config;
use datacard::db::{Db, DbOptions};
use datacard::messages::{FileOutbox, OutboxEntry};

pub use datacard::db::Backend;
#[allow(
    unused_imports,
    reason = "only the stories about existing lines use these"
)]
pub use lines::{Numbering, PASSWORD, Subscriber, Used};

/// Runs a story against both databases, then checks the books. `main.rs` includes the
/// harness first, with `#[macro_use]`, so every module sees it.
///
/// ```ignore
/// story!(register_and_log_in, |app| {
///     let token = app.register("+85261234567", "chan@example.com", "harbour lights 88").await;
///     …
/// });
/// ```
/// expands to a module `register_and_log_in` with the tests `sqlite` and `postgres`.
/// Attributes before the name (`#[ignore = "…"]`) go on both tests.
macro_rules! story {
    ($(#[$meta:meta])* $name:ident, |$app:ident| $body:block) => {
        story_with!($(#[$meta])* $name, $crate::support::TestApp::start, |$app| $body);
    };
}

/// As [`story!`], with the app started by `$start(backend)`, an async function that
/// returns `None` to skip the run: one that changes the configuration, or one that
/// first starts a peer the app talks to (a payment provider's local gateway) and
/// returns it with the app, to be named after the app. The peer stays up until the
/// books are checked.
///
/// ```ignore
/// async fn start(backend: Backend) -> Option<(TestApp, Gateway)> { … }
///
/// story_with!(paid_through_the_gateway, start, |app, gateway| { … });
/// story_with!(
///     a_wallet_fee_is_charged,
///     |backend| TestApp::start_with(backend, |config| { … }),
///     |app| { … }
/// );
/// ```
macro_rules! story_with {
    (@tests $(#[$meta:meta])* $name:ident, $start:expr, $started:pat, $app:ident, $body:block) => {
        mod $name {
            #[allow(unused_imports, reason = "not every story needs every import")]
            use super::*;

            #[tokio::test]
            $(#[$meta])*
            async fn sqlite() {
                run($crate::support::Backend::Sqlite).await;
            }

            #[tokio::test]
            $(#[$meta])*
            async fn postgres() {
                run($crate::support::Backend::Postgres).await;
            }

            async fn run(backend: $crate::support::Backend) {
                let Some($started) = ($start)(backend).await else {
                    return;
                };
                let story = async { $body };
                story.await;
                $app.finish().await;
            }
        }
    };
    ($(#[$meta:meta])* $name:ident, $start:expr, |$app:ident, $peer:ident| $body:block) => {
        story_with!(@tests $(#[$meta])* $name, $start, ($app, $peer), $app, $body);
    };
    ($(#[$meta:meta])* $name:ident, $start:expr, |$app:ident| $body:block) => {
        story_with!(@tests $(#[$meta])* $name, $start, $app, $app, $body);
    };
}

/// When every story starts: a Wednesday morning in Hong Kong (10:00 local).
pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T02:00:00Z")
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The address requests come from unless a test says otherwise.
pub const CLIENT_ADDR: &str = "203.0.113.7";

const SKIP_POSTGRES: &str = "SKIPPED (postgres): DATACARD_TEST_DATABASE_URL is not set";

pub type Reply = (StatusCode, HeaderMap, Value);

pub struct TestApp {
    pub app: App,
    pub router: Router,
    pub clock: ManualClock,
    pub backend: Backend,
    pub dir: TempDir,
    // Last, so that the schema goes after everything that uses it.
    schema: Option<SchemaGuard>,
}

impl Deref for TestApp {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl TestApp {
    /// A fresh installation on `backend`; `None` when PostgreSQL is not configured.
    pub async fn start(backend: Backend) -> Option<TestApp> {
        Self::start_with(backend, |_| {}).await
    }

    /// As [`TestApp::start`], with a chance to change the configuration first.
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (options, schema) = match backend {
            Backend::Sqlite => (
                DbOptions {
                    url: datacard::db::sqlite_url(&dir.path().join("test.sqlite3")),
                    max_connections: 4,
                    schema: None,
                },
                None,
            ),
            Backend::Postgres => {
                let Ok(url) = std::env::var("DATACARD_TEST_DATABASE_URL") else {
                    eprintln!("{SKIP_POSTGRES}");
                    return None;
                };
                let guard = SchemaGuard::create(&url).await;
                let options = DbOptions {
                    url: guard.tagged_url(),
                    max_connections: 4,
                    schema: Some(guard.name.clone()),
                };
                (options, Some(guard))
            }
        };
        let db = Db::connect(&options)
            .await
            .expect("connect to the database");
        db.migrate().await.expect("migrations");

        let mut config = Config {
            data_dir: dir.path().to_path_buf(),
            demo: true,
            ..Config::default()
        };
        config.server.trust_proxy_headers = true;
        config.server.public_url = "https://datacard.test".into();
        // The stories pay through the demo's sandbox unless they say otherwise.
        for method in [
            &mut config.payments.card,
            &mut config.payments.alipay,
            &mut config.payments.wechat_pay,
        ] {
            method.provider = datacard::payments::ProviderName::Sandbox;
        }
        adjust(&mut config);

        let clock = ManualClock::new(start_time());
        let app = datacard::server::build_with_db(config, db, Arc::new(clock.clone()))
            .expect("build the app");
        let router = datacard::web::router(app.clone());
        Some(TestApp {
            app,
            router,
            clock,
            backend,
            dir,
            schema,
        })
    }

    /// What every story ends with: the books balance.
    pub async fn finish(self) {
        let report = datacard::orders::store::check_books(&self.app.db)
            .await
            .expect("ledger check runs");
        assert!(report.is_clean(), "the ledger is not clean: {report:?}");
        self.app.db.close().await;
    }

    /// The URL of the app's database, for the `datacard` binary run beside it
    /// (`DATACARD_DATABASE_URL`, with `--data-dir` the app's dir for its secret).
    pub fn database_url(&self) -> String {
        match &self.schema {
            None => datacard::db::sqlite_url(&self.dir.path().join("test.sqlite3")),
            Some(schema) => format!(
                "{}&options=-c%20search_path%3D{}",
                schema.tagged_url(),
                schema.name
            ),
        }
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    pub fn advance_secs(&self, seconds: i64) {
        self.clock.advance(chrono::Duration::seconds(seconds));
    }

    // ----- requests -------------------------------------------------------------

    /// Sends a request through the whole router; the body comes back as bytes.
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
        call(self.router.clone(), request).await
    }

    /// Any method, an optional JSON body, extra headers; the answer parsed as JSON
    /// (`Null` when empty, a string when it is not JSON).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let request = json_request(method, path, body, headers);
        let (status, headers, bytes) = self.send(request).await;
        (status, headers, json_of(&bytes))
    }

    /// A POST with exactly these bytes and this content type (or none).
    pub async fn post_raw(&self, path: &str, content_type: Option<&str>, body: Vec<u8>) -> Reply {
        let mut builder = Request::post(path);
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        let request = builder.body(Body::from(body)).expect("a valid request");
        let (status, headers, bytes) = self.send(request).await;
        (status, headers, json_of(&bytes))
    }

    pub async fn post_json(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Reply {
        self.request(Method::POST, path, Some(body), headers).await
    }

    pub async fn get_json(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.request(Method::GET, path, None, headers).await
    }

    pub async fn delete(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.request(Method::DELETE, path, None, headers).await
    }

    // ----- the outbox -----------------------------------------------------------

    pub fn outbox_path(&self) -> PathBuf {
        self.dir.path().join("outbox.jsonl")
    }

    /// Every SMS and email sent so far, oldest first. Messages about accounts leave
    /// through the job queue: those due are sent first, as the worker would.
    pub async fn outbox(&self) -> Vec<OutboxEntry> {
        self.send_queued_messages().await;
        self.outbox_as_sent().await
    }

    /// Runs the queued account messages that are due (and nothing else).
    pub async fn send_queued_messages(&self) {
        datacard::jobs::run_due_of_kind(&self.app, "outbox", datacard::accounts::MESSAGE_JOB)
            .await
            .expect("send queued messages");
    }

    /// The outbox as it is, without sending what is queued.
    pub async fn outbox_as_sent(&self) -> Vec<OutboxEntry> {
        FileOutbox::new(self.outbox_path())
            .entries()
            .await
            .expect("read the outbox")
    }

    /// Messages sent to one phone or email address, oldest first.
    pub async fn messages_to(&self, destination: &str) -> Vec<OutboxEntry> {
        self.outbox()
            .await
            .into_iter()
            .filter(|entry| entry.message.to == destination)
            .collect()
    }

    /// The newest message to `destination`.
    pub async fn last_message(&self, destination: &str) -> OutboxEntry {
        self.messages_to(destination)
            .await
            .pop()
            .unwrap_or_else(|| panic!("nothing was sent to {destination}"))
    }

    /// The six-digit code in the newest message to `destination`.
    pub async fn last_code(&self, destination: &str) -> String {
        let entry = self.last_message(destination).await;
        assert_eq!(
            entry.message.kind, "verification_code",
            "the newest message to {destination} is not a code: {entry:?}"
        );
        six_digits(&entry.message.body)
            .unwrap_or_else(|| panic!("no code in {:?}", entry.message.body))
    }

    // ----- whole flows ----------------------------------------------------------

    /// Asks for a code for `purpose`, expecting 202.
    pub async fn request_code(&self, phone: &str, purpose: &str, headers: &[(&str, &str)]) {
        let (status, _, body) = self
            .post_json(
                "/api/v1/verification-codes",
                json!({ "phone": phone, "purpose": purpose }),
                headers,
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "code for {phone}: {body}");
        // As the worker would, soon after.
        self.send_queued_messages().await;
    }

    /// Registers through the API (code, account, log in) and returns a bearer token.
    pub async fn register(&self, phone: &str, email: &str, password: &str) -> String {
        self.request_code(phone, "register", &[]).await;
        let code = self.last_code(phone).await;
        let (status, _, body) = self
            .post_json(
                "/api/v1/accounts",
                json!({ "phone": phone, "email": email, "password": password, "code": code }),
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "register {phone}: {body}");
        self.verify_email(email).await;
        self.log_in(phone, password).await
    }

    /// The token in the newest verification link sent to `email`.
    pub async fn email_token(&self, email: &str) -> String {
        let entry = self.last_message(&email.to_lowercase()).await;
        assert_eq!(
            entry.message.kind, "email_verification",
            "the newest message to {email} is not a verification link: {entry:?}"
        );
        let body = &entry.message.body;
        let start = body.find("token=").expect("a token in the link") + "token=".len();
        body[start..]
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// Opens the verification link sent to `email`, expecting success.
    pub async fn verify_email(&self, email: &str) {
        let token = self.email_token(email).await;
        let (status, _, body) = self
            .post_json(
                "/api/v1/email-verifications",
                json!({ "token": token }),
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "verify {email}: {body}");
    }

    /// Logs in, expecting success; returns the token.
    pub async fn log_in(&self, login: &str, password: &str) -> String {
        let (status, _, body) = self.try_log_in(login, password).await;
        assert_eq!(status, StatusCode::CREATED, "log in as {login}: {body}");
        body["token"]
            .as_str()
            .expect("a token in the session")
            .to_owned()
    }

    pub async fn try_log_in(&self, login: &str, password: &str) -> Reply {
        self.post_json(
            "/api/v1/sessions",
            json!({ "login": login, "password": password }),
            &[],
        )
        .await
    }

    /// `GET /api/v1/me` with the token.
    pub async fn me(&self, token: &str) -> Reply {
        self.get_json("/api/v1/me", &[("authorization", &bearer(token))])
            .await
    }

    /// Rows in a table: for checking that refused requests left nothing behind.
    pub async fn count_rows(&self, table: &str) -> i64 {
        use sqlx::Row;
        sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.app.db.reader())
            .await
            .and_then(|row| row.try_get::<i64, _>(0))
            .expect("count rows")
    }
}

/// A request with an optional JSON body and extra headers.
pub fn json_request(
    method: Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("a valid request")
}

/// Sends a request through `router` (for tasks of their own; tests use
/// [`TestApp::send`]), from [`CLIENT_ADDR`] unless it says otherwise.
pub async fn call(router: Router, mut request: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
    if !request.headers().contains_key("x-forwarded-for") {
        request.headers_mut().insert(
            "x-forwarded-for",
            header::HeaderValue::from_static(CLIENT_ADDR),
        );
    }
    let response = router
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("read the body")
        .to_bytes();
    (status, headers, body)
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// The `error.code` of an API error body.
pub fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no error code>")
}

/// Asserts the status and the stable error code of an API error.
#[track_caller]
pub fn assert_error(reply: &Reply, status: StatusCode, code: &str) {
    let (actual, _, body) = reply;
    assert_eq!(
        (*actual, error_code(body)),
        (status, code),
        "unexpected answer: {body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "an error carries a message for people: {body}"
    );
}

pub fn json_of(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// The first run of exactly six ASCII digits in `text`.
pub fn six_digits(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut start = None;
    for (index, byte) in bytes.iter().chain(std::iter::once(&b' ')).enumerate() {
        match (byte.is_ascii_digit(), start) {
            (true, None) => start = Some(index),
            (false, Some(from)) => {
                if index - from == 6 {
                    return Some(text[from..index].to_owned());
                }
                start = None;
            }
            _ => {}
        }
    }
    None
}

/// A PostgreSQL schema of the test's own, dropped (with everything in it) on drop.
///
/// The test's connections carry the schema name as `application_name`, so that the
/// drop can end those a failed test left behind: a transaction still open on the
/// test's own (by then blocked) runtime would otherwise hold its locks for ever.
struct SchemaGuard {
    url: String,
    name: String,
}

impl SchemaGuard {
    async fn create(url: &str) -> SchemaGuard {
        let name = format!("t_{:016x}", rand::random::<u64>());
        let admin = admin_db(url).await;
        sqlx::query(&format!("CREATE SCHEMA \"{name}\""))
            .execute(admin.reader())
            .await
            .expect("create the test schema");
        admin.close().await;
        SchemaGuard {
            url: url.to_owned(),
            name,
        }
    }

    /// The database URL, naming the test's connections after the schema.
    fn tagged_url(&self) -> String {
        let separator = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{separator}application_name={}", self.url, self.name)
    }

    async fn drop_schema(url: &str, name: &str) -> Result<(), sqlx::Error> {
        let admin = admin_db(url).await;
        let result = async {
            sqlx::query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE application_name = $1 AND pid <> pg_backend_pid()",
            )
            .bind(name)
            .execute(admin.reader())
            .await?;
            let mut tx = admin.begin().await?;
            sqlx::query("SET LOCAL lock_timeout = '30s'")
                .execute(&mut *tx)
                .await?;
            sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await;
        admin.close().await;
        result
    }
}

async fn admin_db(url: &str) -> Db {
    Db::connect(&DbOptions {
        url: url.to_owned(),
        max_connections: 1,
        schema: None,
    })
    .await
    .expect("connect to DATACARD_TEST_DATABASE_URL")
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        let url = self.url.clone();
        let name = self.name.clone();
        // The test's runtime may be gone or unwinding: drop on a runtime of our own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the schema");
            runtime.block_on(SchemaGuard::drop_schema(&url, &name))
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("could not drop test schema {}: {error}", self.name),
            Err(_) => eprintln!("could not drop test schema {}", self.name),
        }
    }
}

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
