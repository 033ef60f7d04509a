//! `GET /api/v1/admin/payments/attention` (what needs a person, with what may be done),
//! `POST /api/v1/admin/payments/{id}/query` (ask the provider now),
//! `POST /api/v1/admin/payments/{id}/fulfil` (the provider confirmed it out of band)
//! and `POST /api/v1/admin/payments/attention/dismiss` (dealt with, with a reason).

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::orders::attention::{self, Action, Subject};
use crate::orders::manual_fulfil::{ManuallyFulfilled, fulfil_manually};
use crate::staff::Permission;
use crate::web::api::refusals::{JSON_BODY, OPERATOR, refusals};

use super::{AdminJson, Operator};

/// What kind of thing needs a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttentionSubject {
    Order,
    Payment,
    /// A provider notification kept but not applied.
    Event,
    /// An abnormal charge or usage the watch found (details in `finding`).
    Finding,
}

impl From<Subject> for AttentionSubject {
    fn from(subject: Subject) -> Self {
        match subject {
            Subject::Order => AttentionSubject::Order,
            Subject::Payment => AttentionSubject::Payment,
            Subject::Event => AttentionSubject::Event,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttentionBody {
    pub subject: AttentionSubject,
    /// The order's or payment's id, the provider's event id of a notification, or
    /// the finding's id.
    pub id: String,
    pub state: String,
    /// Why it needs a person (`no_word_from_provider`, `late_success`, …).
    pub reasons: Vec<String>,
    pub order_id: Option<String>,
    /// The customer, when the order is known.
    pub customer_id: Option<String>,
    /// What a person may do about it (refunds: `POST …/payments/{id}/refunds`).
    pub actions: Vec<Action>,
    /// For subject `finding`: what the watch found (absent for the others).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<super::findings::FindingBody>,
}

refusals!(AttentionRefusals = [OPERATOR]);

/// Flagged orders and payments, unmatched notifications, open payments with no
/// final word from the provider for 10 minutes, and the watch's findings (abnormal
/// charges and usage, subject `finding`) not yet dismissed.
#[utoipa::path(get, path = "/api/v1/admin/payments/attention", tag = "admin", security(("operator_key" = [])),
    responses((status = 200, body = Vec<AttentionBody>), AttentionRefusals))]
pub async fn list(State(app): State<App>, operator: Operator) -> Result<Json<Vec<AttentionBody>>> {
    operator.require(Permission::Read)?;
    let mut out = Vec::new();
    for item in attention::needing_attention(&app).await? {
        let customer_id = match &item.order_id {
            Some(order) => crate::orders::lookup::account_of(&app, order).await?,
            None => None,
        };
        out.push(AttentionBody {
            subject: item.subject.into(),
            reasons: item
                .reasons
                .split(',')
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty())
                .collect(),
            id: item.id,
            state: item.state,
            order_id: item.order_id,
            customer_id,
            actions: item.actions,
            finding: None,
        });
    }
    for finding in super::findings::open(&app).await? {
        let body = super::findings::finding_body(&app, finding.clone());
        out.push(AttentionBody {
            subject: AttentionSubject::Finding,
            id: finding.id,
            state: "open".to_owned(),
            reasons: vec![finding.kind.as_str().to_owned()],
            order_id: finding.order_id,
            customer_id: finding.account_id,
            actions: vec![Action::Dismiss],
            finding: Some(body),
        });
    }
    Ok(Json(out))
}

#[derive(Serialize, ToSchema)]
pub struct QueriedBody {
    pub id: String,
    /// The payment's state after the provider's answer was applied.
    pub state: String,
}

refusals!(QueryRefusals = [OPERATOR, &[Code::PaymentNotFound]]);

/// Asks the payment's provider now and applies the answer (a paid order is fulfilled
/// once). Audited as `payment.query`.
#[utoipa::path(post, path = "/api/v1/admin/payments/{id}/query", tag = "admin", security(("operator_key" = [])),
    params(("id" = String, Path, description = "The payment's id")),
    responses((status = 200, body = QueriedBody), QueryRefusals))]
pub async fn query(
    State(app): State<App>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<Json<QueriedBody>> {
    operator.require(Permission::QueryPayments)?;
    let state = attention::query(&app, &id, &operator.name).await?;
    Ok(Json(QueriedBody {
        id,
        state: state.as_str().to_owned(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissBody {
    /// `order`, `payment`, `event` or `finding`.
    pub subject: String,
    pub id: String,
    /// Why it is dealt with (1–500 characters), for the audit log.
    pub reason: String,
}

refusals!(
    DismissRefusals = [
        OPERATOR,
        JSON_BODY,
        &[Code::ReasonRequired, Code::InvalidBody, Code::NotFound]
    ]
);

/// Dealt with: the flag goes (the evidence stays), audited as `attention.dismiss`
/// (a finding: `finding.dismiss`).
#[utoipa::path(post, path = "/api/v1/admin/payments/attention/dismiss", tag = "admin", security(("operator_key" = [])),
    request_body = DismissBody, responses((status = 204, description = "dismissed"), DismissRefusals))]
pub async fn dismiss(
    State(app): State<App>,
    operator: Operator,
    AdminJson(body): AdminJson<DismissBody>,
) -> Result<axum::http::StatusCode> {
    operator.require(Permission::QueryPayments)?;
    if body.subject == "finding" {
        crate::watch::dismiss(&app, &body.id, &body.reason, &operator.name).await?;
        return Ok(axum::http::StatusCode::NO_CONTENT);
    }
    let subject = Subject::parse(&body.subject).ok_or_else(|| {
        Error::invalid(Code::InvalidBody).with_details(vec![
            "subject must be order, payment, event or finding".into(),
        ])
    })?;
    attention::dismiss(&app, subject, &body.id, &body.reason, &operator.name).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfilBody {
    /// Why it is fulfilled by hand (1–500 characters): who at the provider confirmed
    /// it, and how.
    pub reason: String,
    /// The provider's reference for the payment (1–200 characters), the evidence.
    pub reference: String,
}

refusals!(
    FulfilRefusals = [
        OPERATOR,
        JSON_BODY,
        &[
            Code::ReasonRequired,
            Code::ReferenceRequired,
            Code::PaymentNotFound,
            Code::PaymentNotOpen,
            Code::OrderNotAwaitingPayment,
            Code::NoEsimInInventory,
            Code::OrderCancelled,
            Code::OrderRetried,
        ]
    ]
);

/// The provider confirmed an open payment out of band: marks it succeeded with this
/// evidence and fulfils its order once (finance and admins). Audited as
/// `payment.fulfil_manually`.
#[utoipa::path(post, path = "/api/v1/admin/payments/{id}/fulfil", tag = "admin", security(("operator_key" = [])),
    params(("id" = String, Path, description = "The payment's id")), request_body = FulfilBody,
    responses((status = 200, body = ManuallyFulfilled), FulfilRefusals))]
pub async fn fulfil(
    State(app): State<App>,
    operator: Operator,
    Path(id): Path<String>,
    AdminJson(body): AdminJson<FulfilBody>,
) -> Result<Json<ManuallyFulfilled>> {
    operator.require(Permission::FulfilManually)?;
    Ok(Json(
        fulfil_manually(&app, &id, &body.reference, &body.reason, &operator.name).await?,
    ))
}
