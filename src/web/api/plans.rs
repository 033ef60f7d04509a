//! `GET /api/v1/plans`: the catalog on sale now, with the offers the caller
//! qualifies for (an anonymous caller: every public one).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::catalog::{self, Allowance, Period, Plan, Zone};
use crate::error::Result;
use crate::i18n::Locale;
use crate::money::Money;
use crate::orders;
use crate::promotions::name_in;
use crate::promotions::offers::{self, Offer};
use crate::web::extract::{MaybeSignedIn, RequestLocale};

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
    /// Offers on this plan the caller qualifies for, highest priority first.
    pub promotions: Vec<OfferBody>,
}

#[derive(Serialize, ToSchema)]
pub struct OfferBody {
    pub code: String,
    /// `first_period`, `free_periods` or `coupon`.
    #[schema(example = "first_period")]
    pub kind: String,
    /// In the request's language, e.g. "First month −30 %".
    pub name: String,
    /// Who it is for and how to get it, in the request's language.
    pub condition: String,
    /// For a coupon: the code to enter at checkout.
    pub coupon: Option<String>,
    pub ends_at: Option<DateTime<Utc>>,
}

pub fn offer_body(offer: &Offer, locale: Locale) -> OfferBody {
    OfferBody {
        code: offer.code.to_string(),
        kind: offer.kind.as_str().to_owned(),
        name: name_in(&offer.names, locale)
            .unwrap_or(offer.code.as_str())
            .to_owned(),
        condition: offer.condition.text(locale),
        coupon: offer.coupon.as_ref().map(ToString::to_string),
        ends_at: offer.ends_at,
    }
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

/// Plans on sale, in catalog order, each with the offers the caller qualifies for.
#[utoipa::path(get, path = "/api/v1/plans", tag = "catalog", responses((status = 200, body = Vec<PlanBody>)))]
pub async fn list(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    MaybeSignedIn(account): MaybeSignedIn,
) -> Result<Json<Vec<PlanBody>>> {
    let plans = catalog::list(&app).await?;
    let currency = app.config.locale.currency;
    let account_id = account.as_ref().map(|a| a.id.as_str());
    let ordered = match account_id {
        Some(account_id) => orders::store::ordered_plans(&app, account_id).await?,
        None => Default::default(),
    };
    let viewer = account_id.map(|account_id| offers::Viewer {
        account_id,
        ordered_plans: &ordered,
    });
    let mut offers = offers::for_plans(&app, viewer, &plans).await?;
    Ok(Json(
        plans
            .iter()
            .map(|plan| {
                let mut body = plan_body(plan, locale, currency);
                body.promotions = offers
                    .remove(&plan.code)
                    .unwrap_or_default()
                    .iter()
                    .map(|offer| offer_body(offer, locale))
                    .collect();
                body
            })
            .collect(),
    ))
}
