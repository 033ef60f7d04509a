//! `POST /api/v1/webhooks/{provider}`: signed notifications, verified by the
//! provider's own scheme before anything is stored, and answered in the words the
//! provider waits for.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::app::App;
use crate::error::{Error, Result};
use crate::payments::store::{self as payments, NewEvent};
use crate::payments::{Applied, ProviderError, apply, provider_for};
use crate::web::error::{ErrorBody, log_if_internal, status_of};

/// Receives one notification. Bad signature → 400 and nothing changes; a
/// notification for a payment we do not know is kept for the operator and refused;
/// a genuine one about something that is not our payment (another event type, a
/// payment another system made on the same account) is acknowledged and ignored.
#[utoipa::path(post, path = "/api/v1/webhooks/{provider}", tag = "payments",
    responses((status = 200, description = "Received (Alipay: the text `success`)"),
        (status = 204, description = "Received (WeChat Pay)"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn receive(
    State(app): State<App>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let outcome = handle(&app, &provider, &headers, &body).await;
    reply(&provider, outcome)
}

/// What came of a verified notification.
enum Received {
    Applied(Applied),
    /// Genuine, but not about one of our payments.
    NotForUs,
}

/// Each provider retries until it hears its own word for "done": Alipay the bare text
/// `success`, WeChat Pay a 2xx (any 4xx/5xx with `{"code":"FAIL"}` makes it retry);
/// the others read our JSON.
fn reply(provider: &str, outcome: Result<Received>) -> Response {
    match (provider, outcome) {
        ("alipay", Ok(_)) => "success".into_response(),
        ("alipay", Err(error)) => {
            log_if_internal(&error);
            (status_of(&error), "fail").into_response()
        }
        ("wechat_pay", Ok(_)) => StatusCode::NO_CONTENT.into_response(),
        ("wechat_pay", Err(error)) => {
            log_if_internal(&error);
            let body = json!({ "code": "FAIL", "message": error.code });
            (status_of(&error), Json(body)).into_response()
        }
        (_, Ok(Received::Applied(applied))) => {
            Json(json!({ "received": true, "duplicate": applied == Applied::Duplicate }))
                .into_response()
        }
        (_, Ok(Received::NotForUs)) => {
            Json(json!({ "received": true, "ignored": true })).into_response()
        }
        (_, Err(error)) => error.into_response(),
    }
}

async fn handle(app: &App, provider: &str, headers: &HeaderMap, body: &[u8]) -> Result<Received> {
    let adapter =
        provider_for(app, provider).ok_or_else(|| Error::not_found("unknown_provider"))?;
    let notification = match adapter.verify_notification(headers, body, app.now()) {
        Ok(notification) => notification,
        Err(ProviderError::NotForUs(why)) => {
            tracing::info!(%provider, why, "notification acknowledged and ignored");
            return Ok(Received::NotForUs);
        }
        Err(error) => {
            tracing::warn!(%provider, %error, "notification refused");
            return Err(match error {
                ProviderError::Refused(_) => Error::invalid("invalid_signature"),
                _ => Error::invalid("invalid_notification"),
            });
        }
    };
    match apply(
        app,
        &notification.payment_id,
        "notification",
        &notification.event_id,
        &notification.observation,
    )
    .await
    {
        Ok(Applied::AmountMismatch) => Err(Error::invalid("amount_mismatch")),
        Ok(applied) => Ok(Received::Applied(applied)),
        Err(error) if error.code == "payment_not_found" => {
            let mut tx = app.db.begin().await?;
            let event = NewEvent {
                payment_id: None,
                provider: adapter.name(),
                provider_event_id: &notification.event_id,
                source: "notification",
                provider_status: notification.observation.status.as_str(),
                amount: notification.observation.amount,
                evidence: &notification.observation.raw,
                outcome: "unknown_payment",
            };
            payments::insert_event(&mut tx, &event, app.now()).await?;
            tx.commit().await?;
            tracing::warn!(%provider, "notification for an unknown payment kept for the operator");
            Err(error)
        }
        Err(error) => Err(error),
    }
}
