//! The subscriber's records in the portal: a receipt (`/orders/{id}/receipt`, phone
//! first and printable, with its PDF), the history (`/history`) and the monthly
//! statements (`/statements`, `/statements/{YYYY-MM}` with `.pdf` and `.csv`).

mod history;
mod receipt;
mod statements;

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::App;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/orders/{id}/receipt", get(receipt::show))
        .route("/orders/{id}/receipt.pdf", get(receipt::pdf))
        .route("/history", get(history::show))
        .route("/statements", get(statements::list))
        .route("/statements/{month}", get(statements::show))
}

/// A file to download.
fn download(content_type: &str, name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Printing a record: only the record, black on white, no navigation.
const PRINT: &str = ".nowrap { white-space: nowrap; } table.breakdown caption { text-align: left; } \
     table.breakdown tr.item th { font-weight: 400; } @media print { header.site, footer.site, nav, .no-print, a.skip { display: none !important; } \
     body { background: #fff; } main { padding: 0; } .card { border: none; padding: 0; } }";
