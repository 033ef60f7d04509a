//! The subscriber portal: server-rendered pages that work without JavaScript.

use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};

use crate::app::App;

pub fn routes(_app: &App) -> Router<App> {
    Router::new()
}

pub async fn not_found_page(_app: &App, _request: Request) -> Response {
    (axum::http::StatusCode::NOT_FOUND, "not found").into_response()
}
