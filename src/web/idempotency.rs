//! `Idempotency-Key` on creating requests: the same key with the same body returns the
//! first response; with another body, 422. Only successes are kept, so a request
//! that failed can be retried with the same key.

use std::future::Future;

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::error::{Error, ErrorKind};
use crate::i18n::Locale;

use super::error::json_response;

pub const HEADER: &str = "idempotency-key";

pub fn digest<T: Serialize>(body: &T) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(body).unwrap_or_default()))
}

/// Runs `create` at most once per (`scope`, key) and replays its success.
pub async fn run<F, Fut>(
    app: &App,
    headers: &HeaderMap,
    scope: &str,
    body_digest: String,
    locale: Locale,
    create: F,
) -> Response
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(StatusCode, serde_json::Value), Error>>,
{
    let Some(raw_key) = headers.get(HEADER) else {
        return respond(create().await, locale);
    };
    let key = match raw_key.to_str() {
        Ok(key)
            if !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            key
        }
        _ => return json_response(&Error::invalid("invalid_idempotency_key"), locale),
    };
    match claim(app, scope, key, &body_digest).await {
        Ok(Claim::Ours) => {}
        Ok(Claim::Replay(status, body)) => {
            let mut response = (status, Json(body)).into_response();
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return response;
        }
        Err(error) => return json_response(&error, locale),
    }
    let outcome = create().await;
    let stored = match &outcome {
        Ok((status, body)) => store(app, scope, key, *status, body).await,
        Err(_) => release(app, scope, key).await,
    };
    if let Err(error) = stored {
        tracing::warn!(error = %error, "idempotency record not updated");
    }
    respond(outcome, locale)
}

fn respond(outcome: Result<(StatusCode, serde_json::Value), Error>, locale: Locale) -> Response {
    match outcome {
        Ok((status, body)) => (status, Json(body)).into_response(),
        Err(error) => json_response(&error, locale),
    }
}

enum Claim {
    Ours,
    Replay(StatusCode, serde_json::Value),
}

async fn claim(app: &App, scope: &str, key: &str, body_digest: &str) -> Result<Claim, Error> {
    let mut tx = app.db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (scope, key) DO NOTHING",
    )
    .bind(scope)
    .bind(key)
    .bind(body_digest)
    .bind(to_millis(app.now()))
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 1 {
        tx.commit().await?;
        return Ok(Claim::Ours);
    }
    let row = sqlx::query("SELECT request_hash, status, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2")
        .bind(scope)
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    let request_hash: String = row.try_get("request_hash")?;
    if request_hash != body_digest {
        return Err(Error::new(
            ErrorKind::Unprocessable,
            "idempotency_key_reused",
        ));
    }
    let status: Option<i64> = row.try_get("status")?;
    let body: Option<String> = row.try_get("response_body")?;
    match (status, body) {
        (Some(status), Some(body)) => {
            let status = u16::try_from(status)
                .ok()
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::OK);
            let body = serde_json::from_str(&body).map_err(Error::internal)?;
            Ok(Claim::Replay(status, body))
        }
        _ => Err(Error::conflict("idempotency_in_progress")),
    }
}

async fn store(
    app: &App,
    scope: &str,
    key: &str,
    status: StatusCode,
    body: &serde_json::Value,
) -> Result<(), Error> {
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "UPDATE idempotency_keys SET status = $1, response_body = $2 WHERE scope = $3 AND key = $4",
    )
    .bind(i64::from(status.as_u16()))
    .bind(body.to_string())
    .bind(scope)
    .bind(key)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn release(app: &App, scope: &str, key: &str) -> Result<(), Error> {
    let mut tx = app.db.begin().await?;
    sqlx::query("DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL")
        .bind(scope)
        .bind(key)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
