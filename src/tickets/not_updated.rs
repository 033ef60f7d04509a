//! "I paid but it didn't update": the order page's button. The provider is asked at
//! once through the reconciliation staff use (at most once every few seconds a
//! payment, however often the button is pressed); a payment it confirms fulfils the
//! order there and then. Only when that settles nothing does a case open, with the
//! order, every payment, its provider reference and every event the provider sent
//! attached for staff, and the subscriber is told when to expect an answer. Pressed
//! again while that case is in hand, the same case is answered.

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::i18n::{Locale, t, tf};
use crate::orders::{self, Order, OrderState};
use crate::payments::lookup::{self, PaymentRecord};

use super::open::{Checked, Opener, create};
use super::{Author, Category, Ticket, store};

#[derive(Debug, Clone)]
pub struct NotUpdated {
    /// The order after the provider's answer.
    pub order: Order,
    /// The case that holds it, when the answer settled nothing.
    pub ticket: Option<Ticket>,
}

fn settled(state: OrderState) -> bool {
    matches!(
        state,
        OrderState::Paid | OrderState::Fulfilled | OrderState::Refunded
    )
}

pub async fn not_updated(
    app: &App,
    account_id: &str,
    order_id: &str,
    locale: Locale,
) -> Result<NotUpdated> {
    let order = orders::store::find_for_account(app, order_id, account_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::OrderNotFound))?;
    if settled(order.state) {
        return Ok(NotUpdated {
            order,
            ticket: None,
        });
    }
    let order = orders::refresh(app, account_id, order_id).await?;
    if settled(order.state) {
        return Ok(NotUpdated {
            order,
            ticket: None,
        });
    }
    let mut tx = app.db.begin().await?;
    let existing = store::open_about_order(&mut tx, account_id, order_id).await?;
    tx.commit().await?;
    if let Some(ticket) = existing {
        return Ok(NotUpdated {
            order,
            ticket: Some(ticket),
        });
    }
    let payments = lookup::of_order(app, order_id).await?;
    let latest = payments.last();
    let provider = latest.map_or_else(String::new, |p| p.provider.clone());
    let checked = Checked {
        category: Category::Payment,
        subject: t(locale, "tickets.not_updated.subject"),
        body: t(locale, "tickets.not_updated.body"),
        order_id: Some(order.id.to_string()),
        images: Vec::new(),
    };
    let said = tf(
        locale,
        "tickets.not_updated.found",
        &[
            ("provider", &provider),
            (
                "state",
                &t(locale, &format!("order.state.{}", order.state.as_str())),
            ),
        ],
    );
    let extra = vec![
        (Author::System, false, said),
        (Author::System, true, evidence(app, &order, &payments)),
    ];
    let (ticket, _) = create(app, account_id, checked, Opener::Customer, extra).await?;
    Ok(NotUpdated {
        order,
        ticket: Some(ticket),
    })
}

/// What staff need to settle it, in one internal note: the order, each payment with
/// its provider reference, and every event the provider sent, as received.
fn evidence(app: &App, order: &Order, payments: &[PaymentRecord]) -> String {
    let zone = app.config.time_zone();
    let at = |when: chrono::DateTime<chrono::Utc>| {
        when.with_timezone(&zone)
            .format("%Y-%m-%d %H:%M:%S %Z")
            .to_string()
    };
    let mut out = format!(
        "Order {} ({}{}), {}, total {}, created {}; asked the provider again at {}.\n",
        order.id,
        order.kind().as_str(),
        order
            .plan_code()
            .map(|p| format!(" {} × {}", p.as_str(), order.breakdown.periods))
            .unwrap_or_default(),
        order.state.as_str(),
        order.breakdown.money(order.breakdown.total),
        at(order.created_at),
        at(app.now()),
    );
    if payments.is_empty() {
        out.push_str("No payment attempt was made for this order.\n");
    }
    for payment in payments {
        out.push_str(&format!(
            "\nPayment {} via {} ({}): {}, {}, provider reference {}, created {}{}\n",
            payment.id,
            payment.provider,
            payment.method,
            payment.state,
            payment.amount,
            payment.provider_ref.as_deref().unwrap_or("none yet"),
            at(payment.created_at),
            payment
                .attention
                .as_deref()
                .map(|a| format!(", flagged {a}"))
                .unwrap_or_default(),
        ));
        if payment.events.is_empty() {
            out.push_str("  No event from the provider.\n");
        }
        for event in &payment.events {
            let words: String = event.evidence.chars().take(600).collect();
            out.push_str(&format!(
                "  {} {} {} → {} [{}]: {}\n",
                at(event.received_at),
                event.source,
                event.provider_status,
                event.outcome,
                event.id,
                words,
            ));
        }
    }
    out
}
