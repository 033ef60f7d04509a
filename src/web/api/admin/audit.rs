//! `GET /api/v1/admin/audit`: the audit log, newest first, a page at a time.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::App;
use crate::audit::{self, MAX_PAGE};
use crate::error::{Code, Error, Result};
use crate::web::api::refusals::{OPERATOR, refusals};

use super::Operator;

const DEFAULT_PAGE: u32 = 50;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries about this plan, promotion, coupon or payment.
    subject: Option<String>,
    /// The `next_before` of the previous page.
    before: Option<String>,
    /// Entries per page, 1–200 (default 50).
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPageBody {
    pub entries: Vec<AuditEntryBody>,
    /// Pass as `before` for the next (older) page; `null` on the last one.
    pub next_before: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryBody {
    /// The entry's number: 1, 2, 3… in the order entries were recorded, the order
    /// the log is listed in; `datacard audit verify` names entries by it.
    #[schema(example = 42)]
    pub seq: i64,
    pub id: String,
    pub at: DateTime<Utc>,
    /// The operator key's name, `cli` or `demo`.
    pub actor: String,
    #[schema(example = "plan.version")]
    pub action: String,
    #[schema(example = "HK-30D-20G")]
    pub subject: String,
    #[schema(example = "version 2")]
    pub detail: String,
}

refusals!(ListRefusals = [OPERATOR, &[Code::InvalidQuery]]);

/// Who changed what and when, newest (highest `seq`) first.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", security(("operator_key" = [])), params(AuditQuery),
    responses((status = 200, body = AuditPageBody), ListRefusals))]
pub async fn list(
    State(app): State<App>,
    _operator: Operator,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<AuditPageBody>> {
    let Query(query) =
        query.map_err(|r| Error::invalid(Code::InvalidQuery).with_details(vec![r.body_text()]))?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Error::invalid(Code::InvalidQuery)
            .with_details(vec![format!("limit must be between 1 and {MAX_PAGE}")]));
    }
    let subject = query
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let page = audit::list(&app, subject, query.before.as_deref(), limit).await?;
    Ok(Json(AuditPageBody {
        entries: page
            .entries
            .into_iter()
            .map(|e| AuditEntryBody {
                seq: e.seq,
                id: e.id,
                at: e.at,
                actor: e.actor,
                action: e.action,
                subject: e.subject,
                detail: e.detail,
            })
            .collect(),
        next_before: page.next_before,
    }))
}
