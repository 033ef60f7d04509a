//! `GET` and `PUT /api/v1/lines/{iccid}/auto-renew`: a line's auto-renew settings,
//! for its owner only.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::App;
use crate::auto_renew::{self, Change, Settings, Trigger};
use crate::error::{Code, Error, Result};
use crate::lines;
use crate::money::Money;
use crate::payments::Method;
use crate::web::api::refusals::{JSON_BODY, SIGNED_IN, refusals};
use crate::web::extract::{ApiJson, SignedIn};

/// What to change; a field left out keeps its value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoRenewRequest {
    /// Switch auto-renew on or off.
    pub enabled: bool,
    /// `wallet` and `card` (the newest saved card, see `/api/v1/me/cards`) charge by
    /// themselves; `alipay` and `wechat_pay` send a reminder with a one-tap renewal
    /// instead (they cannot charge off-session).
    pub method: Option<Method>,
    /// `before_expiry` (default) or `on_exhaustion`.
    pub trigger: Option<Trigger>,
    /// For `before_expiry`: how long before the end (1–168 hours, 24 by default).
    pub hours_before: Option<i64>,
    /// The plan to renew with; empty or left out: the plan the line is on.
    pub plan_code: Option<String>,
    /// Periods per renewal (1–36, 1 by default).
    pub periods: Option<i64>,
    /// Reminders by SMS too (email is always sent).
    pub sms: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct NextChargeBody {
    /// When; `null` for `on_exhaustion` (it depends on use).
    pub at: Option<DateTime<Utc>>,
    /// What the renewal costs now; `null` when it cannot be priced.
    pub amount: Option<Money>,
    pub plan_code: String,
}

#[derive(Serialize, ToSchema)]
pub struct AutoRenewBody {
    pub iccid: String,
    pub enabled: bool,
    pub method: Method,
    pub trigger: Trigger,
    pub hours_before: i64,
    pub plan_code: Option<String>,
    pub periods: i64,
    pub sms: bool,
    /// `null` while off.
    pub next_charge: Option<NextChargeBody>,
    pub updated_at: DateTime<Utc>,
}

async fn body(app: &App, account_id: &str, settings: Settings) -> Result<AutoRenewBody> {
    let lines = lines::for_account(app, account_id).await?;
    let next = match lines.iter().find(|l| l.iccid.as_str() == settings.iccid) {
        Some(line) => auto_renew::next_charge_of_line(app, account_id, &settings, line).await,
        None => None,
    };
    Ok(AutoRenewBody {
        iccid: settings.iccid,
        enabled: settings.enabled,
        method: settings.method,
        trigger: settings.trigger,
        hours_before: settings.hours_before,
        plan_code: settings.plan_code,
        periods: settings.periods,
        sms: settings.sms,
        next_charge: next.map(|n| NextChargeBody {
            at: n.at,
            amount: n.amount,
            plan_code: n.plan_code,
        }),
        updated_at: settings.updated_at,
    })
}

refusals!(ShowRefusals = [SIGNED_IN, &[Code::LineNotFound]]);

/// The line's auto-renew settings and next charge.
#[utoipa::path(get, path = "/api/v1/lines/{iccid}/auto-renew", tag = "lines", security(("bearer" = [])),
    params(("iccid" = String, Path, description = "The line's ICCID")),
    responses((status = 200, body = AutoRenewBody), ShowRefusals))]
pub async fn show(
    State(app): State<App>,
    signed_in: SignedIn,
    Path(iccid): Path<String>,
) -> Result<Json<AutoRenewBody>> {
    let account_id = &signed_in.account.id;
    let iccid = lines::Iccid::parse(&iccid).map_err(|_| Error::not_found(Code::LineNotFound))?;
    if auto_renew::owner_of(&app, iccid.as_str()).await?.as_deref() != Some(account_id.as_str()) {
        return Err(Error::not_found(Code::LineNotFound));
    }
    let settings = auto_renew::settings(&app, iccid.as_str()).await?;
    Ok(Json(body(&app, account_id, settings).await?))
}

refusals!(
    UpdateRefusals = [
        SIGNED_IN,
        JSON_BODY,
        &[
            Code::LineNotFound,
            Code::InvalidHoursBefore,
            Code::InvalidPeriods,
            Code::InvalidPlanCode,
            Code::PaymentMethodUnavailable,
            Code::NoSavedCard,
        ],
    ]
);

/// Switches auto-renew on or off and sets how it renews.
#[utoipa::path(put, path = "/api/v1/lines/{iccid}/auto-renew", tag = "lines", request_body = AutoRenewRequest,
    security(("bearer" = [])), params(("iccid" = String, Path, description = "The line's ICCID")),
    responses((status = 200, body = AutoRenewBody), UpdateRefusals))]
pub async fn update(
    State(app): State<App>,
    signed_in: SignedIn,
    Path(iccid): Path<String>,
    ApiJson(request): ApiJson<AutoRenewRequest>,
) -> Result<Json<AutoRenewBody>> {
    let change = Change {
        enabled: request.enabled,
        method: request.method,
        trigger: request.trigger,
        hours_before: request.hours_before,
        plan_code: request.plan_code,
        periods: request.periods,
        sms: request.sms,
    };
    let settings = auto_renew::update(&app, &signed_in.account.id, &iccid, &change).await?;
    Ok(Json(body(&app, &signed_in.account.id, settings).await?))
}
