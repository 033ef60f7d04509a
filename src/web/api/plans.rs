//! `GET /api/v1/plans`: the catalog on sale now.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::catalog::{self, Allowance, Period, Plan, Zone};
use crate::error::Result;
use crate::money::Money;
use crate::web::extract::RequestLocale;

#[derive(Serialize, ToSchema)]
pub struct PlanBody {
    pub code: String,
    /// In the request's language.
    pub name: String,
    /// Every language the operator named it in.
    pub names: std::collections::BTreeMap<String, String>,
    pub zone: Zone,
    pub period: Period,
    /// Bytes per period; `null` for unlimited plans.
    pub data_allowance: Option<u64>,
    /// For unlimited plans: past `cap` bytes the line slows to `throttle_kbps`.
    pub fair_use: Option<FairUseBody>,
    /// In the operator's currency.
    pub price: Option<Money>,
    pub prices: Vec<Money>,
    pub version: i64,
    /// Offers that apply (filled in by the promotions engine).
    pub promotions: Vec<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct FairUseBody {
    pub cap: u64,
    pub throttle_kbps: u32,
}

pub fn plan_body(
    plan: &Plan,
    locale: crate::i18n::Locale,
    currency: crate::money::Currency,
) -> PlanBody {
    PlanBody {
        code: plan.code.to_string(),
        name: plan.name(locale).to_owned(),
        names: plan.names.clone(),
        zone: plan.zone,
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
        price: plan.price(currency),
        prices: plan
            .prices
            .iter()
            .map(|(c, a)| Money::new(*a, *c))
            .collect(),
        version: plan.version,
        promotions: Vec::new(),
    }
}

/// Plans on sale, in catalog order.
#[utoipa::path(get, path = "/api/v1/plans", tag = "catalog", responses((status = 200, body = Vec<PlanBody>)))]
pub async fn list(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
) -> Result<Json<Vec<PlanBody>>> {
    let plans = catalog::list(&app).await?;
    let currency = app.config.locale.currency;
    Ok(Json(
        plans
            .iter()
            .map(|plan| plan_body(plan, locale, currency))
            .collect(),
    ))
}
