//! `/api/v1/admin/promotions` and `/api/v1/admin/coupons`: every offer with how many
//! orders hold it; create or change one with a catalog-file entry (`PUT`, as under
//! `[[promotions]]` or `[[coupons]]`); retire one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::promotions::history::{self, PromotionRecord};
use crate::promotions::{self, PromotionCode, PromotionEntry, edit};
use crate::web::api::refusals::{JSON_BODY, OPERATOR, refusals};

use super::{AdminJson, Operator, Outcome, same_code};
use crate::staff::Permission;

#[derive(Serialize, ToSchema)]
pub struct AdminPromotionBody {
    pub code: String,
    /// `first_period`, `free_periods` or `coupon`.
    #[schema(example = "coupon")]
    pub kind: String,
    /// In English.
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set while retired: no new orders get it.
    pub retired_at: Option<DateTime<Utc>>,
    /// Orders holding it that still count (not expired, cancelled or failed).
    pub redemptions: u32,
    /// Coupons with a `total_limit`: uses still free.
    pub uses_left: Option<u32>,
    /// The offer as a catalog entry: `PUT` it back and nothing changes.
    #[schema(value_type = Object)]
    pub entry: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct PromotionChangeBody {
    pub outcome: Outcome,
    /// `true` when this request retired the offer, `false` when it reinstated it.
    pub retired: Option<bool>,
    pub promotion: AdminPromotionBody,
}

fn promotion_body(record: &PromotionRecord) -> AdminPromotionBody {
    let promotion = &record.promotion;
    AdminPromotionBody {
        code: promotion.code.to_string(),
        kind: promotion.kind.tag().as_str().to_owned(),
        name: promotion.name(crate::i18n::Locale::En).to_owned(),
        created_at: record.created_at,
        updated_at: record.updated_at,
        retired_at: record.retired_at,
        redemptions: record.redemptions,
        uses_left: promotion
            .coupon()
            .and_then(|c| c.total_limit)
            .map(|limit| limit.saturating_sub(record.redemptions)),
        entry: promotions::promotion_entry_json(promotion, record.retired_at.is_some()),
    }
}

fn code_in_address(code: &str) -> Result<PromotionCode> {
    PromotionCode::parse(code).map_err(|_| Error::invalid(Code::InvalidPromotionCode))
}

async fn list(app: &App, coupons: bool) -> Result<Json<Vec<AdminPromotionBody>>> {
    let records = history::promotions(app, None).await?;
    Ok(Json(
        records
            .iter()
            .filter(|r| r.promotion.coupon().is_some() == coupons)
            .map(promotion_body)
            .collect(),
    ))
}

async fn load(app: &App, code: &PromotionCode, coupon: bool) -> Result<AdminPromotionBody> {
    history::promotions(app, Some(code))
        .await?
        .iter()
        .find(|r| r.promotion.coupon().is_some() == coupon)
        .map(promotion_body)
        .ok_or_else(|| {
            Error::not_found(if coupon {
                Code::UnknownCoupon
            } else {
                Code::UnknownPromotion
            })
        })
}

async fn put(
    app: &App,
    operator: &Operator,
    code: &str,
    entry: PromotionEntry,
    coupon: bool,
) -> Result<(StatusCode, Json<PromotionChangeBody>)> {
    operator.require(Permission::EditCatalog)?;
    let code = code_in_address(code)?;
    same_code(code.as_str(), entry.code())?;
    let plans = crate::catalog::history::plan_codes(app).await?;
    let spec = promotions::check_promotion(entry, coupon, &plans).map_err(|problems| {
        Error::invalid(Code::InvalidPromotion)
            .with_details(crate::catalog::fields::messages(&problems))
    })?;
    let change = edit::put_promotion(app, &spec, coupon, &operator.name).await?;
    tracing::info!(operator = %operator.name, promotion.code = %code, created = change.created,
        updated = change.updated, retired = ?change.retirement, "promotion put");
    let (status, outcome) = if change.created {
        (StatusCode::CREATED, Outcome::Created)
    } else if change.is_unchanged() {
        (StatusCode::OK, Outcome::Unchanged)
    } else {
        (StatusCode::OK, Outcome::Changed)
    };
    let promotion = load(app, &code, coupon).await?;
    Ok((
        status,
        Json(PromotionChangeBody {
            outcome,
            retired: change.retirement,
            promotion,
        }),
    ))
}

async fn retire(
    app: &App,
    operator: &Operator,
    code: &str,
    coupon: bool,
) -> Result<Json<PromotionChangeBody>> {
    operator.require(Permission::EditCatalog)?;
    let code = code_in_address(code)?;
    let retired = edit::retire_promotion(app, &code, coupon, &operator.name).await?;
    tracing::info!(operator = %operator.name, promotion.code = %code, retired, "promotion retire");
    Ok(Json(PromotionChangeBody {
        outcome: if retired {
            Outcome::Changed
        } else {
            Outcome::Unchanged
        },
        retired: retired.then_some(true),
        promotion: load(app, &code, coupon).await?,
    }))
}

refusals!(ListRefusals = [OPERATOR]);

/// Every promotion (first-period discounts, buy N get M), retired ones too, by code.
#[utoipa::path(get, path = "/api/v1/admin/promotions", tag = "admin", security(("operator_key" = [])),
    responses((status = 200, body = Vec<AdminPromotionBody>), ListRefusals))]
pub async fn list_promotions(
    State(app): State<App>,
    _operator: Operator,
) -> Result<Json<Vec<AdminPromotionBody>>> {
    list(&app, false).await
}

/// Every coupon, retired ones too, by code.
#[utoipa::path(get, path = "/api/v1/admin/coupons", tag = "admin", security(("operator_key" = [])),
    responses((status = 200, body = Vec<AdminPromotionBody>), ListRefusals))]
pub async fn list_coupons(
    State(app): State<App>,
    _operator: Operator,
) -> Result<Json<Vec<AdminPromotionBody>>> {
    list(&app, true).await
}

refusals!(
    ShowPromotionRefusals = [
        OPERATOR,
        &[Code::InvalidPromotionCode, Code::UnknownPromotion],
    ]
);

#[utoipa::path(get, path = "/api/v1/admin/promotions/{code}", tag = "admin", security(("operator_key" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = AdminPromotionBody), ShowPromotionRefusals))]
pub async fn show_promotion(
    State(app): State<App>,
    _operator: Operator,
    Path(code): Path<String>,
) -> Result<Json<AdminPromotionBody>> {
    Ok(Json(load(&app, &code_in_address(&code)?, false).await?))
}

refusals!(ShowCouponRefusals = [OPERATOR, &[Code::InvalidPromotionCode, Code::UnknownCoupon]]);

#[utoipa::path(get, path = "/api/v1/admin/coupons/{code}", tag = "admin", security(("operator_key" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = AdminPromotionBody), ShowCouponRefusals))]
pub async fn show_coupon(
    State(app): State<App>,
    _operator: Operator,
    Path(code): Path<String>,
) -> Result<Json<AdminPromotionBody>> {
    Ok(Json(load(&app, &code_in_address(&code)?, true).await?))
}

refusals!(
    PutPromotionRefusals = [
        OPERATOR,
        JSON_BODY,
        &[
            Code::InvalidPromotionCode,
            Code::CodeMismatch,
            Code::InvalidPromotion,
            Code::IsACoupon,
            Code::CatalogChangedConcurrently,
        ],
    ]
);

/// Creates the promotion or changes it to what the entry says (a `[[promotions]]`
/// entry of the catalog file, with its checks: `invalid_promotion` lists every
/// problem in `details`). Orders already made keep the discounts they got. The same
/// entry again changes nothing: 200 `unchanged`.
#[utoipa::path(put, path = "/api/v1/admin/promotions/{code}", tag = "admin", request_body = PromotionEntry,
    security(("operator_key" = [])), params(("code" = String, Path, description = "As in the body")),
    responses((status = 200, body = PromotionChangeBody, description = "changed or unchanged"), (status = 201, body = PromotionChangeBody, description = "created"), PutPromotionRefusals))]
pub async fn put_promotion(
    State(app): State<App>,
    operator: Operator,
    Path(code): Path<String>,
    AdminJson(entry): AdminJson<PromotionEntry>,
) -> Result<(StatusCode, Json<PromotionChangeBody>)> {
    put(&app, &operator, &code, entry, false).await
}

refusals!(
    PutCouponRefusals = [
        OPERATOR,
        JSON_BODY,
        &[
            Code::InvalidPromotionCode,
            Code::CodeMismatch,
            Code::InvalidPromotion,
            Code::IsAPromotion,
            Code::CatalogChangedConcurrently,
        ],
    ]
);

/// Creates the coupon or changes it (a `[[coupons]]` entry: no `kind`). Its
/// redemption count is kept, so lowering a limit never hands out uses already taken.
#[utoipa::path(put, path = "/api/v1/admin/coupons/{code}", tag = "admin", request_body = PromotionEntry,
    security(("operator_key" = [])), params(("code" = String, Path, description = "As in the body")),
    responses((status = 200, body = PromotionChangeBody, description = "changed or unchanged"), (status = 201, body = PromotionChangeBody, description = "created"), PutCouponRefusals))]
pub async fn put_coupon(
    State(app): State<App>,
    operator: Operator,
    Path(code): Path<String>,
    AdminJson(entry): AdminJson<PromotionEntry>,
) -> Result<(StatusCode, Json<PromotionChangeBody>)> {
    put(&app, &operator, &code, entry, true).await
}

refusals!(
    RetirePromotionRefusals = [
        OPERATOR,
        &[
            Code::InvalidPromotionCode,
            Code::UnknownPromotion,
            Code::IsACoupon
        ],
    ]
);

/// Stops the promotion; orders already made keep it. Retiring it again is `unchanged`.
#[utoipa::path(post, path = "/api/v1/admin/promotions/{code}/retire", tag = "admin", security(("operator_key" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = PromotionChangeBody), RetirePromotionRefusals))]
pub async fn retire_promotion(
    State(app): State<App>,
    operator: Operator,
    Path(code): Path<String>,
) -> Result<Json<PromotionChangeBody>> {
    retire(&app, &operator, &code, false).await
}

refusals!(
    RetireCouponRefusals = [
        OPERATOR,
        &[
            Code::InvalidPromotionCode,
            Code::UnknownCoupon,
            Code::IsAPromotion
        ],
    ]
);

/// Stops the coupon: its code is refused at checkout from now on.
#[utoipa::path(post, path = "/api/v1/admin/coupons/{code}/retire", tag = "admin", security(("operator_key" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = PromotionChangeBody), RetireCouponRefusals))]
pub async fn retire_coupon(
    State(app): State<App>,
    operator: Operator,
    Path(code): Path<String>,
) -> Result<Json<PromotionChangeBody>> {
    retire(&app, &operator, &code, true).await
}
