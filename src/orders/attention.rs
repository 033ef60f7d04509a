//! What the operator should look at: orders and payments flagged for a person (late
//! success, second payment, unknown after every query, refund failed, an order paid
//! after it was cancelled or tried again), notifications we could not match to a
//! payment (unknown, another provider's, another amount), and open payments the
//! provider has said nothing final about for a while (a notification may be lost).
//! Each with what a person may do about it; dealing with one is audited.

use chrono::Duration;
use serde::Serialize;

use crate::app::App;
use crate::audit;
use crate::error::{Code, Error, Result};
use crate::payments::attention as payment_attention;
use crate::payments::lookup::order_of_payment;
use crate::payments::store::{self as payments, Flagged};

use super::store as orders;

/// An open payment older than this, with no final word from its provider, is listed.
pub const NO_WORD_AFTER_MINUTES: i64 = 10;

/// What kind of thing needs a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Order,
    Payment,
    /// A provider notification kept but not applied.
    Event,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Order => "order",
            Subject::Payment => "payment",
            Subject::Event => "event",
        }
    }

    pub fn parse(text: &str) -> Option<Subject> {
        [Subject::Order, Subject::Payment, Subject::Event]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// What a person may do about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Ask the provider now and apply its answer.
    Query,
    /// The provider confirmed the payment out of band: fulfil it with the staff
    /// member's evidence (finance and admins).
    Fulfil,
    /// Done with it, with a reason: the flag goes, the evidence stays.
    Dismiss,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attention {
    pub subject: Subject,
    pub id: String,
    pub state: String,
    /// Comma-separated reasons (`late_success`, `no_word_from_provider`, …).
    pub reasons: String,
    /// The order it concerns, when known.
    pub order_id: Option<String>,
    pub actions: Vec<Action>,
}

impl Attention {
    fn of(subject: Subject, flagged: Flagged, order_id: Option<String>) -> Attention {
        let open = matches!(flagged.state.as_str(), "created" | "pending");
        let mut actions = Vec::new();
        if subject == Subject::Payment && open {
            actions.push(Action::Query);
            actions.push(Action::Fulfil);
        }
        if !flagged.reasons.contains("no_word_from_provider") {
            actions.push(Action::Dismiss);
        }
        Attention {
            subject,
            id: flagged.id,
            state: flagged.state,
            reasons: flagged.reasons,
            order_id,
            actions,
        }
    }
}

/// Everything that needs a person: flagged orders and payments, unmatched
/// notifications, and open payments with no word for [`NO_WORD_AFTER_MINUTES`].
pub async fn needing_attention(app: &App) -> Result<Vec<Attention>> {
    let flagged_orders = orders::flagged(app).await?;
    let flagged_payments = payments::flagged(app).await?;
    let stale =
        payment_attention::open_before(app, app.now() - Duration::minutes(NO_WORD_AFTER_MINUTES))
            .await?;
    let events = payments::unmatched_events(app).await?;
    let mut out = Vec::new();
    for flagged in flagged_orders {
        let id = flagged.id.clone();
        out.push(Attention::of(Subject::Order, flagged, Some(id)));
    }
    for flagged in flagged_payments.into_iter().chain(stale) {
        let order = order_of_payment(app, &flagged.id).await?;
        out.push(Attention::of(Subject::Payment, flagged, order));
    }
    for flagged in events {
        out.push(Attention::of(Subject::Event, flagged, None));
    }
    Ok(out)
}

/// Why a staff member did something, as the audit log keeps it: trimmed, 1 to 500
/// characters, no control characters but line breaks; else `reason_required`.
pub fn staff_reason(text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty()
        || text.chars().count() > 500
        || text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(Error::invalid(Code::ReasonRequired).on_field("reason"));
    }
    Ok(text.to_owned())
}

/// A person dealt with an item: its flag goes (orders, payments) or the notification
/// is marked dismissed; the evidence stays. Audited with `reason`.
pub async fn dismiss(
    app: &App,
    subject: Subject,
    id: &str,
    reason: &str,
    actor: &str,
) -> Result<()> {
    let reason = staff_reason(reason)?;
    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    let cleared = match subject {
        Subject::Order => clear_order_flag(&mut tx, id).await?,
        Subject::Payment => payment_attention::clear_flag(&mut tx, id).await?,
        Subject::Event => payment_attention::dismiss_event(&mut tx, id).await?,
    };
    if !cleared {
        return Err(Error::not_found(Code::NotFound));
    }
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        actor,
        "attention.dismiss",
        id,
        &format!("{}: {reason}", subject.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Clears an order's flag; `false` when it had none.
pub(super) async fn clear_order_flag(tx: &mut crate::db::Tx, order_id: &str) -> Result<bool> {
    let done =
        sqlx::query("UPDATE orders SET attention = NULL WHERE id = $1 AND attention IS NOT NULL")
            .bind(order_id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// A person asked the provider about a payment now; audited, then its answer applied.
pub async fn query(
    app: &App,
    payment_id: &str,
    actor: &str,
) -> Result<crate::payments::state::PaymentState> {
    let state = super::reconcile::query(app, payment_id).await?;
    let mut tx = audit::begin(&app.db).await?;
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        app.now(),
        actor,
        "payment.query",
        payment_id,
        &format!("the provider's answer: {}", state.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(state)
}
