//! Notifications, sent as the providers send them: a moment after the event, over
//! HTTP, and again with growing waits until our webhook answers the provider's word
//! for "received" (each provider's own; see the callers).

use std::sync::OnceLock;
use std::time::Duration;

use crate::app::App;

/// How long after the event the first attempt goes.
const FIRST_DELAY: Duration = Duration::from_millis(250);
/// Waits before the attempts that follow a refusal (real providers keep trying for a
/// day or more; the demo does not need to).
const RETRIES: [Duration; 5] = [
    Duration::from_secs(1),
    Duration::from_secs(3),
    Duration::from_secs(10),
    Duration::from_secs(30),
    Duration::from_secs(120),
];

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default()
    })
}

/// Sends in the background. `build` makes each attempt afresh (signatures carry the
/// time they were made); `accepted` reads our answer. Stops when the app is gone.
pub fn send<B, A>(app: &App, what: String, build: B, accepted: A)
where
    B: Fn(&reqwest::Client, &App) -> Result<reqwest::RequestBuilder, String> + Send + 'static,
    A: Fn(u16, &str) -> bool + Send + 'static,
{
    let app = app.downgrade();
    tokio::spawn(async move {
        let waits = std::iter::once(FIRST_DELAY).chain(RETRIES);
        for (attempt, wait) in waits.enumerate() {
            tokio::time::sleep(wait).await;
            let Some(app) = App::upgrade(&app) else {
                return;
            };
            let outcome = match build(client(), &app) {
                Ok(request) => match request.send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let body = response.text().await.unwrap_or_default();
                        if accepted(status, &body) {
                            tracing::info!(%what, attempt, "fake provider: notification delivered");
                            return;
                        }
                        format!(
                            "answered {status}: {}",
                            body.chars().take(200).collect::<String>()
                        )
                    }
                    Err(error) => format!("not delivered: {error}"),
                },
                Err(error) => format!("cannot be made: {error}"),
            };
            tracing::warn!(%what, attempt, %outcome, "fake provider: notification refused; will retry");
        }
        tracing::warn!(%what, "fake provider: notification given up");
    });
}
