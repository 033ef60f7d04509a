//! `POST /api/v1/sessions` (log in) and `DELETE /api/v1/sessions/current` (log out).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::accounts::{self, SessionKind};
use crate::app::App;
use crate::error::Result;
use crate::web::error::ErrorBody;
use crate::web::extract::{ApiJson, ClientAddr, RequestLocale, SignedIn};
use crate::web::idempotency;

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// Phone (E.164) or email.
    pub login: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionBody {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Logs in with phone or email and password; returns a bearer token.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions", request_body = LoginBody,
    responses((status = 201, body = SessionBody), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn log_in(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginBody>,
) -> Response {
    let digest = idempotency::digest(&body);
    idempotency::run(&app, &headers, "sessions", digest, locale, || async {
        let session =
            accounts::log_in(&app, &body.login, &body.password, &client, SessionKind::Api).await?;
        let body = SessionBody {
            token: session.token,
            expires_at: session.expires_at,
        };
        Ok((StatusCode::CREATED, json!(body)))
    })
    .await
}

/// Revokes the token used for this request.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "sessions", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn log_out(State(app): State<App>, signed_in: SignedIn) -> Result<StatusCode> {
    accounts::log_out(&app, &signed_in.token).await?;
    Ok(StatusCode::NO_CONTENT)
}
