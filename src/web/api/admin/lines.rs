//! Lines marked for review (a note for staff; the line keeps working):
//! `POST /api/v1/admin/lines/{iccid}/review` `{reason}` marks (or re-marks) it,
//! `DELETE` the same with `{reason}` clears it (support and up), and
//! `GET /api/v1/admin/lines/reviews` lists the marked lines. Each change is audited.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::error::{Code, Result};
use crate::lines::Iccid;
use crate::lines::review::{self, LineReview};
use crate::staff::Permission;
use crate::web::api::refusals::{JSON_BODY, OPERATOR, refusals};

use super::{AdminJson, Operator};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/admin/lines/reviews", get(list))
        .route(
            "/api/v1/admin/lines/{iccid}/review",
            post(mark).delete(clear),
        )
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// Why (1–500 characters), shown to staff and kept in the audit log.
    pub reason: String,
}

refusals!(
    MarkRefusals = [
        OPERATOR,
        JSON_BODY,
        &[Code::InvalidIccid, Code::ReasonRequired, Code::LineNotFound]
    ]
);

/// Marks the line for review with a reason (again: the new reason replaces the old).
#[utoipa::path(post, path = "/api/v1/admin/lines/{iccid}/review", tag = "admin", security(("operator_key" = [])),
    params(("iccid" = String, Path, description = "The line's ICCID")), request_body = ReviewBody,
    responses((status = 200, body = LineReview), MarkRefusals))]
pub async fn mark(
    State(app): State<App>,
    operator: Operator,
    Path(iccid): Path<String>,
    AdminJson(body): AdminJson<ReviewBody>,
) -> Result<Json<LineReview>> {
    operator.require(Permission::ReviewLines)?;
    let iccid = Iccid::parse(&iccid)?;
    Ok(Json(
        review::mark(&app, &iccid, &body.reason, &operator.name).await?,
    ))
}

refusals!(
    ClearRefusals = [
        OPERATOR,
        JSON_BODY,
        &[Code::InvalidIccid, Code::ReasonRequired, Code::NotFound]
    ]
);

/// Clears the line's mark, with why.
#[utoipa::path(delete, path = "/api/v1/admin/lines/{iccid}/review", tag = "admin", security(("operator_key" = [])),
    params(("iccid" = String, Path, description = "The line's ICCID")), request_body = ReviewBody,
    responses((status = 204, description = "The mark is cleared"), ClearRefusals))]
pub async fn clear(
    State(app): State<App>,
    operator: Operator,
    Path(iccid): Path<String>,
    AdminJson(body): AdminJson<ReviewBody>,
) -> Result<StatusCode> {
    operator.require(Permission::ReviewLines)?;
    let iccid = Iccid::parse(&iccid)?;
    review::clear(&app, &iccid, &body.reason, &operator.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

refusals!(ListRefusals = [OPERATOR]);

/// Every line marked for review, oldest mark first.
#[utoipa::path(get, path = "/api/v1/admin/lines/reviews", tag = "admin", security(("operator_key" = [])),
    responses((status = 200, body = Vec<LineReview>), ListRefusals))]
pub async fn list(State(app): State<App>, operator: Operator) -> Result<Json<Vec<LineReview>>> {
    operator.require(Permission::Read)?;
    Ok(Json(review::all(&app).await?))
}
