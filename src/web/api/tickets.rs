//! A subscriber's support cases: `POST/GET /api/v1/me/tickets`, `GET …/{id}`,
//! `POST …/{id}/messages`, an image with `GET …/{id}/attachments/{attachment}`; and
//! the order's `POST /api/v1/orders/{id}/not-updated`. Internal notes never appear
//! here.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::tickets::{
    self, Author, Category, Message, NewTicket, Thread, Ticket, TicketState, Upload,
};
use crate::web::api::orders::{OrderView, order_view};
use crate::web::api::refusals::{IDEMPOTENT, JSON_BODY, SIGNED_IN, refusals};
use crate::web::extract::{ApiJson, RequestLocale, SignedIn};
use crate::web::idempotency;

/// Bodies with images (base64) may be this large.
pub const IMAGE_BODY_LIMIT: usize = 24 * 1024 * 1024;

#[derive(Serialize, ToSchema)]
pub struct TicketAttachmentBody {
    pub id: String,
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    pub size_bytes: u64,
    pub width: u32,
    pub height: u32,
    /// Where the image is read, with the same token.
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct TicketMessageBody {
    pub id: String,
    pub author: Author,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub attachments: Vec<TicketAttachmentBody>,
}

#[derive(Serialize, ToSchema)]
pub struct TicketBody {
    pub id: String,
    /// The case number to quote: `C-000123`.
    pub number: String,
    pub category: Category,
    pub subject: String,
    pub state: TicketState,
    pub order_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the first answer is due (`[support] first_response_hours` after opening);
    /// `null` once answered.
    pub answer_expected_by: Option<DateTime<Utc>>,
    /// The thread, oldest first: the subscriber's, staff replies and what the server
    /// found; never staff's internal notes.
    pub messages: Vec<TicketMessageBody>,
}

fn attachment_body(ticket_id: &str, a: &tickets::Attachment) -> TicketAttachmentBody {
    TicketAttachmentBody {
        id: a.id.clone(),
        content_type: a.content_type.to_owned(),
        size_bytes: u64::try_from(a.size_bytes).unwrap_or(0),
        width: a.width,
        height: a.height,
        url: format!("/api/v1/me/tickets/{ticket_id}/attachments/{}", a.id),
    }
}

pub fn message_body(m: &Message) -> TicketMessageBody {
    TicketMessageBody {
        id: m.id.clone(),
        author: m.author,
        body: m.body.clone(),
        created_at: m.created_at,
        attachments: m
            .attachments
            .iter()
            .map(|a| attachment_body(&m.ticket_id, a))
            .collect(),
    }
}

pub fn ticket_body(app: &App, ticket: &Ticket, messages: &[Message]) -> TicketBody {
    TicketBody {
        id: ticket.id.clone(),
        number: ticket.reference(),
        category: ticket.category,
        subject: ticket.subject.clone(),
        state: ticket.state,
        order_id: ticket.order_id.clone(),
        created_at: ticket.created_at,
        updated_at: ticket.updated_at,
        answer_expected_by: ticket
            .first_response_at
            .is_none()
            .then(|| ticket.sla(app).first_response_by),
        messages: messages
            .iter()
            .filter(|m| !m.internal)
            .map(message_body)
            .collect(),
    }
}

fn decode_images(images: &[String]) -> Result<Vec<Upload>> {
    images
        .iter()
        .map(|text| {
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map(|bytes| Upload { bytes })
                .map_err(|_| Error::invalid(Code::InvalidAttachment).on_field("images"))
        })
        .collect()
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicketBody {
    /// `payment`, `data`, `install`, `account` or `other`.
    pub category: String,
    /// 1–120 characters.
    pub subject: String,
    /// 1–5000 characters; shown as text (never as HTML).
    pub body: String,
    /// The order it is about: one of the account's own.
    pub order_id: Option<String>,
    /// Up to three PNG or JPEG images, base64; checked by content, size and pixels.
    #[serde(default)]
    pub images: Vec<String>,
}

const TICKET_INPUT: &[Code] = &[
    Code::InvalidMessage,
    Code::InvalidAttachment,
    Code::ImageTooLarge,
    Code::TooManyAttachments,
    Code::AttachmentTooLarge,
];

refusals!(
    OpenRefusals = [
        SIGNED_IN,
        JSON_BODY,
        IDEMPOTENT,
        TICKET_INPUT,
        &[
            Code::InvalidCategory,
            Code::InvalidSubject,
            Code::OrderNotFound,
            Code::TooManyTickets
        ]
    ]
);

/// Opens a support case (about one of the account's orders, if given).
#[utoipa::path(post, path = "/api/v1/me/tickets", tag = "support", request_body = NewTicketBody,
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header,
        description = "1–255 printable ASCII characters: the same key and body again answer the same case")),
    responses((status = 201, body = TicketBody), OpenRefusals))]
pub async fn open(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    signed_in: SignedIn,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewTicketBody>,
) -> Response {
    let account_id = signed_in.account.id.as_str();
    let caller = idempotency::Caller::Account(account_id);
    let (app, body) = (&app, &body);
    idempotency::run(
        app,
        &headers,
        "tickets",
        caller,
        body,
        locale,
        |_| async move {
            let new = NewTicket {
                category: body.category.clone(),
                subject: body.subject.clone(),
                body: body.body.clone(),
                order_id: body.order_id.clone(),
                images: decode_images(&body.images)?,
            };
            let ticket = tickets::open(app, account_id, &new).await?;
            let thread = tickets::thread_for_account(app, account_id, &ticket.id)
                .await?
                .ok_or_else(|| Error::not_found(Code::TicketNotFound))?;
            Ok((
                StatusCode::CREATED,
                serde_json::json!(ticket_body(app, &thread.ticket, &thread.messages)),
            ))
        },
    )
    .await
}

refusals!(ListRefusals = [SIGNED_IN]);

/// The account's cases, newest first, each with its public messages.
#[utoipa::path(get, path = "/api/v1/me/tickets", tag = "support", security(("bearer" = [])),
    responses((status = 200, body = Vec<TicketBody>), ListRefusals))]
pub async fn list(State(app): State<App>, signed_in: SignedIn) -> Result<Json<Vec<TicketBody>>> {
    let mut out = Vec::new();
    for ticket in tickets::for_account(&app, &signed_in.account.id).await? {
        if let Some(Thread { ticket, messages }) =
            tickets::thread_for_account(&app, &signed_in.account.id, &ticket.id).await?
        {
            out.push(ticket_body(&app, &ticket, &messages));
        }
    }
    Ok(Json(out))
}

refusals!(ShowRefusals = [SIGNED_IN, &[Code::TicketNotFound]]);

/// One of the account's cases with its public messages (another's: 404).
#[utoipa::path(get, path = "/api/v1/me/tickets/{id}", tag = "support", security(("bearer" = [])),
    params(("id" = String, Path, description = "The case's id")),
    responses((status = 200, body = TicketBody), ShowRefusals))]
pub async fn show(
    State(app): State<App>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Json<TicketBody>> {
    let thread = tickets::thread_for_account(&app, &signed_in.account.id, &id)
        .await?
        .ok_or_else(|| Error::not_found(Code::TicketNotFound))?;
    Ok(Json(ticket_body(&app, &thread.ticket, &thread.messages)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketReplyBody {
    /// 1–5000 characters.
    pub body: String,
    /// Up to three PNG or JPEG images, base64.
    #[serde(default)]
    pub images: Vec<String>,
}

refusals!(
    ReplyRefusals = [
        SIGNED_IN,
        JSON_BODY,
        TICKET_INPUT,
        &[Code::TicketNotFound, Code::TicketClosed]
    ]
);

/// Writes in the case; a closed case takes no reply (409 `ticket_closed`).
#[utoipa::path(post, path = "/api/v1/me/tickets/{id}/messages", tag = "support", request_body = TicketReplyBody,
    security(("bearer" = [])), params(("id" = String, Path, description = "The case's id")),
    responses((status = 201, body = TicketMessageBody), ReplyRefusals))]
pub async fn reply(
    State(app): State<App>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TicketReplyBody>,
) -> Result<(StatusCode, Json<TicketMessageBody>)> {
    let images = decode_images(&body.images)?;
    let message =
        tickets::reply_as_customer(&app, &signed_in.account.id, &id, &body.body, &images).await?;
    Ok((StatusCode::CREATED, Json(message_body(&message))))
}

refusals!(ImageRefusals = [SIGNED_IN, &[Code::AttachmentNotFound]]);

/// An image of one of the account's cases.
#[utoipa::path(get, path = "/api/v1/me/tickets/{id}/attachments/{attachment}", tag = "support",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The case's id"),
        ("attachment" = String, Path, description = "The image's id")),
    responses((status = 200, description = "The image (PNG or JPEG, as it was checked)",
        content((Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"))), ImageRefusals))]
pub async fn attachment(
    State(app): State<App>,
    signed_in: SignedIn,
    Path((id, attachment)): Path<(String, String)>,
) -> Result<Response> {
    let (found, bytes) =
        tickets::attachments::for_account(&app, &signed_in.account.id, &id, &attachment)
            .await?
            .ok_or_else(|| Error::not_found(Code::AttachmentNotFound))?;
    Ok(image_response(found.content_type, bytes))
}

/// An image as an answer that no browser runs or shows inline as anything else.
pub fn image_response(content_type: &'static str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, no-store"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox",
            ),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Serialize, ToSchema)]
pub struct NotUpdatedBody {
    /// The order after the provider's answer.
    pub order: OrderView,
    /// The case opened (or already open) with the evidence, when the answer settled
    /// nothing; `null` when the order went through.
    pub ticket: Option<TicketBody>,
}

refusals!(NotUpdatedRefusals = [SIGNED_IN, &[Code::OrderNotFound, Code::TooManyTickets]]);

/// "I paid but it didn't update": asks the provider now (at most once every few
/// seconds a payment); a confirmed payment fulfils the order, otherwise a case opens
/// with the order, payments and the provider's events attached.
#[utoipa::path(post, path = "/api/v1/orders/{id}/not-updated", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path, description = "The order's id")),
    responses((status = 200, body = NotUpdatedBody), NotUpdatedRefusals))]
pub async fn not_updated(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Json<NotUpdatedBody>> {
    let outcome = tickets::not_updated(&app, &signed_in.account.id, &id, locale).await?;
    let ticket = match &outcome.ticket {
        Some(ticket) => tickets::thread_for_account(&app, &signed_in.account.id, &ticket.id)
            .await?
            .map(|t| ticket_body(&app, &t.ticket, &t.messages)),
        None => None,
    };
    Ok(Json(NotUpdatedBody {
        order: order_view(&outcome.order, locale),
        ticket,
    }))
}
