//! Disputing a charge: from an alert, the order page or the receipt, the subscriber
//! says a charge is wrong and a support case (category payment) opens with the order,
//! every payment with its provider reference, and the findings about it attached.
//! Refused for an order that was never paid (nothing was charged) and, as not found,
//! for another account's order. Disputed again while that case is in hand, the same
//! case is answered.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::i18n::{Locale, t, tf};
use crate::orders::{Order, OrderState};
use crate::payments::lookup::{self, PaymentRecord};
use crate::tickets::{self, Category, Ticket, WithEvidence};

use super::{Finding, store};

#[derive(Debug, Clone)]
pub struct Disputed {
    pub ticket: Ticket,
    /// `false` when a case about the order was already in hand.
    pub created: bool,
}

/// Whether money was taken for the order (and so there is a charge to dispute).
pub fn was_paid(order: &Order) -> bool {
    order.paid_at.is_some()
        || matches!(
            order.state,
            OrderState::Paid | OrderState::Fulfilled | OrderState::Refunded
        )
}

/// Opens (or finds) the case disputing the order's charge. `finding_id` names the
/// alert it comes from; `note` is the subscriber's own words, if any.
pub async fn dispute(
    app: &App,
    account_id: &str,
    order_id: &str,
    finding_id: Option<&str>,
    note: Option<&str>,
    locale: Locale,
) -> Result<Disputed> {
    let order = crate::orders::store::find_for_account(app, order_id, account_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::OrderNotFound))?;
    if !was_paid(&order) {
        return Err(Error::conflict(Code::OrderNotPaid));
    }
    let findings = store::for_order(app, account_id, order.id.as_str()).await?;
    let named = match finding_id.map(str::trim).filter(|f| !f.is_empty()) {
        Some(id) => Some(
            findings
                .iter()
                .find(|f| f.id == id)
                .ok_or_else(|| Error::not_found(Code::FindingNotFound).on_field("finding"))?,
        ),
        None => findings.first(),
    };
    if let Some(ticket) = tickets::in_hand_about_order(app, account_id, order.id.as_str()).await? {
        if let Some(finding) = named.filter(|f| f.ticket_id.is_none()) {
            store::set_ticket(app, &finding.id, &ticket.id).await?;
        }
        return Ok(Disputed {
            ticket,
            created: false,
        });
    }
    let payments = lookup::of_order(app, order.id.as_str()).await?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let body = note.map_or_else(|| t(locale, "watch.dispute.body"), str::to_owned);
    let reference = payments
        .iter()
        .rev()
        .find_map(|p| p.provider_ref.clone())
        .unwrap_or_else(|| "—".to_owned());
    let paid = order.breakdown.money(order.breakdown.total).to_string();
    let attached = tf(
        locale,
        "watch.dispute.attached",
        &[
            ("order", order.id.as_str()),
            ("total", &paid),
            ("reference", &reference),
        ],
    );
    let ticket = tickets::open_with_evidence(
        app,
        account_id,
        WithEvidence {
            category: Category::Payment,
            order_id: order.id.as_str(),
            subject: &tf(locale, "watch.dispute.subject", &[("total", &paid)]),
            body: &body,
            public: vec![attached],
            internal: vec![evidence(app, &order, &payments, &findings)],
        },
    )
    .await?;
    for finding in findings.iter().filter(|f| f.ticket_id.is_none()) {
        store::set_ticket(app, &finding.id, &ticket.id).await?;
    }
    Ok(Disputed {
        ticket,
        created: true,
    })
}

/// What staff need, in one internal note: the order, each payment with its provider
/// reference and the provider's events, and each finding with its evidence.
fn evidence(app: &App, order: &Order, payments: &[PaymentRecord], findings: &[Finding]) -> String {
    let zone = app.config.time_zone();
    let at = |when: DateTime<Utc>| {
        when.with_timezone(&zone)
            .format("%Y-%m-%d %H:%M:%S %Z")
            .to_string()
    };
    let mut out = format!(
        "Disputed charge. Order {} ({}{}), {}, total {}, paid {}.\n",
        order.id,
        order.kind().as_str(),
        order
            .plan_code()
            .map(|p| format!(" {} × {}", p.as_str(), order.breakdown.periods))
            .unwrap_or_default(),
        order.state.as_str(),
        order.breakdown.money(order.breakdown.total),
        order.paid_at.map_or_else(|| "—".to_owned(), at),
    );
    for payment in payments {
        out.push_str(&format!(
            "\nPayment {} via {} ({}): {}, {}, provider reference {}, created {}\n",
            payment.id,
            payment.provider,
            payment.method,
            payment.state,
            payment.amount,
            payment.provider_ref.as_deref().unwrap_or("none"),
            at(payment.created_at),
        ));
        for event in &payment.events {
            out.push_str(&format!(
                "  {} {} {} → {} [{}]\n",
                at(event.received_at),
                event.source,
                event.provider_status,
                event.outcome,
                event.id,
            ));
        }
    }
    for finding in findings {
        out.push_str(&format!(
            "\nFinding {} ({}), found {}: {}\n",
            finding.id,
            finding.kind.as_str(),
            at(finding.detected_at),
            finding.evidence,
        ));
    }
    out
}
