//! The PaymentIntent id we stored for a payment. [`Provider`](crate::payments::Provider)
//! methods receive our payment id only; Stripe addresses PaymentIntents by theirs.

use crate::app::App;
use crate::payments::{ProviderError, store};

/// The payment's provider reference, set once the create answered; `None` before that
/// (or when the create's answer was lost).
pub async fn provider_ref(app: &App, payment_id: &str) -> Result<Option<String>, ProviderError> {
    store::provider_ref(app, payment_id)
        .await
        .map_err(|error| ProviderError::Unavailable(format!("payment lookup: {error}")))
}

/// Stripe's search query for the PaymentIntent that carries `payment_id`.
pub fn search_query(payment_id: &str) -> String {
    let escaped = payment_id.replace('\\', "\\\\").replace('\'', "\\'");
    format!("metadata['{}']:'{escaped}'", super::intent::PAYMENT_ID_KEY)
}
