//! `GET /api/v1/me/alerts` (abnormal charges and usage, and the lines' data alerts),
//! `GET/PUT /api/v1/me/spend-cap` (the most auto-renew may charge in a month) and
//! `POST /api/v1/orders/{id}/dispute` (a charge disputed: a support case with the
//! references attached).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::App;
use crate::auto_renew::cap;
use crate::error::{Code, Error, Result};
use crate::money::Money;
use crate::watch::{self, feed};
use crate::web::api::refusals::{JSON_BODY, SIGNED_IN, refusals};
use crate::web::api::tickets::{TicketBody, ticket_body};
use crate::web::extract::{ApiJson, RequestLocale, SignedIn};

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertCategory {
    /// Money: a charge, a refund, auto-renew and the spend cap.
    Charge,
    /// Data: abnormal use, and the data alerts (75 %, 90 %, used up, ending soon).
    Usage,
}

#[derive(Serialize, ToSchema)]
pub struct AlertBody {
    /// The finding's id, or `usage:<period>:<kind>` for a data alert.
    pub id: String,
    /// A finding: `wrong_amount`, `double_payment`, `refund_not_ours`, `charge_burst`,
    /// `over_spend_cap`, `usage_spike`, `usage_after_end`, `usage_while_suspended`;
    /// a data alert: `used_75`, `used_90`, `exhausted`, `fair_use`, `expires_3d`,
    /// `expires_1d`.
    pub kind: String,
    pub category: AlertCategory,
    /// When it was found (a data alert: when it was sent).
    pub at: DateTime<Utc>,
    /// In the request's language.
    pub title: String,
    /// What happened, with the amount or use and when.
    pub message: String,
    /// What the subscriber can do (empty for a data alert).
    pub what_to_do: String,
    pub iccid: Option<String>,
    pub order_id: Option<String>,
    pub payment_id: Option<String>,
    pub amount: Option<Money>,
    /// Whether `POST /api/v1/orders/{order_id}/dispute` takes it.
    pub disputable: bool,
    /// The support case a dispute opened about it.
    pub ticket_id: Option<String>,
}

fn alert_body(entry: feed::Entry) -> AlertBody {
    let disputable = entry.disputable();
    let finding = entry.finding;
    AlertBody {
        id: entry.id,
        kind: entry.kind,
        category: if entry.charge {
            AlertCategory::Charge
        } else {
            AlertCategory::Usage
        },
        at: entry.at,
        title: entry.title,
        message: entry.what,
        what_to_do: entry.todo,
        iccid: entry.iccid,
        order_id: finding.as_ref().and_then(|f| f.order_id.clone()),
        payment_id: finding.as_ref().and_then(|f| f.payment_id.clone()),
        amount: entry.amount,
        disputable,
        ticket_id: finding.and_then(|f| f.ticket_id),
    }
}

refusals!(AlertsRefusals = [SIGNED_IN]);

/// The account's alerts, newest first (at most 100): charges and data use that looked
/// wrong, and the data alerts its lines were sent; in the request's language.
#[utoipa::path(get, path = "/api/v1/me/alerts", tag = "accounts", security(("bearer" = [])),
    params(("lang" = Option<String>, Query, description = "`zh-HK`, `zh-CN` or `en`")),
    responses((status = 200, body = Vec<AlertBody>), AlertsRefusals))]
pub async fn alerts(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    signed_in: SignedIn,
) -> Result<Json<Vec<AlertBody>>> {
    let entries = feed::of_account(&app, &signed_in.account.id, locale).await?;
    Ok(Json(entries.into_iter().map(alert_body).collect()))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpendCapBody {
    /// The most auto-renew may take a calendar month to (the operator's time zone),
    /// counting what was bought that month; above zero, in the operator's currency.
    /// `null`: no cap.
    pub monthly: Option<Money>,
}

refusals!(ShowCapRefusals = [SIGNED_IN]);

/// The account's monthly spend cap.
#[utoipa::path(get, path = "/api/v1/me/spend-cap", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = SpendCapBody), ShowCapRefusals))]
pub async fn show_cap(State(app): State<App>, signed_in: SignedIn) -> Result<Json<SpendCapBody>> {
    Ok(Json(SpendCapBody {
        monthly: cap::get(&app, &signed_in.account.id).await?,
    }))
}

refusals!(PutCapRefusals = [SIGNED_IN, JSON_BODY, &[Code::InvalidSpendCap]]);

/// Sets the monthly spend cap (`null` removes it): auto-renew does not charge a
/// renewal that would take the month's purchases past it. Zero, a negative amount or
/// another currency: 400 `invalid_spend_cap`, nothing changed. Audited.
#[utoipa::path(put, path = "/api/v1/me/spend-cap", tag = "accounts", request_body = SpendCapBody,
    security(("bearer" = [])), responses((status = 200, body = SpendCapBody), PutCapRefusals))]
pub async fn put_cap(
    State(app): State<App>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<SpendCapBody>,
) -> Result<Json<SpendCapBody>> {
    let monthly = cap::set(&app, &signed_in.account.id, body.monthly).await?;
    Ok(Json(SpendCapBody { monthly }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DisputeBody {
    /// The alert (finding) it comes from, one of the order's.
    pub finding_id: Option<String>,
    /// What is wrong, in the subscriber's words (1–5000 characters); a standard text
    /// when left out.
    pub message: Option<String>,
}

refusals!(
    DisputeRefusals = [
        SIGNED_IN,
        JSON_BODY,
        &[
            Code::OrderNotFound,
            Code::OrderNotPaid,
            Code::FindingNotFound,
            Code::InvalidMessage,
            Code::TooManyTickets
        ]
    ]
);

/// Disputes the order's charge: a support case (category `payment`) opens with the
/// order, its payments and provider references and the alerts about it attached
/// (201); while that case is in hand the same case is answered (200). The body may be
/// left out. An order never paid: 409 `order_not_paid`; another account's: 404.
#[utoipa::path(post, path = "/api/v1/orders/{id}/dispute", tag = "orders", request_body = DisputeBody,
    security(("bearer" = [])), params(("id" = String, Path, description = "The order's id")),
    responses((status = 201, body = TicketBody), (status = 200, body = TicketBody), DisputeRefusals))]
pub async fn dispute(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<TicketBody>)> {
    // The body may be left out: `{}` is meant.
    let body: DisputeBody = if body.iter().all(u8::is_ascii_whitespace) {
        DisputeBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|error| {
            Error::invalid(if error.is_syntax() || error.is_eof() {
                Code::MalformedJson
            } else {
                Code::InvalidBody
            })
        })?
    };
    let account = &signed_in.account.id;
    let disputed = watch::dispute(
        &app,
        account,
        &id,
        body.finding_id.as_deref(),
        body.message.as_deref(),
        locale,
    )
    .await?;
    let thread = crate::tickets::thread_for_account(&app, account, &disputed.ticket.id)
        .await?
        .ok_or_else(|| Error::not_found(Code::TicketNotFound))?;
    let status = if disputed.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(ticket_body(&app, &thread.ticket, &thread.messages)),
    ))
}
