//! `POST /api/v1/admin/messages/{id}/resend`: a message from the message log sent
//! again, the same text to the same address (support and up); audited as
//! `message.resend`. The customer's messages are in `GET /api/v1/admin/customers/{id}`.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;

use crate::app::App;
use crate::error::{Code, Result};
use crate::messages::SentMessage;
use crate::staff::Permission;
use crate::web::api::refusals::{OPERATOR, refusals};

use super::Operator;

pub fn routes() -> Router<App> {
    Router::new().route("/api/v1/admin/messages/{id}/resend", post(resend))
}

refusals!(
    ResendRefusals = [
        OPERATOR,
        &[Code::MessageNotFound, Code::MessageNotResendable]
    ]
);

/// Sends a logged message again; answers the new log entry (its `result` says
/// whether the transport took it).
#[utoipa::path(post, path = "/api/v1/admin/messages/{id}/resend", tag = "admin", security(("operator_key" = [])),
    params(("id" = String, Path, description = "The message's id in the message log")),
    responses((status = 201, body = SentMessage), ResendRefusals))]
pub async fn resend(
    State(app): State<App>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<SentMessage>)> {
    operator.require(Permission::ResendMessages)?;
    let sent = crate::customers::messages::resend(&app, &id, &operator.name).await?;
    Ok((StatusCode::CREATED, Json(sent)))
}
