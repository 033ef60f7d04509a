//! The story-test harness: the real router in-process (`oneshot`), over either
//! database, with a clock the test moves and the file outbox standing in for SMS and
//! email.
//!
//! Every story runs twice, `<story>::sqlite` and `<story>::postgres`; the PostgreSQL
//! run needs `DATACARD_TEST_DATABASE_URL` and is skipped (passes) without it. Each
//! PostgreSQL run works in a schema of its own, dropped afterwards.

mod accounts;
pub mod alipay;
mod app;
mod console;
mod http;
mod lines;
mod messages;
mod portal;
mod schema;
pub mod stripe;
mod wallet;
pub mod wechat_pay;

use chrono::{DateTime, Utc};
use serde_json::Value;

use axum::http::{HeaderMap, StatusCode};

pub use app::TestApp;
#[allow(unused_imports, reason = "only the console's stories use these")]
pub use console::{STAFF_PASSWORD, Staff, decode_base32, testid_text};
pub use datacard::db::Backend;
pub use http::{assert_error, bearer, call, error_code, json_of, json_request};
#[allow(
    unused_imports,
    reason = "only the stories about existing lines use these"
)]
pub use lines::{Numbering, PASSWORD, Subscriber, Used};
pub use messages::six_digits;
pub use portal::{csrf_of, set_cookie};

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

pub type Reply = (StatusCode, HeaderMap, Value);
