//! The HTTP edge: the JSON API, the portal pages, health checks, and the middleware
//! every request passes through.

pub mod api;
pub mod console;
pub mod cookies;
pub mod csrf;
pub mod error;
pub mod extract;
mod idempotency;
pub mod portal;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::app::App;
use crate::error::{Code, Error, ErrorKind};

/// The whole application as one router.
pub fn router(app: App) -> Router {
    let timeout = Duration::from_secs(app.config.server.request_timeout_secs);
    let body_limit = app.config.server.max_body_bytes;
    let hsts = app.config.public_url().starts_with("https://");
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(api::routes())
        .merge(console::routes(&app))
        .merge(portal::routes(&app, crate::demo::portal_routes(&app)))
        // Demo mode only: the sandbox's pay page, the fakes, the outbox page.
        .merge(crate::demo::routes(&app))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CompressionLayer::new().gzip(true))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked");
            Error::internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let path = request
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_else(|| "unmatched".to_owned());
                tracing::info_span!("request", method = %request.method(), path = %path)
            }),
        )
        // No page of ours is shown inside another site's frame (a checkout's Pay
        // button under someone else's overlay), and no answer is read as another type.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Our addresses (order ids, payment pages) are not told to other sites.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        // Served over HTTPS, browsers are told to never try plain HTTP again.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            hsts.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains")),
        ))
        .layer(SetSensitiveHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
            header::SET_COOKIE,
        ]))
        .with_state(app)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(app): State<App>) -> Response {
    if app.db.ping().await {
        (StatusCode::OK, "ready").into_response()
    } else {
        Error::new(ErrorKind::Unavailable, Code::DatabaseUnavailable).into_response()
    }
}

/// JSON for the API and for clients that do not ask for HTML; a page for browsers.
async fn not_found(State(app): State<App>, request: Request) -> Response {
    if wants_html(&request) {
        portal::not_found_page(&app, request).await
    } else {
        Error::not_found(Code::NotFound).into_response()
    }
}

async fn method_not_allowed() -> Response {
    Error::new(ErrorKind::MethodNotAllowed, Code::MethodNotAllowed).into_response()
}

fn wants_html(request: &Request) -> bool {
    !request.uri().path().starts_with("/api/")
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}
