//! `GET /api/v1/me/cards` and `DELETE /api/v1/me/cards/{id}`: the cards the account
//! saved for auto-renew (brand, last four digits, expiry; never the number), and
//! removing one (detached at the provider, then forgotten).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::error::{Code, Result};
use crate::payments::saved_cards::{self, SavedCard};
use crate::web::api::refusals::{SIGNED_IN, refusals};
use crate::web::extract::SignedIn;

#[derive(Serialize, ToSchema)]
pub struct CardBody {
    pub id: String,
    /// As the provider names it, lower case: `visa`, `mastercard`, `amex`, `unionpay`, `jcb`…
    pub brand: String,
    pub last4: String,
    pub exp_month: Option<i64>,
    pub exp_year: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct CardsBody {
    /// Newest first; auto-renew by card charges the first.
    pub cards: Vec<CardBody>,
}

impl From<SavedCard> for CardBody {
    fn from(card: SavedCard) -> Self {
        Self {
            id: card.id,
            brand: card.brand,
            last4: card.last4,
            exp_month: card.exp_month,
            exp_year: card.exp_year,
            created_at: card.created_at,
        }
    }
}

refusals!(ListRefusals = [SIGNED_IN]);

/// The account's saved cards. A card is saved by ticking "save this card for
/// auto-renew" on the card page when paying by card.
#[utoipa::path(get, path = "/api/v1/me/cards", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = CardsBody), ListRefusals))]
pub async fn list(State(app): State<App>, signed_in: SignedIn) -> Result<Json<CardsBody>> {
    let cards = saved_cards::list(&app, &signed_in.account.id).await?;
    Ok(Json(CardsBody {
        cards: cards.into_iter().map(CardBody::from).collect(),
    }))
}

refusals!(
    RemoveRefusals = [
        SIGNED_IN,
        &[Code::CardNotFound, Code::CardProviderUnavailable]
    ]
);

/// Removes a saved card: detached at the provider, so that it cannot be charged
/// again, then forgotten. Card auto-renew with no card left fails and tells the
/// subscriber.
#[utoipa::path(delete, path = "/api/v1/me/cards/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path, description = "The saved card's id")),
    responses((status = 204, description = "Removed"), RemoveRefusals))]
pub async fn remove(
    State(app): State<App>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    saved_cards::remove(&app, &signed_in.account.id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
