//! Receipts, history and statements: `GET /api/v1/orders/{id}/receipt` (and
//! `receipt.pdf`), `GET /api/v1/me/transactions`, `GET /api/v1/me/statements` and
//! `GET /api/v1/me/statements/{YYYY-MM}` (and `.pdf`, `.csv`). Another account's
//! receipt or statement answers 404, as one that does not exist.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::i18n::Locale;
use crate::records::history::{self, DEFAULT_LIMIT, HistoryPage, MAX_LIMIT};
use crate::records::statement::{self, Statement, StatementSummary};
use crate::records::{ReceiptView, pdf, receipt};
use crate::web::api::refusals::{SIGNED_IN, refusals};
use crate::web::extract::SignedIn;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    /// `zh-HK`, `zh-CN` or `en`; the account's language when left out.
    pub lang: Option<String>,
}

fn locale(
    signed_in: &SignedIn,
    query: &std::result::Result<Query<LangQuery>, QueryRejection>,
) -> Locale {
    query
        .as_ref()
        .ok()
        .and_then(|Query(q)| q.lang.as_deref())
        .and_then(Locale::parse)
        .unwrap_or(signed_in.account.locale)
}

fn file(content_type: &str, name: &str, bytes: Vec<u8>) -> Response {
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

refusals!(ReceiptRefusals = [SIGNED_IN, &[Code::ReceiptNotFound]]);

/// The order's receipt: the issuer, each period bought with its dates (or the
/// top-up), discounts and why, the method's fee, the total, the method, the
/// provider's reference and when it was paid (also as words in the operator's time
/// zone), and any credit notes against it. 404 until the order is paid.
#[utoipa::path(get, path = "/api/v1/orders/{id}/receipt", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path, description = "The order's id"), LangQuery),
    responses((status = 200, body = ReceiptView), ReceiptRefusals))]
pub async fn receipt(
    State(app): State<App>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    query: std::result::Result<Query<LangQuery>, QueryRejection>,
) -> Result<Json<ReceiptView>> {
    let found = receipt::for_account(&app, &signed_in.account.id, &id).await?;
    let view = ReceiptView::build(&app, &found, locale(&signed_in, &query)).await?;
    Ok(Json(view))
}

/// The receipt as PDF, in the account's language (`?lang=` overrides).
#[utoipa::path(get, path = "/api/v1/orders/{id}/receipt.pdf", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path, description = "The order's id"), LangQuery),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), ReceiptRefusals))]
pub async fn receipt_pdf(
    State(app): State<App>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    query: std::result::Result<Query<LangQuery>, QueryRejection>,
) -> Result<Response> {
    let found = receipt::for_account(&app, &signed_in.account.id, &id).await?;
    let locale = locale(&signed_in, &query);
    let view = ReceiptView::build(&app, &found, locale).await?;
    let bytes = pdf::receipt(&view, locale)?;
    Ok(file(
        "application/pdf",
        &format!("{}.pdf", view.number),
        bytes,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// The `next_before` of the page before: entries older than that one.
    pub before: Option<String>,
    /// 1–100; 20 when left out.
    pub limit: Option<i64>,
    /// `zh-HK`, `zh-CN` or `en`; the account's language when left out.
    pub lang: Option<String>,
}

refusals!(HistoryRefusals = [SIGNED_IN, &[Code::InvalidQuery]]);

/// Every movement of the account's money, newest first: payments, auto-renewals,
/// wallet top-ups and spends (with the balance after), refunds and adjustments by
/// staff. Each purchase names the periods it bought.
#[utoipa::path(get, path = "/api/v1/me/transactions", tag = "accounts", security(("bearer" = [])),
    params(HistoryQuery),
    responses((status = 200, body = HistoryPage), HistoryRefusals))]
pub async fn transactions(
    State(app): State<App>,
    signed_in: SignedIn,
    query: std::result::Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Json<HistoryPage>> {
    let Query(query) =
        query.map_err(|r| Error::invalid(Code::InvalidQuery).with_details(vec![r.body_text()]))?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::invalid(Code::InvalidQuery)
            .with_details(vec![format!("limit: 1 to {MAX_LIMIT}")]));
    }
    let locale = query
        .lang
        .as_deref()
        .and_then(Locale::parse)
        .unwrap_or(signed_in.account.locale);
    let page = history::page(
        &app,
        &signed_in.account.id,
        query.before.as_deref().filter(|b| !b.is_empty()),
        limit,
        locale,
    )
    .await?;
    Ok(Json(page))
}

refusals!(StatementsRefusals = [SIGNED_IN]);

/// The account's monthly statements, newest first: from the month it was made to
/// this one (which runs to now), each with its opening and closing wallet balance
/// and what its receipts came to.
#[utoipa::path(get, path = "/api/v1/me/statements", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Vec<StatementSummary>), StatementsRefusals))]
pub async fn statements(
    State(app): State<App>,
    signed_in: SignedIn,
) -> Result<Json<Vec<StatementSummary>>> {
    Ok(Json(statement::summaries(&app, &signed_in.account).await?))
}

refusals!(StatementRefusals = [SIGNED_IN, &[Code::InvalidMonth, Code::StatementNotFound]]);

/// A month's statement (in the operator's time zone): opening and closing wallet
/// balance, every receipt and credit note, each line's periods and the data it used,
/// totals by method, every movement. `2026-12` as JSON, `2026-12.pdf` as PDF (in the
/// account's language, `?lang=` overrides), `2026-12.csv` as CSV. A month in the
/// future or before the account existed: 404; not `YYYY-MM`: 400.
#[utoipa::path(get, path = "/api/v1/me/statements/{month}", tag = "accounts", security(("bearer" = [])),
    params(("month" = String, Path, description = "`YYYY-MM`, `YYYY-MM.pdf` or `YYYY-MM.csv`"), LangQuery),
    responses(
        (status = 200, description = "The statement: JSON, PDF or CSV by the month's suffix",
            content((Statement = "application/json"), (Vec<u8> = "application/pdf"), (String = "text/csv"))),
        StatementRefusals))]
pub async fn statement(
    State(app): State<App>,
    signed_in: SignedIn,
    Path(month): Path<String>,
    query: std::result::Result<Query<LangQuery>, QueryRejection>,
) -> Result<Response> {
    let (month, suffix) = match month.rsplit_once('.') {
        Some((month, suffix)) => (month, Some(suffix)),
        None => (month.as_str(), None),
    };
    let month = statement::check_month(&app, &signed_in.account, month)?;
    let locale = locale(&signed_in, &query);
    let built = statement::build(&app, &signed_in.account, month, locale).await?;
    match suffix {
        None => Ok(Json(built).into_response()),
        Some("pdf") => Ok(file(
            "application/pdf",
            &format!("statement-{month}.pdf"),
            pdf::statement(&built, locale)?,
        )),
        Some("csv") => Ok(file(
            "text/csv; charset=utf-8",
            &format!("statement-{month}.csv"),
            crate::records::csv::statement(&built)?,
        )),
        Some(_) => Err(Error::invalid(Code::InvalidMonth).on_field("month")),
    }
}
