//! Support cases: a subscriber asks (from the support page, the help centre, an
//! order), staff answer in the back office. Each case has a number people can quote
//! (C-000123), a category, a thread of messages (staff notes marked internal never
//! reach the subscriber, in the API or on a page), up to three images a message (kept
//! under the data dir, served only to the case's parties), a state
//! ([`state::next`]) and a service-level clock ([`state::Sla`]). The subscriber hears
//! of every staff reply by email and SMS in their language ([`notify`]).
//!
//! [`not_updated`] is the order page's "I paid but it didn't update": the provider is
//! asked at once, and a case opens with the evidence only when that settles nothing.

pub mod attachments;
pub mod canned;
mod evidence;
mod not_updated;
pub mod notify;
mod open;
mod reply;
pub mod state;
mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Code, Error, Result};

pub use crate::help::Topic as Category;
pub use attachments::{Attachment, Upload};
pub use evidence::{WithEvidence, in_hand_about_order, open_with_evidence};
pub use not_updated::{NotUpdated, not_updated};
pub use notify::{NOTIFY_JOB, auto_close, send_notification};
pub use open::{NewTicket, open, open_for_customer};
pub use reply::{assign, reply_as_customer, reply_as_staff, set_state};
pub use state::{Overdue, Sla, TicketState};
pub use store::Filter;

/// Most characters of a subject and of a message.
pub const MAX_SUBJECT: usize = 120;
pub const MAX_BODY: usize = 5000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub id: String,
    pub number: i64,
    pub account_id: String,
    pub order_id: Option<String>,
    pub category: Category,
    pub subject: String,
    pub state: TicketState,
    /// The staff member's email.
    pub assignee: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl Ticket {
    /// The number people quote: `C-000123`.
    pub fn reference(&self) -> String {
        reference(self.number)
    }

    pub fn sla(&self, app: &App) -> Sla {
        Sla::of(self.created_at, &app.config.support)
    }

    /// The target missed at `now`, if any.
    pub fn overdue(&self, app: &App, now: DateTime<Utc>) -> Option<Overdue> {
        state::overdue(self.state, &self.sla(app), self.first_response_at, now)
    }
}

pub fn reference(number: i64) -> String {
    format!("C-{number:06}")
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    Customer,
    Staff,
    /// What the server itself found (a provider's answer, the evidence attached).
    System,
}

impl Author {
    pub fn as_str(self) -> &'static str {
        match self {
            Author::Customer => "customer",
            Author::Staff => "staff",
            Author::System => "system",
        }
    }

    fn parse(text: &str) -> Option<Author> {
        [Author::Customer, Author::Staff, Author::System]
            .into_iter()
            .find(|a| a.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub ticket_id: String,
    pub author: Author,
    /// The staff member's email, for a staff message.
    pub staff: Option<String>,
    /// Seen by staff only.
    pub internal: bool,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub attachments: Vec<Attachment>,
}

/// A case with its messages as one party may see them.
#[derive(Debug, Clone)]
pub struct Thread {
    pub ticket: Ticket,
    pub messages: Vec<Message>,
}

/// The account's cases, newest first.
pub async fn for_account(app: &App, account_id: &str) -> Result<Vec<Ticket>> {
    store::for_account(app.db.reader(), account_id).await
}

/// A case of the account with its public messages; `None` for a case that is not
/// theirs (answered as not found: whether it exists is not theirs to know).
pub async fn thread_for_account(
    app: &App,
    account_id: &str,
    ticket_id: &str,
) -> Result<Option<Thread>> {
    let Some(ticket) = store::find(app.db.reader(), ticket_id).await? else {
        return Ok(None);
    };
    if ticket.account_id != account_id {
        return Ok(None);
    }
    let messages = store::messages(app.db.reader(), ticket_id, false).await?;
    Ok(Some(Thread { ticket, messages }))
}

/// A case of the account by its number (the SMS's short link).
pub async fn find_by_number(app: &App, account_id: &str, number: i64) -> Result<Option<Ticket>> {
    Ok(store::find_by_number(app.db.reader(), number)
        .await?
        .filter(|t| t.account_id == account_id))
}

/// A case with every message, internal notes included: staff only.
pub async fn thread_for_staff(app: &App, ticket_id: &str) -> Result<Option<Thread>> {
    let Some(ticket) = store::find(app.db.reader(), ticket_id).await? else {
        return Ok(None);
    };
    let messages = store::messages(app.db.reader(), ticket_id, true).await?;
    Ok(Some(Thread { ticket, messages }))
}

/// The back office's queue: cases by state, category and assignee, oldest waiting
/// first.
pub async fn queue(app: &App, filter: &Filter) -> Result<Vec<Ticket>> {
    store::queue(app.db.reader(), filter).await
}

/// How many cases are in each state (for the queue's tabs).
pub async fn counts(app: &App) -> Result<Vec<(TicketState, i64)>> {
    store::counts(app.db.reader()).await
}

/// Checked message text: trimmed, 1–[`MAX_BODY`] characters.
pub(crate) fn checked_body(body: &str) -> Result<String> {
    let body = body.trim();
    let chars = body.chars().count();
    if chars == 0
        || chars > MAX_BODY
        || body
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Error::invalid(Code::InvalidMessage).on_field("body"));
    }
    Ok(body.replace("\r\n", "\n"))
}
