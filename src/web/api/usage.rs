//! `POST /api/v1/usage`: usage records from network elements and upstream providers,
//! authenticated by a per-source API key, answered per record after the commit.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::usage::{self, MAX_BATCH, RecordResult, UsageRecord};
use crate::web::api::refusals::{JSON_BODY, refusals};
use crate::web::extract::ApiJson;

/// Room for a full batch: 10 000 records of up to ~600 bytes of JSON each.
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageBody {
    /// At most 10 000 records.
    pub records: Vec<UsageRecord>,
}

#[derive(Serialize, ToSchema)]
pub struct UsageAnswer {
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: Vec<Rejected>,
}

#[derive(Serialize, ToSchema)]
pub struct Rejected {
    pub id: String,
    pub code: String,
}

refusals!(
    PostRefusals = [
        JSON_BODY,
        &[
            Code::InvalidNetworkKey,
            Code::NoRecords,
            Code::BatchTooLarge
        ],
    ]
);

/// Applies the records; each id at most once, ever.
#[utoipa::path(post, path = "/api/v1/usage", tag = "usage", request_body = UsageBody, security(("network_key" = [])),
    responses((status = 200, body = UsageAnswer), PostRefusals))]
pub async fn post(
    State(app): State<App>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<UsageBody>,
) -> Result<Json<UsageAnswer>> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let source = usage::keys::authenticate(&app, key.trim())
        .await?
        .ok_or_else(|| Error::unauthenticated(Code::InvalidNetworkKey))?;
    if body.records.is_empty() {
        return Err(Error::invalid(Code::NoRecords));
    }
    if body.records.len() > MAX_BATCH {
        return Err(Error::new(
            crate::error::ErrorKind::TooLarge,
            Code::BatchTooLarge,
        ));
    }
    let ids: Vec<String> = body.records.iter().map(|r| r.id.clone()).collect();
    let results = usage::submit(&app, body.records).await?;
    let mut answer = UsageAnswer {
        accepted: 0,
        duplicates: 0,
        rejected: Vec::new(),
    };
    for (id, result) in ids.into_iter().zip(results) {
        match result {
            RecordResult::Accepted => answer.accepted += 1,
            RecordResult::Duplicate => answer.duplicates += 1,
            RecordResult::Rejected(code) => answer.rejected.push(Rejected {
                id,
                code: code.to_owned(),
            }),
        }
    }
    tracing::info!(usage.source = %source, accepted = answer.accepted, duplicates = answer.duplicates, rejected = answer.rejected.len(), "usage batch");
    Ok(Json(answer))
}
