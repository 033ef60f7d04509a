//! One Stripe Customer per account, made the first time the account's card page asks
//! for one and kept in `payment_customers`: a SetupIntent attaches the card to it, and
//! only a card attached to a customer can be charged again off-session.

use crate::app::App;
use crate::error::{Error, Result};
use crate::payments::saved_cards::{self, provider_unavailable};

use super::api::Api;

/// The account's customer at Stripe, made now if it has none. Two first uses at once
/// make one customer each at Stripe (the same one within a day: the create is keyed
/// by the account); the first kept here wins and the other stays unused.
pub async fn customer_for(app: &App, api: &Api, account_id: &str) -> Result<String> {
    if let Some(customer) = saved_cards::customer_ref(app, account_id, "stripe").await? {
        return Ok(customer);
    }
    // No personal data: the account id is all Stripe needs to find us again.
    let form = [("metadata[account_id]".to_owned(), account_id.to_owned())];
    let created = api
        .post(
            "/v1/customers",
            &form,
            Some(&format!("customer-{account_id}")),
        )
        .await
        .map_err(provider_unavailable)?;
    let id = created["id"]
        .as_str()
        .filter(|id| id.starts_with("cus_"))
        .ok_or_else(|| Error::internal(anyhow::anyhow!("Stripe made a customer without an id")))?;
    saved_cards::keep_customer(app, account_id, "stripe", id).await
}
