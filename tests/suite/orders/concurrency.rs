//! A busy evening: a hundred-odd orders by several subscribers, every one paid at the
//! provider, then every notification delivered twice, shuffled, from four places at
//! once while two workers run the reconciliation jobs. Each order must be fulfilled
//! exactly once, and the books must balance. Runs on SQLite and on PostgreSQL.

/// Runs `$story(app)` on both databases, on a runtime with several threads.
macro_rules! busy_story {
    ($name:ident, $story:path) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                run(Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                run(Backend::Postgres).await;
            }

            async fn run(backend: Backend) {
                let Some(app) = TestApp::start(backend).await else {
                    return;
                };
                $story(&app).await;
                app.finish().await;
            }
        }
    };
}

mod busy_evening;
mod helpers;
mod second_payments;
