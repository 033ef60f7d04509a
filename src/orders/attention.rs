//! What the operator should look at: orders and payments flagged for a person, and
//! notifications we could not match to a payment.

use serde::Serialize;

use crate::app::App;
use crate::error::Result;
use crate::payments::store::{self as payments, Flagged};

use super::store as orders;

#[derive(Debug, Clone, Serialize)]
pub struct Attention {
    /// `order`, `payment` or `event`.
    pub subject: &'static str,
    pub id: String,
    pub state: String,
    pub reasons: String,
}

impl Attention {
    fn of(subject: &'static str, flagged: Flagged) -> Attention {
        Attention {
            subject,
            id: flagged.id,
            state: flagged.state,
            reasons: flagged.reasons,
        }
    }
}

/// Orders and payments flagged for a person, and notifications we could not match.
pub async fn needing_attention(app: &App) -> Result<Vec<Attention>> {
    let orders = orders::flagged(app).await?;
    let payments_flagged = payments::flagged(app).await?;
    let events = payments::unmatched_events(app).await?;
    let mut out = Vec::with_capacity(orders.len() + payments_flagged.len() + events.len());
    out.extend(orders.into_iter().map(|f| Attention::of("order", f)));
    out.extend(
        payments_flagged
            .into_iter()
            .map(|f| Attention::of("payment", f)),
    );
    out.extend(events.into_iter().map(|f| Attention::of("event", f)));
    Ok(out)
}
