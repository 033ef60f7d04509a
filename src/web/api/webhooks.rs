//! `POST /api/v1/webhooks/{provider}`: signed notifications, verified by the
//! provider's own scheme before anything is stored, applied only to that provider's
//! own payments, and answered in the words the provider waits for.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::error::{Error, Result};
use crate::orders::{Applied, apply_notification};
use crate::payments::provider::Acknowledged;
use crate::payments::{Provider, ProviderError, ProviderName};
use crate::web::error::ErrorBody;

/// Receives one notification. A provider this installation does not run → 404; bad
/// signature → 400 and nothing changes; a notification about another provider's
/// payment (`wrong_provider`) or a payment we do not know (`payment_not_found`) is
/// kept for the operator and refused; a genuine one about something that is not our
/// payment (another event type, a payment another system made on the same account)
/// is acknowledged and ignored.
#[utoipa::path(post, path = "/api/v1/webhooks/{provider}", tag = "payments",
    params(("provider" = String, Path, description = "stripe, alipay or wechat_pay (sandbox in demo mode)")),
    responses((status = 200, description = "Received (Alipay: the text `success`)"),
        (status = 204, description = "Received (WeChat Pay)"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn receive(
    State(app): State<App>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(adapter) = ProviderName::parse(&provider).and_then(|name| app.providers().get(name))
    else {
        return Error::not_found("unknown_provider").into_response();
    };
    let outcome = handle(&app, adapter.as_ref(), &headers, &body).await;
    adapter.acknowledge(outcome)
}

async fn handle(
    app: &App,
    adapter: &dyn Provider,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Acknowledged> {
    let provider = adapter.name();
    let notification = match adapter.verify_notification(headers, body, app.now()) {
        Ok(notification) => notification,
        Err(ProviderError::NotForUs(why)) => {
            tracing::info!(%provider, why, "notification acknowledged and ignored");
            return Ok(Acknowledged::NotForUs);
        }
        Err(error) => {
            tracing::warn!(%provider, %error, "notification refused");
            return Err(match error {
                ProviderError::Refused(_) => Error::invalid("invalid_signature"),
                _ => Error::invalid("invalid_notification"),
            });
        }
    };
    match apply_notification(app, provider, &notification).await? {
        Applied::AmountMismatch => Err(Error::invalid("amount_mismatch")),
        applied => Ok(Acknowledged::Applied {
            duplicate: applied == Applied::Duplicate,
        }),
    }
}
