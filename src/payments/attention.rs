//! Payments and notifications a person should look at, as the payments module keeps
//! them: open payments the provider has said nothing final about for a while, and
//! clearing a flag once a person has dealt with it.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::to_millis;
use crate::db::Tx;
use crate::error::Result;

use super::store::Flagged;

/// Open payments (created or pending) made before `before`, oldest first: the ones
/// whose news may have been lost ("I paid but it did not update").
pub async fn open_before(app: &App, before: DateTime<Utc>) -> Result<Vec<Flagged>> {
    Ok(sqlx::query_as(
        "SELECT id, state, 'no_word_from_provider' AS reasons FROM payments \
         WHERE state IN ('created', 'pending') AND attention IS NULL AND created_at < $1 \
         ORDER BY created_at LIMIT 200",
    )
    .bind(to_millis(before))
    .fetch_all(app.db.reader())
    .await?)
}

/// Clears a payment's flag; `false` when it had none.
pub async fn clear_flag(tx: &mut Tx, payment_id: &str) -> Result<bool> {
    let done =
        sqlx::query("UPDATE payments SET attention = NULL WHERE id = $1 AND attention IS NOT NULL")
            .bind(payment_id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks an unmatched notification as dealt with (its evidence stays); `false` when it
/// is not one waiting for a person.
pub async fn dismiss_event(tx: &mut Tx, provider_event_id: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE payment_events SET outcome = 'dismissed_' || outcome WHERE provider_event_id = $1 \
         AND outcome IN ('unknown_payment', 'amount_mismatch', 'wrong_provider')",
    )
    .bind(provider_event_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() >= 1)
}
