//! Cards saved for auto-renew: the provider's reusable payment method on the account's
//! customer there, shown by brand, last four digits and expiry; and that customer.
//! Card numbers never reach us. Saved through the card page
//! ([`crate::payments::stripe::pay_with_setup`]), removed by the subscriber (detached
//! at the provider, then forgotten here).

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::error::{Code, Error, ErrorKind, Result};
use crate::ids::new_id;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedCard {
    pub id: String,
    pub account_id: String,
    pub provider: String,
    /// The provider's payment method (`pm_…` at Stripe).
    pub provider_ref: String,
    /// The provider's customer it is attached to.
    pub customer_ref: String,
    /// As the provider names it, in lower case (`visa`, `mastercard`, `unionpay`…).
    pub brand: String,
    pub last4: String,
    pub exp_month: Option<i64>,
    pub exp_year: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// What the provider says about a card it just set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCard {
    pub provider_ref: String,
    pub customer_ref: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: Option<i64>,
    pub exp_year: Option<i64>,
}

const COLUMNS: &str = "id, account_id, provider, provider_ref, customer_ref, brand, last4, exp_month, exp_year, created_at";

fn card_of(row: &sqlx::any::AnyRow) -> Result<SavedCard> {
    Ok(SavedCard {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        provider: row.try_get("provider")?,
        provider_ref: row.try_get("provider_ref")?,
        customer_ref: row.try_get("customer_ref")?,
        brand: row.try_get("brand")?,
        last4: row.try_get("last4")?,
        exp_month: row.try_get("exp_month")?,
        exp_year: row.try_get("exp_year")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}

/// The account's saved cards, newest first.
pub async fn list(app: &App, account_id: &str) -> Result<Vec<SavedCard>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM saved_cards WHERE account_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(account_id)
    .fetch_all(app.db.reader())
    .await?
    .iter()
    .map(card_of)
    .collect()
}

/// The card auto-renew charges: the newest the account saved at `provider`.
pub async fn newest(app: &App, account_id: &str, provider: &str) -> Result<Option<SavedCard>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM saved_cards WHERE account_id = $1 AND provider = $2 \
         ORDER BY created_at DESC, id DESC LIMIT 1"
    ))
    .bind(account_id)
    .bind(provider)
    .fetch_optional(app.db.reader())
    .await?;
    row.as_ref().map(card_of).transpose()
}

/// One of the account's cards; someone else's card is as good as none.
pub async fn find(app: &App, account_id: &str, id: &str) -> Result<Option<SavedCard>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM saved_cards WHERE id = $1 AND account_id = $2"
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(app.db.reader())
    .await?;
    row.as_ref().map(card_of).transpose()
}

/// Saves the card for the account; saving the same payment method again changes
/// nothing and returns the card as first saved.
pub async fn save(
    app: &App,
    account_id: &str,
    provider: &str,
    card: &NewCard,
) -> Result<SavedCard> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    sqlx::query(&format!(
        "INSERT INTO saved_cards ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (provider, provider_ref) DO NOTHING"
    ))
    .bind(new_id("card", now))
    .bind(account_id)
    .bind(provider)
    .bind(&card.provider_ref)
    .bind(&card.customer_ref)
    .bind(&card.brand)
    .bind(&card.last4)
    .bind(card.exp_month)
    .bind(card.exp_year)
    .bind(to_millis(now))
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM saved_cards WHERE provider = $1 AND provider_ref = $2 AND account_id = $3"
    ))
    .bind(provider)
    .bind(&card.provider_ref)
    .bind(account_id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    // Only when the provider's payment method is already another account's, which
    // the provider's own customer check rules out.
    row.as_ref()
        .map(card_of)
        .transpose()?
        .ok_or_else(|| Error::internal(anyhow::anyhow!("payment method saved for another account")))
}

/// Forgets the card (the caller detached it at the provider first).
pub async fn delete(app: &App, account_id: &str, id: &str) -> Result<bool> {
    let mut tx = app.db.begin().await?;
    let deleted = sqlx::query("DELETE FROM saved_cards WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(deleted == 1)
}

/// Removes one of the account's cards: detached at the provider (so that nobody can
/// charge it again), then forgotten. `card_not_found` for a card that is not the
/// account's; a provider that does not answer leaves the card saved.
pub async fn remove(app: &App, account_id: &str, id: &str) -> Result<()> {
    let card = find(app, account_id, id)
        .await?
        .ok_or_else(|| Error::not_found(Code::CardNotFound))?;
    match card.provider.as_str() {
        "stripe" => crate::payments::stripe::detach(app, &card.provider_ref).await?,
        other => {
            return Err(Error::internal(anyhow::anyhow!(
                "saved card at unknown provider {other}"
            )));
        }
    }
    delete(app, account_id, id).await?;
    tracing::info!(card.id = %card.id, "saved card removed");
    Ok(())
}

/// The account's customer at `provider`, once made.
pub async fn customer_ref(app: &App, account_id: &str, provider: &str) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT customer_ref FROM payment_customers WHERE account_id = $1 AND provider = $2",
    )
    .bind(account_id)
    .bind(provider)
    .fetch_optional(app.db.reader())
    .await?;
    Ok(match row {
        Some(row) => Some(row.try_get("customer_ref")?),
        None => None,
    })
}

/// Keeps the customer just made for the account, unless another request kept one
/// first: returns the one kept (a loser's customer at the provider stays unused).
pub async fn keep_customer(
    app: &App,
    account_id: &str,
    provider: &str,
    customer_ref: &str,
) -> Result<String> {
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "INSERT INTO payment_customers (account_id, provider, customer_ref, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, provider) DO NOTHING",
    )
    .bind(account_id)
    .bind(provider)
    .bind(customer_ref)
    .bind(to_millis(app.now()))
    .execute(&mut *tx)
    .await?;
    let kept: String = sqlx::query(
        "SELECT customer_ref FROM payment_customers WHERE account_id = $1 AND provider = $2",
    )
    .bind(account_id)
    .bind(provider)
    .fetch_one(&mut *tx)
    .await?
    .try_get("customer_ref")?;
    tx.commit().await?;
    Ok(kept)
}

/// The provider did not answer: nothing changed, try again.
pub fn provider_unavailable(why: impl std::fmt::Display) -> Error {
    tracing::warn!(error = %why, "card provider unavailable");
    Error::new(ErrorKind::Unavailable, Code::CardProviderUnavailable)
}
