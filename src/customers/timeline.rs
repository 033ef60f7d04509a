//! A customer's timeline: everything on their page as one list, newest first —
//! registration, orders and their payments' events, wallet movements, messages sent,
//! refunds and adjustments, lines marked for review.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::accounts::Account;
use crate::ledger::movements::Movement;
use crate::lines::review::LineReview;
use crate::messages::SentMessage;
use crate::orders::refund_store::RefundRecord;

use super::OrderRecord;

/// One thing that happened to the customer, for the timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    /// `account.created`, `order.created`, `order.paid`, `order.fulfilled`,
    /// `payment.event`, `wallet`, `message.sent`, `refund.requested`,
    /// `line.review`.
    pub kind: String,
    /// The order, payment, ledger transaction, message, refund or line it is about.
    pub reference: String,
    /// Language-neutral detail: a state, a provider status, an amount.
    pub detail: String,
}

/// What the timeline is made of.
pub struct Sources<'a> {
    pub account: &'a Account,
    pub orders: &'a [OrderRecord],
    pub movements: &'a [Movement],
    pub messages: &'a [SentMessage],
    pub refunds: &'a [RefundRecord],
    pub reviews: &'a [LineReview],
}

fn entry(at: DateTime<Utc>, kind: &str, reference: &str, detail: String) -> TimelineEntry {
    TimelineEntry {
        at,
        kind: kind.to_owned(),
        reference: reference.to_owned(),
        detail,
    }
}

/// Everything that happened, newest first.
pub fn timeline(sources: &Sources<'_>) -> Vec<TimelineEntry> {
    let account = sources.account;
    let mut entries = vec![entry(
        account.created_at,
        "account.created",
        &account.id,
        String::new(),
    )];
    for record in sources.orders {
        let order = &record.order;
        let id = order.id.to_string();
        let total = order.breakdown.money(order.breakdown.total).to_string();
        entries.push(entry(
            order.created_at,
            "order.created",
            &id,
            format!(
                "{} {total} {}",
                order.kind().as_str(),
                order.method.as_str()
            ),
        ));
        if let Some(at) = order.paid_at {
            entries.push(entry(at, "order.paid", &id, total.clone()));
        }
        if let Some(at) = order.fulfilled_at {
            entries.push(entry(
                at,
                "order.fulfilled",
                &id,
                order.state.as_str().into(),
            ));
        }
        for payment in &record.payments {
            for event in &payment.events {
                entries.push(entry(
                    event.received_at,
                    "payment.event",
                    &payment.id,
                    format!(
                        "{} {} → {}",
                        event.source, event.provider_status, event.outcome
                    ),
                ));
            }
        }
    }
    for movement in sources.movements {
        entries.push(entry(
            movement.at,
            "wallet",
            &movement.transaction_id,
            format!("{} {}", movement.kind, movement.amount),
        ));
    }
    for message in sources.messages {
        let channel = match message.channel {
            crate::messages::Channel::Sms => "sms",
            crate::messages::Channel::Email => "email",
        };
        entries.push(entry(
            message.sent_at,
            "message.sent",
            &message.id,
            format!("{channel} {} {}", message.kind, message.result),
        ));
    }
    for refund in sources.refunds {
        entries.push(entry(
            refund.created_at,
            "refund.requested",
            &refund.id,
            format!(
                "{} {} {} {}",
                refund.kind, refund.amount, refund.destination, refund.state
            ),
        ));
    }
    for review in sources.reviews {
        entries.push(entry(
            review.marked_at,
            "line.review",
            &review.iccid,
            review.reason.clone(),
        ));
    }
    entries.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.kind.cmp(&a.kind)));
    entries
}
