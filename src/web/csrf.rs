//! Form bodies checked against the page's CSRF token before any handler sees them,
//! for every server-rendered area (the portal, the console): each area's request
//! context says what its token is and how it shows a refusal.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::error::{Code, Error, ErrorKind};

/// A server-rendered area's per-request context, kept in the request's extensions.
pub trait FormContext: Clone + Send + Sync + 'static {
    /// The token this session's (or pre-session's) forms carry; empty refuses all.
    fn csrf(&self) -> &str;
    /// The area's page for an error that stops the request.
    fn refusal(&self, error: &Error) -> Response;
}

/// The form body of `request` as `T`, once its `csrf` field matches the context's
/// token; otherwise the area's refusal page (403 for a token missing or wrong, 400 for
/// a body that is no form, 413 for one too large).
pub async fn read<T: DeserializeOwned, C: FormContext>(
    request: Request,
    app: &App,
) -> Result<T, Response> {
    let Some(context) = request.extensions().get::<C>().cloned() else {
        return Err(Error::internal(anyhow::anyhow!("page context missing")).into_response());
    };
    let bytes = Bytes::from_request(request, app)
        .await
        .map_err(|_| context.refusal(&Error::new(ErrorKind::TooLarge, Code::BodyTooLarge)))?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| context.refusal(&Error::invalid(Code::InvalidForm)))?;
    let sent = pairs
        .iter()
        .find(|(key, _)| key == "csrf")
        .map(|(_, value)| value.as_str())
        .unwrap_or("");
    let expected = context.csrf();
    let matches: bool = sent.as_bytes().ct_eq(expected.as_bytes()).into();
    if expected.is_empty() || !matches {
        tracing::info!("form refused: CSRF token missing or wrong");
        return Err(context.refusal(&Error::new(ErrorKind::Forbidden, Code::CsrfFailed)));
    }
    serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| context.refusal(&Error::invalid(Code::InvalidForm)))
}
