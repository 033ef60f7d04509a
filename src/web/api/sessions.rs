//! `POST /api/v1/sessions` (log in) and `DELETE /api/v1/sessions/current` (log out).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::{self, SessionKind};
use crate::app::App;
use crate::error::{Code, Result};
use crate::web::api::refusals::{JSON_BODY, PASSWORD_HASH, SIGNED_IN, refusals};
use crate::web::error::json_response;
use crate::web::extract::{ApiJson, ClientAddr, RequestLocale, SignedIn};

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

refusals!(
    LogInRefusals = [
        JSON_BODY,
        PASSWORD_HASH,
        &[Code::InvalidCredentials, Code::LoginLocked],
    ]
);

/// Logs in with phone or email and password; returns a bearer token. An
/// `Idempotency-Key` is ignored: a session token is never kept to be replayed, and
/// each login is a session of its own.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions", request_body = LoginBody,
    responses((status = 201, body = SessionBody), LogInRefusals))]
pub async fn log_in(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<LoginBody>,
) -> Response {
    match accounts::log_in(&app, &body.login, &body.password, &client, SessionKind::Api).await {
        Ok(session) => {
            let body = SessionBody {
                token: session.token,
                expires_at: session.expires_at,
            };
            (StatusCode::CREATED, Json(body)).into_response()
        }
        Err(error) => json_response(&error, locale),
    }
}

refusals!(LogOutRefusals = [SIGNED_IN]);

/// Revokes the token used for this request.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "sessions", security(("bearer" = [])),
    responses((status = 204, description = "Logged out"), LogOutRefusals))]
pub async fn log_out(State(app): State<App>, signed_in: SignedIn) -> Result<StatusCode> {
    accounts::log_out(&app, &signed_in.token).await?;
    Ok(StatusCode::NO_CONTENT)
}
