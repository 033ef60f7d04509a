//! Cases another part of the product opens for a subscriber with what it found
//! attached (a disputed charge): the subscriber's words first, then what the server
//! says it attached (public) and the evidence for staff (internal notes), in one
//! transaction like any case the subscriber opens.

use crate::app::App;
use crate::error::Result;

use super::open::{Checked, Opener, create};
use super::{Author, Category, MAX_SUBJECT, Ticket, checked_body, store};

/// What to open: about one of the account's orders, in `category`.
pub struct WithEvidence<'a> {
    pub category: Category,
    pub order_id: &'a str,
    /// Cut to [`MAX_SUBJECT`] characters.
    pub subject: &'a str,
    /// The subscriber's message (checked as any message).
    pub body: &'a str,
    /// Shown to the subscriber as written by the server.
    pub public: Vec<String>,
    /// Seen by staff only.
    pub internal: Vec<String>,
}

/// Opens the case (the daily limit of cases applies, as to any the subscriber opens).
pub async fn open_with_evidence(
    app: &App,
    account_id: &str,
    case: WithEvidence<'_>,
) -> Result<Ticket> {
    let checked = Checked {
        category: case.category,
        subject: case.subject.trim().chars().take(MAX_SUBJECT).collect(),
        body: checked_body(case.body)?,
        order_id: Some(case.order_id.to_owned()),
        images: Vec::new(),
    };
    let extra = case
        .public
        .into_iter()
        .map(|text| (Author::System, false, text))
        .chain(
            case.internal
                .into_iter()
                .map(|text| (Author::System, true, text)),
        )
        .collect();
    let (ticket, _) = create(app, account_id, checked, Opener::Customer, extra).await?;
    Ok(ticket)
}

/// The account's case about the order still in hand (not resolved or closed), if any.
pub async fn in_hand_about_order(
    app: &App,
    account_id: &str,
    order_id: &str,
) -> Result<Option<Ticket>> {
    let mut tx = app.db.begin().await?;
    let found = store::open_about_order(&mut tx, account_id, order_id).await?;
    tx.commit().await?;
    Ok(found)
}
