//! Support cases for staff: `GET/POST /api/v1/admin/tickets`, `GET/PATCH …/{id}`
//! (state, assignee) and `POST …/{id}/messages` `{body, internal?}`. Reading takes
//! any role; writing takes support (`answer_tickets`) or above. Each write is
//! audited under the caller's name.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::staff::Permission;
use crate::tickets::{self, Author, Category, Filter, NewTicket, Overdue, Ticket, TicketState};
use crate::web::api::refusals::{JSON_BODY, OPERATOR, refusals};

use super::{AdminJson, Operator};

/// The staff member's email of an operator's name (`staff:<email>`), or the key's name.
fn who(operator: &Operator) -> String {
    operator
        .name
        .strip_prefix("staff:")
        .unwrap_or(&operator.name)
        .to_owned()
}

#[derive(Serialize, ToSchema)]
pub struct StaffTicketMessageBody {
    pub id: String,
    pub author: Author,
    /// The staff member who wrote it.
    pub staff: Option<String>,
    /// A note only staff see.
    pub internal: bool,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// The images' ids (`/admin/tickets/{id}/attachments/{attachment}` in the console).
    pub attachments: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StaffTicketBody {
    pub id: String,
    /// `C-000123`.
    pub number: String,
    pub customer_id: String,
    pub order_id: Option<String>,
    pub category: Category,
    pub subject: String,
    pub state: TicketState,
    pub assignee: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub first_response_by: DateTime<Utc>,
    pub resolution_by: DateTime<Utc>,
    /// The service-level target missed, if any.
    pub overdue: Option<Overdue>,
    /// Every message, internal notes included (empty in lists).
    pub messages: Vec<StaffTicketMessageBody>,
}

fn body_of(app: &App, ticket: &Ticket, messages: &[tickets::Message]) -> StaffTicketBody {
    let sla = ticket.sla(app);
    StaffTicketBody {
        id: ticket.id.clone(),
        number: ticket.reference(),
        customer_id: ticket.account_id.clone(),
        order_id: ticket.order_id.clone(),
        category: ticket.category,
        subject: ticket.subject.clone(),
        state: ticket.state,
        assignee: ticket.assignee.clone(),
        created_at: ticket.created_at,
        updated_at: ticket.updated_at,
        first_response_at: ticket.first_response_at,
        first_response_by: sla.first_response_by,
        resolution_by: sla.resolution_by,
        overdue: ticket.overdue(app, app.now()),
        messages: messages
            .iter()
            .map(|m| StaffTicketMessageBody {
                id: m.id.clone(),
                author: m.author,
                staff: m.staff.clone(),
                internal: m.internal,
                body: m.body.clone(),
                created_at: m.created_at,
                attachments: m.attachments.iter().map(|a| a.id.clone()).collect(),
            })
            .collect(),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// One state; without it, every case not closed.
    pub state: Option<String>,
    /// `payment`, `data`, `install`, `account` or `other`.
    pub category: Option<String>,
    /// A staff member's email; `none` for cases given to no one.
    pub assignee: Option<String>,
}

refusals!(QueueRefusals = [OPERATOR, &[Code::InvalidTicketState, Code::InvalidCategory]]);

/// The queue, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/tickets", tag = "admin", security(("operator_key" = [])),
    params(QueueQuery), responses((status = 200, body = Vec<StaffTicketBody>), QueueRefusals))]
pub async fn list(
    State(app): State<App>,
    operator: Operator,
    Query(query): Query<QueueQuery>,
) -> Result<Json<Vec<StaffTicketBody>>> {
    operator.require(Permission::Read)?;
    let filter = filter_of(&query)?;
    let queue = tickets::queue(&app, &filter).await?;
    Ok(Json(queue.iter().map(|t| body_of(&app, t, &[])).collect()))
}

pub fn filter_of(query: &QueueQuery) -> Result<Filter> {
    let blank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let state = match blank(&query.state) {
        Some(text) => Some(
            TicketState::parse(&text)
                .ok_or_else(|| Error::invalid(Code::InvalidTicketState).on_field("state"))?,
        ),
        None => None,
    };
    let category = match blank(&query.category) {
        Some(text) => Some(
            Category::parse(&text)
                .ok_or_else(|| Error::invalid(Code::InvalidCategory).on_field("category"))?,
        ),
        None => None,
    };
    let assignee = blank(&query.assignee).map(|a| {
        if a == "none" {
            String::new()
        } else {
            a.to_lowercase()
        }
    });
    Ok(Filter {
        state,
        category,
        assignee,
    })
}

refusals!(ShowRefusals = [OPERATOR, &[Code::TicketNotFound]]);

/// A case with every message, internal notes included.
#[utoipa::path(get, path = "/api/v1/admin/tickets/{id}", tag = "admin", security(("operator_key" = [])),
    params(("id" = String, Path, description = "The case's id")),
    responses((status = 200, body = StaffTicketBody), ShowRefusals))]
pub async fn show(
    State(app): State<App>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<Json<StaffTicketBody>> {
    operator.require(Permission::Read)?;
    let thread = tickets::thread_for_staff(&app, &id)
        .await?
        .ok_or_else(|| Error::not_found(Code::TicketNotFound))?;
    Ok(Json(body_of(&app, &thread.ticket, &thread.messages)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffNewTicketBody {
    /// The customer's id.
    pub account_id: String,
    pub category: String,
    pub subject: String,
    /// The first message, from the staff member, public.
    pub body: String,
    pub order_id: Option<String>,
}

refusals!(
    OpenRefusals = [
        OPERATOR,
        JSON_BODY,
        &[
            Code::InvalidCategory,
            Code::InvalidSubject,
            Code::InvalidMessage,
            Code::OrderNotFound,
            Code::NotFound
        ]
    ]
);

/// Opens a case for a customer (support and above); the customer is told as of a reply.
#[utoipa::path(post, path = "/api/v1/admin/tickets", tag = "admin", security(("operator_key" = [])),
    request_body = StaffNewTicketBody, responses((status = 201, body = StaffTicketBody), OpenRefusals))]
pub async fn open(
    State(app): State<App>,
    operator: Operator,
    AdminJson(body): AdminJson<StaffNewTicketBody>,
) -> Result<(StatusCode, Json<StaffTicketBody>)> {
    operator.require(Permission::AnswerTickets)?;
    let new = NewTicket {
        category: body.category,
        subject: body.subject,
        body: body.body,
        order_id: body.order_id,
        images: Vec::new(),
    };
    let ticket = tickets::open_for_customer(&app, &who(&operator), &body.account_id, &new).await?;
    let thread = tickets::thread_for_staff(&app, &ticket.id)
        .await?
        .ok_or_else(|| Error::not_found(Code::TicketNotFound))?;
    Ok((
        StatusCode::CREATED,
        Json(body_of(&app, &thread.ticket, &thread.messages)),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffReplyBody {
    /// 1–5000 characters.
    pub body: String,
    /// A note only staff see (the customer is not told); a public reply otherwise.
    #[serde(default)]
    pub internal: bool,
}

refusals!(
    ReplyRefusals = [
        OPERATOR,
        JSON_BODY,
        &[
            Code::InvalidMessage,
            Code::TicketNotFound,
            Code::TicketClosed,
            Code::CatalogChangedConcurrently
        ]
    ]
);

/// Answers the customer (emailed and texted in their language) or adds an internal note.
#[utoipa::path(post, path = "/api/v1/admin/tickets/{id}/messages", tag = "admin", security(("operator_key" = [])),
    params(("id" = String, Path, description = "The case's id")), request_body = StaffReplyBody,
    responses((status = 201, body = StaffTicketBody), ReplyRefusals))]
pub async fn reply(
    State(app): State<App>,
    operator: Operator,
    Path(id): Path<String>,
    AdminJson(body): AdminJson<StaffReplyBody>,
) -> Result<(StatusCode, Json<StaffTicketBody>)> {
    operator.require(Permission::AnswerTickets)?;
    tickets::reply_as_staff(&app, &who(&operator), &id, &body.body, body.internal).await?;
    let thread = tickets::thread_for_staff(&app, &id)
        .await?
        .ok_or_else(|| Error::not_found(Code::TicketNotFound))?;
    Ok((
        StatusCode::CREATED,
        Json(body_of(&app, &thread.ticket, &thread.messages)),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketChangeBody {
    /// `waiting_on_customer`, `waiting_on_operator`, `resolved` or `closed`.
    pub state: Option<String>,
    /// A staff member's email who may answer cases; `""` gives it to no one.
    pub assignee: Option<String>,
}

refusals!(
    ChangeRefusals = [
        OPERATOR,
        JSON_BODY,
        &[
            Code::TicketNotFound,
            Code::InvalidTicketState,
            Code::InvalidAssignee,
            Code::CatalogChangedConcurrently
        ]
    ]
);

/// Changes the case's state or assignee.
#[utoipa::path(patch, path = "/api/v1/admin/tickets/{id}", tag = "admin", security(("operator_key" = [])),
    params(("id" = String, Path, description = "The case's id")), request_body = TicketChangeBody,
    responses((status = 200, body = StaffTicketBody), ChangeRefusals))]
pub async fn change(
    State(app): State<App>,
    operator: Operator,
    Path(id): Path<String>,
    AdminJson(body): AdminJson<TicketChangeBody>,
) -> Result<Json<StaffTicketBody>> {
    operator.require(Permission::AnswerTickets)?;
    let state = match body.state.as_deref() {
        Some(text) => Some(
            TicketState::parse(text)
                .ok_or_else(|| Error::invalid(Code::InvalidTicketState).on_field("state"))?,
        ),
        None => None,
    };
    let current = tickets::thread_for_staff(&app, &id)
        .await?
        .ok_or_else(|| Error::not_found(Code::TicketNotFound))?
        .ticket;
    // Both checked before either is changed: a refusal changes nothing.
    if let Some(state) = state
        && tickets::state::next(current.state, tickets::state::Event::Set(state)).is_none()
    {
        return Err(Error::invalid(Code::InvalidTicketState).on_field("state"));
    }
    if let Some(assignee) = body.assignee.as_deref() {
        tickets::assign(&app, &operator.name, &id, Some(assignee)).await?;
    }
    if let Some(state) = state {
        tickets::set_state(&app, &operator.name, &id, state).await?;
    }
    let thread = tickets::thread_for_staff(&app, &id)
        .await?
        .ok_or_else(|| Error::not_found(Code::TicketNotFound))?;
    Ok(Json(body_of(&app, &thread.ticket, &thread.messages)))
}
