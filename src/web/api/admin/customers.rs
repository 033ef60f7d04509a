//! `GET /api/v1/admin/customers?q=` (one box: phone in any format, email, ICCID,
//! order id, payment id, provider reference, receipt number) and
//! `GET /api/v1/admin/customers/{id}` (everything about one customer — with the
//! messages sent to them, refunds and lines marked for review; recorded in the audit
//! log as a view of personal data).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::App;
use crate::customers::{self, MatchedBy, TimelineEntry};
use crate::error::{Code, Error, Result};
use crate::ledger::movements::Movement;
use crate::lines::review::LineReview;
use crate::messages::SentMessage;
use crate::money::Money;
use crate::orders::refund_store::RefundRecord;
use crate::payments::lookup::PaymentRecord;
use crate::staff::Permission;
use crate::web::api::refusals::{OPERATOR, refusals};

use super::Operator;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Phone (any format), email, ICCID, order id, payment id, provider reference or
    /// receipt number; 1–100 characters.
    q: String,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerHitBody {
    pub id: String,
    pub phone: String,
    pub email: String,
    /// The ICCIDs of the customer's lines.
    pub lines: Vec<String>,
    pub matched_by: MatchedBy,
}

refusals!(SearchRefusals = [OPERATOR, &[Code::InvalidQuery]]);

/// The customers the query names (none is an empty list).
#[utoipa::path(get, path = "/api/v1/admin/customers", tag = "admin", security(("operator_key" = [])), params(SearchQuery),
    responses((status = 200, body = Vec<CustomerHitBody>), SearchRefusals))]
pub async fn search(
    State(app): State<App>,
    operator: Operator,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<Vec<CustomerHitBody>>> {
    operator.require(Permission::Read)?;
    let Query(query) =
        query.map_err(|r| Error::invalid(Code::InvalidQuery).with_details(vec![r.body_text()]))?;
    let hits = customers::search(&app, &query.q).await?;
    Ok(Json(
        hits.into_iter()
            .map(|hit| CustomerHitBody {
                id: hit.account.id,
                phone: hit.account.phone.to_string(),
                email: hit.account.email.to_string(),
                lines: hit.lines,
                matched_by: hit.matched_by,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct CustomerAccountBody {
    pub id: String,
    pub phone: String,
    pub email: String,
    pub email_verified: bool,
    pub locale: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerLineBody {
    pub iccid: String,
    pub status: String,
    pub status_reason: Option<String>,
    /// The running period's plan and dates.
    pub plan: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// Periods bought after the running one, and when the last ends.
    pub queued_periods: usize,
    pub valid_until: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerOrderBody {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub total: Money,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub fulfilled_at: Option<DateTime<Utc>>,
    pub receipt: Option<String>,
    pub attention: Option<String>,
    pub payments: Vec<PaymentRecord>,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerCardBody {
    pub brand: String,
    pub last4: String,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerBody {
    pub account: CustomerAccountBody,
    pub lines: Vec<CustomerLineBody>,
    pub wallet: Money,
    pub movements: Vec<Movement>,
    pub orders: Vec<CustomerOrderBody>,
    pub cards: Vec<CustomerCardBody>,
    /// SMS and email sent to the account's phone or email, newest first (a text that
    /// held a one-time code or link is `withheld`).
    pub messages: Vec<SentMessage>,
    /// Refunds and wallet adjustments, newest first.
    pub refunds: Vec<RefundRecord>,
    /// The account's lines marked for review.
    pub line_reviews: Vec<LineReview>,
    /// Support cases, newest first (`GET /api/v1/admin/tickets/{id}` for the thread).
    pub tickets: Vec<CustomerTicketBody>,
    /// Everything above, newest first.
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerTicketBody {
    pub id: String,
    /// `C-000123`.
    pub number: String,
    pub subject: String,
    pub category: crate::tickets::Category,
    pub state: crate::tickets::TicketState,
    pub created_at: DateTime<Utc>,
}

refusals!(ShowRefusals = [OPERATOR, &[Code::NotFound]]);

/// Everything about one customer. Recorded in the audit log (`customer.view`).
#[utoipa::path(get, path = "/api/v1/admin/customers/{id}", tag = "admin", security(("operator_key" = [])),
    params(("id" = String, Path, description = "The customer's account id")),
    responses((status = 200, body = CustomerBody), ShowRefusals))]
pub async fn show(
    State(app): State<App>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<Json<CustomerBody>> {
    operator.require(Permission::Read)?;
    let profile = customers::profile(&app, &id, &operator.name)
        .await?
        .ok_or_else(|| Error::not_found(Code::NotFound))?;
    let account = profile.account;
    Ok(Json(CustomerBody {
        account: CustomerAccountBody {
            id: account.id,
            phone: account.phone.to_string(),
            email: account.email.to_string(),
            email_verified: account.email_verified,
            locale: account.locale.tag().to_owned(),
            created_at: account.created_at,
        },
        lines: profile
            .lines
            .into_iter()
            .map(|line| CustomerLineBody {
                iccid: line.iccid.to_string(),
                status: line.status.as_str().to_owned(),
                status_reason: line.status_reason,
                plan: line.current.as_ref().map(|p| p.plan_code.clone()),
                starts_at: line.current.as_ref().map(|p| p.starts_at),
                ends_at: line.current.as_ref().map(|p| p.ends_at),
                queued_periods: line.queued.len(),
                valid_until: line
                    .queued
                    .last()
                    .or(line.current.as_ref())
                    .map(|p| p.ends_at),
            })
            .collect(),
        wallet: profile.wallet,
        movements: profile.movements,
        orders: profile
            .orders
            .into_iter()
            .map(|record| {
                let order = record.order;
                CustomerOrderBody {
                    id: order.id.to_string(),
                    kind: order.kind().as_str().to_owned(),
                    state: order.state.as_str().to_owned(),
                    total: order.breakdown.money(order.breakdown.total),
                    created_at: order.created_at,
                    paid_at: order.paid_at,
                    fulfilled_at: order.fulfilled_at,
                    receipt: record.receipt,
                    attention: order.attention,
                    payments: record.payments,
                }
            })
            .collect(),
        cards: profile
            .cards
            .into_iter()
            .map(|card| CustomerCardBody {
                brand: card.brand,
                last4: card.last4,
            })
            .collect(),
        messages: profile.messages,
        refunds: profile.refunds,
        line_reviews: profile.reviews,
        tickets: profile
            .tickets
            .iter()
            .map(|ticket| CustomerTicketBody {
                id: ticket.id.clone(),
                number: ticket.reference(),
                subject: ticket.subject.clone(),
                category: ticket.category,
                state: ticket.state,
                created_at: ticket.created_at,
            })
            .collect(),
        timeline: profile.timeline,
    }))
}
