//! `/api/v1/admin/plans`: every plan with every version; create or change one with a
//! catalog-file entry (`PUT`, a new version when terms or prices change); retire one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::catalog::history::{self, PlanRecord};
use crate::catalog::{self, Allowance, Period, Plan, PlanCode, PlanEntry, Zone, edit};
use crate::error::{Code, Error, Result};
use crate::money::Money;
use crate::web::api::plans::FairUseBody;
use crate::web::api::refusals::{JSON_BODY, OPERATOR, refusals};

use super::{AdminJson, Operator, Outcome, same_code};
use crate::staff::Permission;

#[derive(Serialize, ToSchema)]
pub struct AdminPlanBody {
    pub code: String,
    pub zone: Zone,
    /// Place in the catalog, lowest first.
    pub sort_order: i64,
    pub created_at: DateTime<Utc>,
    /// Set while the plan is retired: no new sales.
    pub retired_at: Option<DateTime<Utc>>,
    /// The version sold now; `null` while the first is still scheduled.
    pub version_in_force: Option<i64>,
    /// The latest version as a catalog entry: `PUT` it back and nothing changes.
    #[schema(value_type = Object)]
    pub entry: serde_json::Value,
    /// Oldest first; versions after `version_in_force` are scheduled.
    pub versions: Vec<PlanVersionBody>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanVersionBody {
    /// What orders and line periods refer to.
    pub id: String,
    pub version: i64,
    pub effective_from: DateTime<Utc>,
    pub names: std::collections::BTreeMap<String, String>,
    pub period: Period,
    /// Bytes per period; `null` for unlimited plans.
    pub data_allowance: Option<u64>,
    pub fair_use: Option<FairUseBody>,
    pub prices: Vec<Money>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanChangeBody {
    pub outcome: Outcome,
    /// The version this request added, if any.
    pub new_version: Option<i64>,
    /// `true` when this request retired the plan, `false` when it put it back on sale.
    pub retired: Option<bool>,
    pub plan: AdminPlanBody,
}

fn version_body(plan: &Plan) -> PlanVersionBody {
    PlanVersionBody {
        id: plan.version_id.clone(),
        version: plan.version,
        effective_from: plan.effective_from,
        names: plan.names.clone(),
        period: plan.period,
        data_allowance: plan.allowance.bytes(),
        fair_use: match plan.allowance {
            Allowance::Unlimited {
                fair_use_cap,
                throttle_kbps,
            } => Some(FairUseBody {
                cap: fair_use_cap,
                throttle_kbps,
            }),
            Allowance::Capped { .. } => None,
        },
        prices: plan
            .prices
            .iter()
            .map(|(currency, amount)| Money::new(*amount, *currency))
            .collect(),
    }
}

fn plan_body(record: &PlanRecord, now: DateTime<Utc>) -> AdminPlanBody {
    AdminPlanBody {
        code: record.code.to_string(),
        zone: record.zone,
        sort_order: record.sort_order,
        created_at: record.created_at,
        retired_at: record.retired_at,
        version_in_force: record.in_force(now).map(|v| v.version),
        entry: record
            .latest()
            .map(|latest| catalog::plan_entry_json(latest, record.retired_at.is_some()))
            .unwrap_or_default(),
        versions: record.versions.iter().map(version_body).collect(),
    }
}

async fn load(app: &App, code: &PlanCode) -> Result<AdminPlanBody> {
    let record = history::plans(app, Some(code))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::not_found(Code::UnknownPlan))?;
    Ok(plan_body(&record, app.now()))
}

fn code_in_address(code: &str) -> Result<PlanCode> {
    PlanCode::parse(code)
}

refusals!(ListRefusals = [OPERATOR]);

/// Every plan, retired ones too, in catalog order, each with all its versions.
#[utoipa::path(get, path = "/api/v1/admin/plans", tag = "admin", security(("operator_key" = [])),
    responses((status = 200, body = Vec<AdminPlanBody>), ListRefusals))]
pub async fn list(State(app): State<App>, _operator: Operator) -> Result<Json<Vec<AdminPlanBody>>> {
    let now = app.now();
    let records = history::plans(&app, None).await?;
    Ok(Json(records.iter().map(|r| plan_body(r, now)).collect()))
}

refusals!(ShowRefusals = [OPERATOR, &[Code::InvalidPlanCode, Code::UnknownPlan]]);

/// One plan with all its versions.
#[utoipa::path(get, path = "/api/v1/admin/plans/{code}", tag = "admin", security(("operator_key" = [])),
    params(("code" = String, Path, description = "The plan's code")),
    responses((status = 200, body = AdminPlanBody), ShowRefusals))]
pub async fn show(
    State(app): State<App>,
    _operator: Operator,
    Path(code): Path<String>,
) -> Result<Json<AdminPlanBody>> {
    Ok(Json(load(&app, &code_in_address(&code)?).await?))
}

refusals!(
    PutRefusals = [
        OPERATOR,
        JSON_BODY,
        &[
            Code::InvalidPlanCode,
            Code::CodeMismatch,
            Code::InvalidPlan,
            Code::CatalogChangedConcurrently,
        ],
    ]
);

/// Creates the plan or changes it to what the entry says, with the checks of
/// `datacard plans import` (`invalid_plan` lists every problem in `details`). A
/// change of terms or prices adds a version, on sale from `effective_from` (now when
/// left out); orders already made keep theirs. `retired` retires the plan or puts
/// it back on sale. The same entry again changes nothing: 200 `unchanged`.
#[utoipa::path(put, path = "/api/v1/admin/plans/{code}", tag = "admin", request_body = PlanEntry,
    security(("operator_key" = [])), params(("code" = String, Path, description = "The plan's code, as in the body")),
    responses((status = 200, body = PlanChangeBody, description = "changed or unchanged"),
        (status = 201, body = PlanChangeBody, description = "created"), PutRefusals))]
pub async fn put(
    State(app): State<App>,
    operator: Operator,
    Path(code): Path<String>,
    AdminJson(entry): AdminJson<PlanEntry>,
) -> Result<(StatusCode, Json<PlanChangeBody>)> {
    operator.require(Permission::EditCatalog)?;
    let code = code_in_address(&code)?;
    same_code(code.as_str(), entry.code())?;
    let spec = catalog::check_plan(entry).map_err(|problems| {
        Error::invalid(Code::InvalidPlan).with_details(catalog::fields::messages(&problems))
    })?;
    let change = edit::put_plan(&app, &spec, &operator.name).await?;
    tracing::info!(operator = %operator.name, plan.code = %code, new_version = ?change.new_version,
        retired = ?change.retirement, "plan put");
    let (status, outcome) = if change.created {
        (StatusCode::CREATED, Outcome::Created)
    } else if change.is_unchanged() {
        (StatusCode::OK, Outcome::Unchanged)
    } else {
        (StatusCode::OK, Outcome::Changed)
    };
    let plan = load(&app, &code).await?;
    Ok((
        status,
        Json(PlanChangeBody {
            outcome,
            new_version: change.new_version,
            retired: change.retirement,
            plan,
        }),
    ))
}

refusals!(RetireRefusals = [OPERATOR, &[Code::InvalidPlanCode, Code::UnknownPlan]]);

/// Stops new sales of the plan; lines keep the periods they have and orders already
/// made are fulfilled with their version. Retiring a retired plan is `unchanged`.
#[utoipa::path(post, path = "/api/v1/admin/plans/{code}/retire", tag = "admin", security(("operator_key" = [])),
    params(("code" = String, Path, description = "The plan's code")),
    responses((status = 200, body = PlanChangeBody), RetireRefusals))]
pub async fn retire(
    State(app): State<App>,
    operator: Operator,
    Path(code): Path<String>,
) -> Result<Json<PlanChangeBody>> {
    operator.require(Permission::EditCatalog)?;
    let code = code_in_address(&code)?;
    let retired = edit::retire_plan(&app, &code, &operator.name).await?;
    tracing::info!(operator = %operator.name, plan.code = %code, retired, "plan retire");
    Ok(Json(PlanChangeBody {
        outcome: if retired {
            Outcome::Changed
        } else {
            Outcome::Unchanged
        },
        new_version: None,
        retired: retired.then_some(true),
        plan: load(&app, &code).await?,
    }))
}
