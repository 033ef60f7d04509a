//! Opening a case: the subscriber's, with their first message and images, or one a
//! staff member opens for a customer. Everything is checked before anything is
//! kept; the case, its message, its images' rows and the audit entry are one
//! transaction.

use chrono::{DateTime, Duration, Utc};

use crate::app::App;
use crate::audit;
use crate::error::{Code, Error, Result};
use crate::ids::new_id;

use super::attachments::{self, Upload};
use super::{Author, Category, MAX_SUBJECT, Message, Ticket, TicketState, checked_body, store};

/// What a subscriber sends to open a case.
#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    pub category: String,
    pub subject: String,
    pub body: String,
    /// The order it is about; must be the account's own.
    pub order_id: Option<String>,
    pub images: Vec<Upload>,
}

pub(super) struct Checked {
    pub category: Category,
    pub subject: String,
    pub body: String,
    pub order_id: Option<String>,
    pub images: Vec<attachments::Checked>,
}

fn check_subject(subject: &str) -> Result<String> {
    let subject = subject.trim();
    let chars = subject.chars().count();
    if chars == 0 || chars > MAX_SUBJECT || subject.chars().any(char::is_control) {
        return Err(Error::invalid(Code::InvalidSubject).on_field("subject"));
    }
    Ok(subject.to_owned())
}

/// Every field checked, the order looked up as the account's (another's answers 404
/// `order_not_found`, as for any order that is not theirs).
pub(super) async fn check(app: &App, account_id: &str, new: &NewTicket) -> Result<Checked> {
    let category = Category::parse(&new.category)
        .ok_or_else(|| Error::invalid(Code::InvalidCategory).on_field("category"))?;
    let subject = check_subject(&new.subject)?;
    let body = checked_body(&new.body)?;
    let order_id = match new
        .order_id
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        Some(order) => {
            let owned = crate::orders::store::find_for_account(app, order, account_id).await?;
            Some(
                owned
                    .ok_or_else(|| Error::not_found(Code::OrderNotFound).on_field("order"))?
                    .id
                    .to_string(),
            )
        }
        None => None,
    };
    let images = attachments::check_all(&new.images, app.config.support.max_attachment_bytes)?;
    Ok(Checked {
        category,
        subject,
        body,
        order_id,
        images,
    })
}

/// The subscriber opens a case. Refused with 429 `too_many_tickets` past
/// `[support] max_cases_per_day` in a day.
pub async fn open(app: &App, account_id: &str, new: &NewTicket) -> Result<Ticket> {
    let checked = check(app, account_id, new).await?;
    let (ticket, _) = create(app, account_id, checked, Opener::Customer, Vec::new()).await?;
    Ok(ticket)
}

/// A staff member opens a case for a customer (from a phone call): their message is
/// the first, public, and the subscriber is told as of any staff reply.
pub async fn open_for_customer(
    app: &App,
    staff_email: &str,
    account_id: &str,
    new: &NewTicket,
) -> Result<Ticket> {
    if crate::accounts::find(app, account_id).await?.is_none() {
        return Err(Error::not_found(Code::NotFound).on_field("account_id"));
    }
    let checked = check(app, account_id, new).await?;
    let (ticket, message) = create(
        app,
        account_id,
        checked,
        Opener::Staff(staff_email.to_owned()),
        Vec::new(),
    )
    .await?;
    super::notify::queue_for(app, &ticket, &message).await?;
    Ok(ticket)
}

pub(super) enum Opener {
    Customer,
    Staff(String),
}

/// Writes the images, then the case with its first message and `extra` messages
/// (the evidence of the not-updated button) and the audit entry in one transaction;
/// removes the images again if it fails.
pub(super) async fn create(
    app: &App,
    account_id: &str,
    checked: Checked,
    opener: Opener,
    extra: Vec<(Author, bool, String)>,
) -> Result<(Ticket, Message)> {
    let now = app.now();
    let ticket_id = new_id("tkt", now);
    let message_id = new_id("msg", now);
    let written = attachments::write(app, &ticket_id, &message_id, checked.images, now).await?;
    let result = insert(
        app,
        account_id,
        &ticket_id,
        &message_id,
        checked.category,
        checked.subject,
        checked.body,
        checked.order_id,
        &opener,
        extra,
        written.clone(),
        now,
    )
    .await;
    if result.is_err() {
        attachments::discard(app, &written).await;
    }
    result
}

#[expect(
    clippy::too_many_arguments,
    reason = "one row's fields, checked by the caller"
)]
async fn insert(
    app: &App,
    account_id: &str,
    ticket_id: &str,
    message_id: &str,
    category: Category,
    subject: String,
    body: String,
    order_id: Option<String>,
    opener: &Opener,
    extra: Vec<(Author, bool, String)>,
    images: Vec<attachments::Attachment>,
    now: DateTime<Utc>,
) -> Result<(Ticket, Message)> {
    let mut tx = audit::begin(&app.db).await?;
    if matches!(opener, Opener::Customer) {
        let today = store::opened_since(&mut tx, account_id, now - Duration::days(1)).await?;
        if today >= app.config.support.max_cases_per_day {
            return Err(Error::rate_limited(Code::TooManyTickets, 3600));
        }
    }
    let (author, staff, state, first_response_at, actor) = match opener {
        Opener::Customer => (
            Author::Customer,
            None,
            TicketState::Open,
            None,
            format!("account:{account_id}"),
        ),
        Opener::Staff(email) => (
            Author::Staff,
            Some(email.clone()),
            TicketState::WaitingOnCustomer,
            Some(now),
            format!("staff:{email}"),
        ),
    };
    let ticket = Ticket {
        id: ticket_id.to_owned(),
        number: store::next_number(&mut tx).await?,
        account_id: account_id.to_owned(),
        order_id,
        category,
        subject,
        state,
        assignee: None,
        created_at: now,
        updated_at: now,
        first_response_at,
        resolved_at: None,
        closed_at: None,
    };
    store::insert(&mut tx, &ticket).await?;
    let message = Message {
        id: message_id.to_owned(),
        ticket_id: ticket.id.clone(),
        author,
        staff,
        internal: false,
        body,
        created_at: now,
        attachments: images,
    };
    store::insert_message(&mut tx, &message).await?;
    for (i, (author, internal, body)) in extra.into_iter().enumerate() {
        let later = now + Duration::milliseconds(i64::try_from(i).unwrap_or(0) + 1);
        let note = Message {
            id: new_id("msg", later),
            ticket_id: ticket.id.clone(),
            author,
            staff: None,
            internal,
            body,
            created_at: later,
            attachments: Vec::new(),
        };
        store::insert_message(&mut tx, &note).await?;
    }
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        &actor,
        "ticket.open",
        &ticket.id,
        &format!(
            "{} {}{}",
            ticket.reference(),
            ticket.category.as_str(),
            ticket
                .order_id
                .as_deref()
                .map(|o| format!(", order {o}"))
                .unwrap_or_default()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((ticket, message))
}
