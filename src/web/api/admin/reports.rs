//! `GET /api/v1/admin/reports/summary?from=&to=` (the books of a range of days in the
//! operator's time zone) and `GET /api/v1/admin/exports/{orders|payments|refunds|ledger}.csv?from=&to=`
//! (the accountant's CSV, streamed a page of rows at a time; finance and admins; each
//! export is in the audit log as `export.<file>` with the range as its subject).

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::money::Money;
use crate::reports::export::{self, Export};
use crate::reports::{self, Range};
use crate::staff::Permission;
use crate::web::api::refusals::{OPERATOR, refusals};

use super::Operator;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day, `YYYY-MM-DD` in the operator's time zone (default: 29 days before `to`).
    from: Option<String>,
    /// Last day, included (default: today, or 29 days after `from`). At most 366 days.
    to: Option<String>,
}

fn range_of(
    app: &App,
    query: std::result::Result<Query<RangeQuery>, QueryRejection>,
) -> Result<Range> {
    let Query(query) =
        query.map_err(|r| Error::invalid(Code::InvalidQuery).with_details(vec![r.body_text()]))?;
    let today = app
        .now()
        .with_timezone(&app.config.time_zone())
        .date_naive();
    Range::parse(query.from.as_deref(), query.to.as_deref(), today)
}

#[derive(Serialize, ToSchema)]
pub struct DayBody {
    #[schema(value_type = String, example = "2026-12-07")]
    pub date: NaiveDate,
    pub revenue: Money,
    /// What each method took that day (methods with nothing are left out).
    pub by_method: std::collections::BTreeMap<String, Money>,
}

#[derive(Serialize, ToSchema)]
pub struct KindBody {
    pub count: i64,
    pub revenue: Money,
}

#[derive(Serialize, ToSchema)]
pub struct AutoRenewOutcomesBody {
    /// Periods auto-renew charged for off-session (wallet or saved card) in the range.
    pub tried: i64,
    pub renewed: i64,
    /// Renewed of tried, whole percent; null when none was tried.
    pub success_rate_percent: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SummaryBody {
    #[schema(value_type = String, example = "2026-11-08")]
    pub from: NaiveDate,
    #[schema(value_type = String, example = "2026-12-07")]
    pub to: NaiveDate,
    pub time_zone: String,
    /// Everything paid in the range, method fees included.
    pub revenue: Money,
    pub fees: Money,
    pub orders: i64,
    /// Every day of the range, oldest first.
    pub days: Vec<DayBody>,
    pub by_method: std::collections::BTreeMap<String, Money>,
    /// Money returned to payers in the range.
    pub refunds: Money,
    pub refund_count: i64,
    pub renewals: KindBody,
    pub new_esims: KindBody,
    pub top_ups: KindBody,
    pub auto_renew: AutoRenewOutcomesBody,
    /// Lines in each status now.
    pub lines: std::collections::BTreeMap<String, i64>,
    /// Orders, payments and notifications waiting for a person now.
    pub attention: i64,
}

refusals!(SummaryRefusals = [OPERATOR, &[Code::InvalidRange, Code::InvalidQuery]]);

/// The books of a range of days in the operator's time zone (the last 30 by default).
#[utoipa::path(get, path = "/api/v1/admin/reports/summary", tag = "admin", security(("operator_key" = [])), params(RangeQuery),
    responses((status = 200, body = SummaryBody), SummaryRefusals))]
pub async fn summary(
    State(app): State<App>,
    operator: Operator,
    query: std::result::Result<Query<RangeQuery>, QueryRejection>,
) -> Result<Json<SummaryBody>> {
    operator.require(Permission::Read)?;
    let range = range_of(&app, query)?;
    let s = reports::summary(&app, range).await?;
    let kind = |k: reports::KindFigures| KindBody {
        count: k.count,
        revenue: k.revenue,
    };
    Ok(Json(SummaryBody {
        from: range.from,
        to: range.to,
        time_zone: app.config.time_zone().name().to_owned(),
        revenue: s.revenue,
        fees: s.fees,
        orders: s.orders,
        days: s
            .days
            .iter()
            .map(|d| DayBody {
                date: d.date,
                revenue: d.revenue,
                by_method: s
                    .methods
                    .iter()
                    .cloned()
                    .zip(d.by_method.iter().copied())
                    .filter(|(_, m)| m.amount != 0)
                    .collect(),
            })
            .collect(),
        by_method: s
            .methods
            .iter()
            .cloned()
            .zip(s.by_method.iter().copied())
            .collect(),
        refunds: s.refunds,
        refund_count: s.refund_count,
        renewals: kind(s.renewals),
        new_esims: kind(s.new_esims),
        top_ups: kind(s.top_ups),
        auto_renew: AutoRenewOutcomesBody {
            tried: s.auto_renew_tried,
            renewed: s.auto_renew_renewed,
            success_rate_percent: s.auto_renew_rate(),
        },
        lines: s
            .lines
            .iter()
            .map(|(status, n)| (status.as_str().to_owned(), *n))
            .collect(),
        attention: s.attention,
    }))
}

refusals!(
    ExportRefusals = [
        OPERATOR,
        &[Code::InvalidRange, Code::InvalidQuery, Code::NotFound]
    ]
);

/// The range's rows as CSV (header first; times in the operator's time zone, amounts as
/// decimals), streamed: `orders.csv`, `payments.csv`, `refunds.csv` (refunds asked for
/// and money returned, from the ledger) or `ledger.csv` (one row per entry). Finance
/// and admins.
#[utoipa::path(get, path = "/api/v1/admin/exports/{file}", tag = "admin", security(("operator_key" = [])),
    params(("file" = String, Path, description = "orders.csv, payments.csv, refunds.csv or ledger.csv"), RangeQuery),
    responses((status = 200, content_type = "text/csv", body = String), ExportRefusals))]
pub async fn export(
    State(app): State<App>,
    operator: Operator,
    Path(file): Path<String>,
    query: std::result::Result<Query<RangeQuery>, QueryRejection>,
) -> Result<Response> {
    operator.require(Permission::Export)?;
    let which = file
        .strip_suffix(".csv")
        .and_then(Export::parse)
        .ok_or_else(|| Error::not_found(Code::NotFound))?;
    let range = range_of(&app, query)?;
    // Who took which rows out is kept, as a view of personal data is.
    let mut tx = crate::audit::begin(&app.db).await?;
    crate::audit::record(
        &mut tx,
        &crate::audit::Key::from_secret(&app.secret),
        app.now(),
        &operator.name,
        &format!("export.{}", which.as_str()),
        &format!("{}..{}", range.from, range.to),
        "",
    )
    .await?;
    tx.commit().await?;
    let rows = export::stream(app, which, range, reports::PAGE).map(|chunk| {
        chunk.map(Bytes::from).map_err(|error| {
            tracing::error!(%error, "csv export stopped");
            std::io::Error::other(error.to_string())
        })
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", which.file_name(&range)),
            ),
        ],
        Body::from_stream(rows),
    )
        .into_response())
}
