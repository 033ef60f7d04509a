//! The thread goes on: the subscriber's replies (with images), staff replies and
//! internal notes, state changes and assignment. Each is one transaction with its
//! guarded state move and, for staff, its audit entry; a staff reply queues the
//! subscriber's email and SMS in the same transaction.

use crate::app::App;
use crate::audit;
use crate::error::{Code, Error, Result};
use crate::ids::new_id;
use crate::staff::{self, Permission};

use super::attachments::{self, Upload};
use super::state::{Event, next};
use super::{Author, Message, Ticket, TicketState, checked_body, store};

/// The subscriber writes in their case: 404 `ticket_not_found` for another's, 409
/// `ticket_closed` for a closed one; nothing is kept then.
pub async fn reply_as_customer(
    app: &App,
    account_id: &str,
    ticket_id: &str,
    body: &str,
    images: &[Upload],
) -> Result<Message> {
    let body = checked_body(body)?;
    let checked = attachments::check_all(images, app.config.support.max_attachment_bytes)?;
    let ticket = store::find(app.db.reader(), ticket_id)
        .await?
        .filter(|t| t.account_id == account_id)
        .ok_or_else(|| Error::not_found(Code::TicketNotFound))?;
    let to = next(ticket.state, Event::CustomerReply)
        .ok_or_else(|| Error::conflict(Code::TicketClosed))?;
    let now = app.now();
    let message_id = new_id("msg", now);
    let written = attachments::write(app, &ticket.id, &message_id, checked, now).await?;
    let message = Message {
        id: message_id,
        ticket_id: ticket.id.clone(),
        author: Author::Customer,
        staff: None,
        internal: false,
        body,
        created_at: now,
        attachments: written.clone(),
    };
    let actor = format!("account:{account_id}");
    let result = write(
        app,
        &ticket,
        to,
        &message,
        &actor,
        "ticket.customer_reply",
        false,
    )
    .await;
    if result.is_err() {
        attachments::discard(app, &written).await;
    }
    result.map(|()| message)
}

/// A staff member answers (public: the subscriber is told by email and SMS) or
/// writes an internal note (seen by staff only; moves nothing).
pub async fn reply_as_staff(
    app: &App,
    staff_email: &str,
    ticket_id: &str,
    body: &str,
    internal: bool,
) -> Result<Message> {
    let body = checked_body(body)?;
    let ticket = store::find(app.db.reader(), ticket_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::TicketNotFound))?;
    let event = if internal {
        Event::InternalNote
    } else {
        Event::StaffReply
    };
    let to = next(ticket.state, event).ok_or_else(|| Error::conflict(Code::TicketClosed))?;
    let now = app.now();
    let message = Message {
        id: new_id("msg", now),
        ticket_id: ticket.id.clone(),
        author: Author::Staff,
        staff: Some(staff_email.to_owned()),
        internal,
        body,
        created_at: now,
        attachments: Vec::new(),
    };
    let action = if internal {
        "ticket.note"
    } else {
        "ticket.reply"
    };
    let actor = format!("staff:{staff_email}");
    write(app, &ticket, to, &message, &actor, action, !internal).await?;
    Ok(message)
}

async fn write(
    app: &App,
    ticket: &Ticket,
    to: TicketState,
    message: &Message,
    actor: &str,
    action: &str,
    staff_replied: bool,
) -> Result<()> {
    let now = message.created_at;
    let mut tx = audit::begin(&app.db).await?;
    if !store::move_state(&mut tx, &ticket.id, ticket.state, to, staff_replied, now).await? {
        // Moved by someone else a moment ago: answer as if from its new state.
        return Err(Error::conflict(Code::CatalogChangedConcurrently));
    }
    store::insert_message(&mut tx, message).await?;
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        actor,
        action,
        &ticket.id,
        &format!("{} → {}", ticket.state.as_str(), to.as_str()),
    )
    .await?;
    if staff_replied {
        super::notify::queue_in(&mut tx, ticket, message, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Staff set the state by hand (resolve, close, wait on either party); 400
/// `invalid_ticket_state` for a move the rules refuse (anything on a closed case,
/// back to `open`).
pub async fn set_state(app: &App, actor: &str, ticket_id: &str, to: TicketState) -> Result<Ticket> {
    let ticket = store::find(app.db.reader(), ticket_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::TicketNotFound))?;
    let target = next(ticket.state, Event::Set(to))
        .ok_or_else(|| Error::invalid(Code::InvalidTicketState).on_field("state"))?;
    if target == ticket.state {
        return Ok(ticket);
    }
    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    if !store::move_state(&mut tx, &ticket.id, ticket.state, target, false, now).await? {
        return Err(Error::conflict(Code::CatalogChangedConcurrently));
    }
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        actor,
        "ticket.state",
        &ticket.id,
        &format!("{} → {}", ticket.state.as_str(), target.as_str()),
    )
    .await?;
    let moved = store::find(&mut *tx, &ticket.id).await?;
    tx.commit().await?;
    moved.ok_or_else(|| Error::not_found(Code::TicketNotFound))
}

/// Gives the case to a staff member who may answer cases (`None`: to no one); 400
/// `invalid_assignee` for anyone else.
pub async fn assign(
    app: &App,
    actor: &str,
    ticket_id: &str,
    assignee: Option<&str>,
) -> Result<Ticket> {
    let assignee = match assignee.map(str::trim).filter(|a| !a.is_empty()) {
        Some(email) => {
            let member = staff::find_by_email(app, email)
                .await
                .ok()
                .flatten()
                .filter(|m| m.disabled_at.is_none() && m.role.may(Permission::AnswerTickets))
                .ok_or_else(|| Error::invalid(Code::InvalidAssignee).on_field("assignee"))?;
            Some(member.email)
        }
        None => None,
    };
    let ticket = store::find(app.db.reader(), ticket_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::TicketNotFound))?;
    if ticket.assignee == assignee {
        return Ok(ticket);
    }
    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    store::set_assignee(&mut tx, &ticket.id, assignee.as_deref(), now).await?;
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        actor,
        "ticket.assign",
        &ticket.id,
        assignee.as_deref().unwrap_or("no one"),
    )
    .await?;
    let changed = store::find(&mut *tx, &ticket.id).await?;
    tx.commit().await?;
    changed.ok_or_else(|| Error::not_found(Code::TicketNotFound))
}
