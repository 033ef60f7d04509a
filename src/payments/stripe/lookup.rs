//! The PaymentIntent id we stored for a payment. [`Provider`](crate::payments::Provider)
//! methods receive our payment id only; Stripe addresses PaymentIntents by theirs.

use sqlx::Row;

use crate::app::App;
use crate::payments::ProviderError;

/// `payments.provider_ref`, set once the create answered; `None` before that (or
/// when the create's answer was lost).
pub async fn provider_ref(app: &App, payment_id: &str) -> Result<Option<String>, ProviderError> {
    let row = sqlx::query("SELECT provider_ref FROM payments WHERE id = $1")
        .bind(payment_id)
        .fetch_optional(app.db.reader())
        .await
        .map_err(|error| ProviderError::Unavailable(format!("payment lookup: {error}")))?;
    match row {
        Some(row) => row
            .try_get::<Option<String>, _>("provider_ref")
            .map_err(|error| ProviderError::Unavailable(format!("payment lookup: {error}"))),
        None => Ok(None),
    }
}

/// Stripe's search query for the PaymentIntent that carries `payment_id`.
pub fn search_query(payment_id: &str) -> String {
    let escaped = payment_id.replace('\\', "\\\\").replace('\'', "\\'");
    format!("metadata['{}']:'{escaped}'", super::intent::PAYMENT_ID_KEY)
}
