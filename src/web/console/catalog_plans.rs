//! The plan form (admins): a new plan, or a change to one, which makes a new version
//! when its terms or prices differ (on sale from `effective_from`, now when blank) —
//! checked by the catalog's own checks, as `datacard plans import` and the admin API
//! check a plan, and audited with the member as the actor. "Preview" shows what a
//! subscriber would pay without saving.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::App;
use crate::catalog::history::{self, PlanRecord};
use crate::catalog::{PlanCode, PlanEntry, check_plan, edit};
use crate::error::{Code, Error, ErrorKind};
use crate::i18n::tf;
use crate::staff::Permission;

use super::catalog_form::{Fields, Problems};
use super::catalog_plan_form::{entry_of, fields_of, page, unsaved_plan};
use super::forms::ConsoleForm;
use super::{Console, error_page};

async fn record_of(app: &App, code: &str) -> Result<PlanRecord, Error> {
    let code = PlanCode::parse(code).map_err(|_| Error::not_found(Code::UnknownPlan))?;
    history::plans(app, Some(&code))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::not_found(Code::UnknownPlan))
}

pub async fn new_form(State(app): State<App>, console: Console) -> Response {
    if let Err(response) = console.require(Permission::EditCatalog) {
        return *response;
    }
    let mut fields = Fields::default();
    fields.set("zone", "hk");
    fields.set("period.unit", "day");
    fields.set("period.count", "30");
    page(&app, &console, None, &fields, &Problems::default(), None)
}

pub async fn edit_form(
    State(app): State<App>,
    console: Console,
    Path(code): Path<String>,
) -> Response {
    if let Err(response) = console.require(Permission::EditCatalog) {
        return *response;
    }
    match record_of(&app, &code).await {
        Ok(record) => {
            let fields = record
                .latest()
                .map(|latest| fields_of(latest, record.retired_at.is_some()))
                .unwrap_or_default();
            page(
                &app,
                &console,
                Some(&record),
                &fields,
                &Problems::default(),
                None,
            )
        }
        Err(error) => error_page(&console, &error),
    }
}

pub async fn submit_new(
    State(app): State<App>,
    console: Console,
    ConsoleForm(pairs): ConsoleForm<Vec<(String, String)>>,
) -> Response {
    submit(&app, &console, None, Fields(pairs)).await
}

pub async fn submit_edit(
    State(app): State<App>,
    console: Console,
    Path(code): Path<String>,
    ConsoleForm(pairs): ConsoleForm<Vec<(String, String)>>,
) -> Response {
    submit(&app, &console, Some(&code), Fields(pairs)).await
}

async fn submit(app: &App, console: &Console, code: Option<&str>, fields: Fields) -> Response {
    let actor = match console.require(Permission::EditCatalog) {
        Ok(member) => member.actor(),
        Err(response) => return *response,
    };
    let record = match code {
        Some(code) => match record_of(app, code).await {
            Ok(record) => Some(record),
            Err(error) => return error_page(console, &error),
        },
        None => None,
    };
    // An edit changes the plan its address names; a new plan takes a code not in use.
    let code = record.as_ref().map_or_else(
        || fields.get("code").trim().to_owned(),
        |r| r.code.to_string(),
    );
    let mut problems = Problems::default();
    if record.is_none()
        && let Ok(existing) = record_of(app, &code).await
    {
        problems.local(
            "code",
            tf(
                console.locale,
                "console.catalog.code_taken",
                &[("code", existing.code.as_str())],
            ),
        );
    }
    let entry = entry_of(app, console, &fields, &code, &mut problems);
    let entry: PlanEntry = match serde_json::from_value(entry) {
        Ok(entry) => entry,
        Err(error) => return error_page(console, &Error::internal(error)),
    };
    let spec = match check_plan(entry) {
        Ok(spec) if problems.is_empty() => spec,
        Ok(_) => return refused(app, console, record.as_ref(), &fields, &problems),
        Err(found) => {
            problems.shared(found);
            return refused(app, console, record.as_ref(), &fields, &problems);
        }
    };
    if fields.get("action") == "preview" {
        let plan = unsaved_plan(&spec, record.as_ref(), app.now());
        // What subscribers pay now, beside it: the version on sale, unless retired.
        let current = record
            .as_ref()
            .filter(|r| r.retired_at.is_none())
            .and_then(|r| r.in_force(app.now()));
        return match super::catalog_preview::plan(app, console, &plan, current, spec.retired).await
        {
            Ok(preview) => page(
                app,
                console,
                record.as_ref(),
                &fields,
                &problems,
                Some(preview),
            ),
            Err(error) => error_page(console, &error),
        };
    }
    match edit::put_plan(app, &spec, &actor).await {
        Ok(change) => {
            let outcome = if change.created {
                "created"
            } else if change.is_unchanged() {
                "unchanged"
            } else {
                "changed"
            };
            tracing::info!(plan.code = %spec.code, outcome, new_version = ?change.new_version, "plan saved in the console");
            Redirect::to(&format!(
                "/admin/catalog?done=plan_{outcome}&code={}#plans",
                spec.code
            ))
            .into_response()
        }
        Err(error) if error.kind == ErrorKind::Internal => error_page(console, &error),
        Err(error) => {
            let notice = super::layout::error_notice(console, &error);
            let mut response = page(
                app,
                console,
                record.as_ref(),
                &fields,
                &problems,
                Some(notice),
            );
            *response.status_mut() = crate::web::error::status_of(&error);
            response
        }
    }
}

fn refused(
    app: &App,
    console: &Console,
    record: Option<&PlanRecord>,
    fields: &Fields,
    problems: &Problems,
) -> Response {
    let mut response = page(app, console, record, fields, problems, None);
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
}
