//! `POST /api/v1/webhooks/{provider}`: signed notifications, verified by the
//! provider's own scheme before anything is stored.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::app::App;
use crate::error::{Error, Result};
use crate::payments::store::{self as payments, NewEvent};
use crate::payments::{Applied, ProviderError, apply, provider_for};
use crate::web::error::ErrorBody;

/// Receives one notification. Bad signature → 400 and nothing changes; a
/// notification for a payment we do not know is kept for the operator and refused.
#[utoipa::path(post, path = "/api/v1/webhooks/{provider}", tag = "payments",
    responses((status = 200), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn receive(
    State(app): State<App>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>> {
    let adapter =
        provider_for(&app, &provider).ok_or_else(|| Error::not_found("unknown_provider"))?;
    let notification = adapter
        .verify_notification(&headers, &body, app.now())
        .map_err(|error| {
            tracing::warn!(%provider, %error, "notification refused");
            match error {
                ProviderError::Refused(_) => Error::invalid("invalid_signature"),
                ProviderError::Unavailable(_) => Error::invalid("invalid_notification"),
            }
        })?;
    match apply(
        &app,
        &notification.payment_id,
        "notification",
        &notification.event_id,
        &notification.observation,
    )
    .await
    {
        Ok(Applied::AmountMismatch) => Err(Error::invalid("amount_mismatch")),
        Ok(applied) => Ok(Json(
            json!({ "received": true, "duplicate": applied == Applied::Duplicate }),
        )),
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
