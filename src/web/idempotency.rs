//! `Idempotency-Key` on creating requests: the same key with the same body returns the
//! first response; with another body, 422. Only successes are kept, so a request
//! that failed can be retried with the same key.
//!
//! Keys belong to their caller: one caller's key is never looked up among another's.
//! What is kept is the answer and an HMAC of the request under the server's secret,
//! so nothing that holds a secret may go through here (logging in and registering
//! do not).
//!
//! A claim is a lease. The work a key guards (an order: its rows, then a provider
//! call) cannot share one transaction with the claim, so a process that dies between
//! the two leaves the claim behind: until `claimed_until` a retry is told the request
//! is in progress; after it, the retry takes the claim over and runs again, and the
//! work finds what the dead request made (an order carries its key) instead of
//! making it twice.

use std::future::Future;

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::error::{Code, Error, ErrorKind};
use crate::i18n::Locale;

use super::error::json_response;

pub const HEADER: &str = "idempotency-key";

/// Whose keys these are.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    /// A signed-in account, by id.
    Account(&'a str),
    /// Nobody signed in: the client's address.
    Address(&'a str),
}

impl Caller<'_> {
    fn scope(self, action: &str) -> String {
        match self {
            Caller::Account(id) => format!("{action}:{id}"),
            Caller::Address(address) => format!("{action}:addr:{address}"),
        }
    }
}

/// The request's fingerprint, kept to tell a retry from another request: an HMAC
/// under the server's secret, so that a stored fingerprint says nothing of the body.
fn digest<T: Serialize>(secret: &[u8], body: &T) -> Result<String, Error> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).map_err(Error::internal)?;
    mac.update(&serde_json::to_vec(body).map_err(Error::internal)?);
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// How long a claim holds: longer than any request may run (the request timeout
/// cancels it), so a claim whose lease is over belongs to a request that is gone.
fn lease_millis(app: &App) -> i64 {
    let secs = app.config.server.request_timeout_secs.saturating_add(30);
    i64::try_from(secs).unwrap_or(i64::MAX / 1000) * 1000
}

/// Runs `create` at most once per (caller, `action`, key) and replays its success;
/// `create` is told the key, for work that must find what an earlier run made.
pub async fn run<B, F, Fut>(
    app: &App,
    headers: &HeaderMap,
    action: &str,
    caller: Caller<'_>,
    body: &B,
    locale: Locale,
    create: F,
) -> Response
where
    B: Serialize,
    F: FnOnce(Option<String>) -> Fut,
    Fut: Future<Output = Result<(StatusCode, serde_json::Value), Error>>,
{
    let Some(raw_key) = headers.get(HEADER) else {
        return respond(create(None).await, locale);
    };
    let key = match raw_key.to_str() {
        Ok(key)
            if !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            key
        }
        _ => return json_response(&Error::invalid(Code::InvalidIdempotencyKey), locale),
    };
    let scope = caller.scope(action);
    let claimed = match digest(&app.secret, body) {
        Ok(digest) => claim(app, &scope, key, &digest).await,
        Err(error) => Err(error),
    };
    match claimed {
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
    let outcome = create(Some(key.to_owned())).await;
    let stored = match &outcome {
        Ok((status, body)) => store(app, &scope, key, *status, body).await,
        Err(_) => release(app, &scope, key).await,
    };
    if let Err(error) = stored {
        // The claim stays until its lease is over; a retry then runs again.
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

/// Where an unfinished claim stands at `now` (all in milliseconds).
#[derive(Debug, PartialEq, Eq)]
enum Lease {
    /// Its request may still be running: come back in this many seconds.
    Held { retry_after_secs: i64 },
    /// Its request is gone; the claim may be taken over.
    Over,
}

fn lease_at(claimed_until: Option<i64>, now: i64) -> Lease {
    match claimed_until {
        Some(until) if until > now => Lease::Held {
            retry_after_secs: (until - now + 999) / 1000,
        },
        _ => Lease::Over,
    }
}

fn in_progress(retry_after_secs: i64) -> Error {
    let mut error = Error::conflict(Code::IdempotencyInProgress);
    error.retry_after_secs = Some(retry_after_secs.max(1));
    error
}

async fn claim(app: &App, scope: &str, key: &str, body_digest: &str) -> Result<Claim, Error> {
    let now = to_millis(app.now());
    let lease = lease_millis(app);
    let until = now.saturating_add(lease);
    let mut tx = app.db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (scope, key, request_hash, created_at, claimed_until) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scope, key) DO NOTHING",
    )
    .bind(scope)
    .bind(key)
    .bind(body_digest)
    .bind(now)
    .bind(until)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 1 {
        tx.commit().await?;
        return Ok(Claim::Ours);
    }
    let row = sqlx::query(
        "SELECT request_hash, status, response_body, claimed_until FROM idempotency_keys \
         WHERE scope = $1 AND key = $2",
    )
    .bind(scope)
    .bind(key)
    .fetch_one(&mut *tx)
    .await?;
    let request_hash: String = row.try_get("request_hash")?;
    if request_hash != body_digest {
        return Err(Error::new(
            ErrorKind::Unprocessable,
            Code::IdempotencyKeyReused,
        ));
    }
    let status: Option<i64> = row.try_get("status")?;
    let body: Option<String> = row.try_get("response_body")?;
    if let (Some(status), Some(body)) = (status, body) {
        let status = u16::try_from(status)
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::OK);
        let body = serde_json::from_str(&body).map_err(Error::internal)?;
        return Ok(Claim::Replay(status, body));
    }
    if let Lease::Held { retry_after_secs } = lease_at(row.try_get("claimed_until")?, now) {
        return Err(in_progress(retry_after_secs));
    }
    // Take the claim over, unless another retry just did.
    let taken = sqlx::query(
        "UPDATE idempotency_keys SET claimed_until = $1 WHERE scope = $2 AND key = $3 \
         AND status IS NULL AND (claimed_until IS NULL OR claimed_until <= $4)",
    )
    .bind(until)
    .bind(scope)
    .bind(key)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    if taken.rows_affected() == 1 {
        tracing::info!(idempotency.scope = %scope, "a claim whose lease was over was taken over");
        Ok(Claim::Ours)
    } else {
        Err(in_progress(lease / 1000))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_holds_until_its_end_and_rounds_the_wait_up() {
        assert_eq!(
            lease_at(Some(61_000), 1_000),
            Lease::Held {
                retry_after_secs: 60
            }
        );
        assert_eq!(
            lease_at(Some(1_001), 1_000),
            Lease::Held {
                retry_after_secs: 1
            }
        );
        assert_eq!(lease_at(Some(1_000), 1_000), Lease::Over);
        assert_eq!(lease_at(None, 1_000), Lease::Over);
    }

    #[test]
    fn the_digest_is_keyed_by_the_secret_and_is_not_a_bare_hash() {
        use sha2::Digest;
        let body = serde_json::json!({ "login": "+85261234567", "password": "hunter2" });
        let ours = digest(b"one secret", &body).unwrap_or_default();
        assert_ne!(ours, digest(b"another secret", &body).unwrap_or_default());
        let bare = hex::encode(Sha256::digest(
            serde_json::to_vec(&body).unwrap_or_default(),
        ));
        assert_ne!(ours, bare);
        assert_eq!(ours, digest(b"one secret", &body).unwrap_or_default());
    }

    #[test]
    fn callers_never_share_a_scope() {
        assert_ne!(
            Caller::Account("acc_1").scope("orders"),
            Caller::Account("acc_2").scope("orders")
        );
        assert_ne!(
            Caller::Account("203.0.113.7").scope("codes"),
            Caller::Address("203.0.113.7").scope("codes")
        );
    }
}
