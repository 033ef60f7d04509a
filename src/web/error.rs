//! Errors at the HTTP edge: the JSON shape of API.md, `{"error": {"code", "message"}}`.
//! 5xx bodies never carry internal details; their cause is logged here, once.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{Error, ErrorKind};
use crate::i18n::{Locale, t};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable.
    #[schema(example = "invalid_phone")]
    pub code: String,
    /// For people; wording may change.
    pub message: String,
    /// Each problem found, for people, when there is more to say than the code
    /// (a refused catalog entry names every problem in it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

pub fn status_of(error: &Error) -> StatusCode {
    status_of_kind(error.kind)
}

/// The HTTP status errors of `kind` are answered with.
pub fn status_of_kind(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Logs an internal error's cause once, where it is turned into a response.
pub fn log_if_internal(error: &Error) {
    if error.kind == ErrorKind::Internal {
        match error.source() {
            Some(source) => tracing::error!(error = %format!("{source:#}"), "request failed"),
            None => tracing::error!("request failed"),
        }
    }
}

/// The error as the API answers it, with the message in `locale`.
pub fn json_response(error: &Error, locale: Locale) -> Response {
    log_if_internal(error);
    let body = ErrorBody {
        error: ErrorDetail {
            code: error.code.as_str().to_owned(),
            message: message(error, locale),
            details: error.details.clone(),
        },
    };
    let mut response = (status_of(error), Json(body)).into_response();
    if let Some(seconds) = error.retry_after_secs
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The code's text, then the details: "The plan was refused: prices: …".
fn message(error: &Error, locale: Locale) -> String {
    let text = t(locale, &format!("error.{}", error.code));
    if error.details.is_empty() {
        text
    } else {
        format!("{text} {}", error.details.join("; "))
    }
}

/// API handlers return `Result<_, Error>`; messages default to English there.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        json_response(&self, Locale::En)
    }
}
