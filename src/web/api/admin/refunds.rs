//! Refunds and wallet adjustments: `POST /api/v1/admin/payments/{id}/refunds`
//! `{amount?, reason, note?, to?}` → 202 `{id, state}`, `POST
//! /api/v1/admin/refunds/{id}/approve` (a second finance or admin member) → 202,
//! `POST /api/v1/admin/customers/{id}/wallet-adjustments` `{amount, reason, note?}` →
//! 201 (202 while it waits for approval), `GET /api/v1/admin/refunds` (pending
//! approval), `POST /api/v1/admin/refunds/{id}/reject` `{reason}` (turned down by
//! another member, or withdrawn by the one who asked). Above `[console] approval_above` a request waits for a second member.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::money::Money;
use crate::orders::refund_store::{self, RefundRecord};
use crate::orders::staff_refund::{self, Destination, RefundRequest, Requested, reason_with_note};
use crate::staff::Permission;
use crate::web::api::refusals::{JSON_BODY, OPERATOR, refusals};

use super::{AdminJson, Operator};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    /// How much to give back; all that is left to refund when absent. Its currency
    /// must be the payment's.
    pub amount: Option<Money>,
    /// `service_problem`, `duplicate`, `goodwill`, `customer_request`, `correction` or
    /// `other` (which needs a `note`).
    pub reason: String,
    #[serde(default)]
    pub note: String,
    /// `provider` (back to the payer, the default) or `wallet`.
    #[serde(default)]
    pub to: Destination,
}

refusals!(
    RefundRefusals = [
        OPERATOR,
        JSON_BODY,
        &[
            Code::InvalidRefundReason,
            Code::InvalidRefundDestination,
            Code::InvalidAmount,
            Code::PaymentNotFound,
            Code::PaymentNotRefundable,
            Code::RefundExceedsPaid,
            Code::TopUpSpent,
        ]
    ]
);

/// Refunds part or all of a succeeded payment.
#[utoipa::path(post, path = "/api/v1/admin/payments/{id}/refunds", tag = "admin", security(("operator_key" = [])),
    params(("id" = String, Path, description = "The payment")), request_body = RefundBody,
    responses((status = 202, body = Requested), RefundRefusals))]
pub async fn refund(
    State(app): State<App>,
    operator: Operator,
    Path(payment_id): Path<String>,
    AdminJson(body): AdminJson<RefundBody>,
) -> Result<(StatusCode, Json<Requested>)> {
    operator.require(Permission::Refund)?;
    let (reason, note) = reason_with_note(&body.reason, &body.note)?;
    let amount = match body.amount {
        Some(money) => {
            let payment = crate::payments::store::find(&app, &payment_id)
                .await?
                .ok_or_else(|| Error::not_found(Code::PaymentNotFound))?;
            if money.currency != payment.amount.currency {
                return Err(
                    Error::invalid(Code::InvalidAmount).with_details(vec![format!(
                        "the payment is in {}",
                        payment.amount.currency
                    )]),
                );
            }
            Some(money.amount)
        }
        None => None,
    };
    let requested = staff_refund::request_refund(
        &app,
        RefundRequest {
            payment_id: &payment_id,
            amount,
            destination: body.to,
            reason,
            note,
            actor: &operator.name,
        },
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(requested)))
}

refusals!(
    ApproveRefusals = [
        OPERATOR,
        &[
            Code::OwnApproval,
            Code::RefundNotFound,
            Code::PaymentNotRefundable,
            Code::WalletWouldGoNegative,
            Code::TopUpSpent,
        ]
    ]
);

/// A second finance or admin member approves a refund or adjustment; approving one
/// already approved answers where it stands.
#[utoipa::path(post, path = "/api/v1/admin/refunds/{id}/approve", tag = "admin", security(("operator_key" = [])),
    params(("id" = String, Path, description = "The refund or adjustment")),
    responses((status = 202, body = Requested), ApproveRefusals))]
pub async fn approve(
    State(app): State<App>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Requested>)> {
    // Refunds and adjustments take the same role (finance) to ask for and approve.
    operator.require(Permission::Refund)?;
    operator.require(Permission::AdjustWallets)?;
    let requested = staff_refund::approve(&app, &id, &operator.name).await?;
    Ok((StatusCode::ACCEPTED, Json(requested)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Why (1–500 characters), kept with the request and in the audit log.
    pub reason: String,
}

refusals!(
    RejectRefusals = [
        OPERATOR,
        JSON_BODY,
        &[
            Code::ReasonRequired,
            Code::RefundNotFound,
            Code::RefundNotPending
        ]
    ]
);

/// Turns down a refund or adjustment waiting for approval: `cancelled` when the one
/// who asked withdraws it, `rejected` when another finance member or admin does.
#[utoipa::path(post, path = "/api/v1/admin/refunds/{id}/reject", tag = "admin", security(("operator_key" = [])),
    params(("id" = String, Path, description = "The refund or adjustment")), request_body = RejectBody,
    responses((status = 200, body = Requested), RejectRefusals))]
pub async fn reject(
    State(app): State<App>,
    operator: Operator,
    Path(id): Path<String>,
    AdminJson(body): AdminJson<RejectBody>,
) -> Result<Json<Requested>> {
    operator.require(Permission::Refund)?;
    operator.require(Permission::AdjustWallets)?;
    Ok(Json(
        staff_refund::reject(&app, &id, &body.reason, &operator.name).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentBody {
    /// Signed: a credit is positive, a debit negative.
    pub amount: Money,
    pub reason: String,
    #[serde(default)]
    pub note: String,
}

refusals!(
    AdjustRefusals = [
        OPERATOR,
        JSON_BODY,
        &[
            Code::InvalidRefundReason,
            Code::InvalidAmount,
            Code::NotFound,
            Code::WalletWouldGoNegative,
        ]
    ]
);

/// Credits or debits a customer's wallet.
#[utoipa::path(post, path = "/api/v1/admin/customers/{id}/wallet-adjustments", tag = "admin", security(("operator_key" = [])),
    params(("id" = String, Path, description = "The customer's account")), request_body = AdjustmentBody,
    responses((status = 201, body = Requested), (status = 202, body = Requested, description = "Waiting for a second member's approval"), AdjustRefusals))]
pub async fn adjust(
    State(app): State<App>,
    operator: Operator,
    Path(account_id): Path<String>,
    AdminJson(body): AdminJson<AdjustmentBody>,
) -> Result<(StatusCode, Json<Requested>)> {
    operator.require(Permission::AdjustWallets)?;
    let (reason, note) = reason_with_note(&body.reason, &body.note)?;
    let requested =
        staff_refund::adjust_wallet(&app, &account_id, body.amount, reason, note, &operator.name)
            .await?;
    let status = if requested.state == "pending_approval" {
        StatusCode::ACCEPTED
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(requested)))
}

refusals!(PendingRefusals = [OPERATOR]);

/// Refunds and adjustments waiting for a second member's approval, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/refunds", tag = "admin", security(("operator_key" = [])),
    responses((status = 200, body = Vec<RefundRecord>), PendingRefusals))]
pub async fn pending(
    State(app): State<App>,
    operator: Operator,
) -> Result<Json<Vec<RefundRecord>>> {
    operator.require(Permission::Read)?;
    Ok(Json(refund_store::pending(&app).await?))
}
