//! What the card page's script posts (with the portal's CSRF token), answered in JSON:
//! `POST /pay/stripe/{payment_id}/setup` makes the SetupIntent Stripe.js confirms with
//! the card; `POST /pay/stripe/{payment_id}/confirm` pays the order with it. Errors
//! have the API's shape, in the reader's language.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::error::{Code, Error};
use crate::orders::card_checkout::{self, card_payment_of};
use crate::payments::stripe::{self, CardNext};
use crate::web::error::json_response;

use super::super::forms::CsrfForm;
use super::Portal;

#[derive(Deserialize)]
pub struct SetupForm {
    /// The "save this card for auto-renew" checkbox: present when ticked.
    save: Option<String>,
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    /// The SetupIntent Stripe.js confirmed, as the page read it.
    setup_intent: String,
}

/// `POST /pay/stripe/{payment_id}/setup`: `{"client_secret": "seti_…_secret_…"}`.
pub async fn setup(
    State(app): State<App>,
    portal: Portal,
    Path(payment_id): Path<String>,
    CsrfForm(input): CsrfForm<SetupForm>,
) -> Response {
    let answer = async {
        let account = signed_in(&portal)?;
        let (payment, _) = card_payment_of(&app, &account, &payment_id).await?;
        if !payment.state.is_open() {
            return Err(Error::conflict(Code::PaymentNotOpen));
        }
        let save = input.save.is_some_and(|value| !value.is_empty());
        stripe::begin_setup(&app, &account, &payment, save).await
    }
    .await;
    match answer {
        Ok(client_secret) => Json(json!({ "client_secret": client_secret })).into_response(),
        Err(error) => json_response(&error, portal.locale),
    }
}

/// `POST /pay/stripe/{payment_id}/confirm`: `{"next": "order", "redirect": …}`, or
/// `{"next": "authenticate", "client_secret": "pi_…", "redirect": …}` when the bank
/// wants 3-D Secure first. Posting the same SetupIntent again is harmless.
pub async fn confirm(
    State(app): State<App>,
    portal: Portal,
    Path(payment_id): Path<String>,
    CsrfForm(input): CsrfForm<ConfirmForm>,
) -> Response {
    let answer = async {
        let account = signed_in(&portal)?;
        let (_, order) = card_payment_of(&app, &account, &payment_id).await?;
        let next =
            card_checkout::pay_with_setup(&app, &account, &payment_id, input.setup_intent.trim())
                .await?;
        Ok::<_, Error>((next, order.id))
    }
    .await;
    match answer {
        Ok((next, order_id)) => {
            let redirect = format!("/orders/{order_id}?returned=1");
            Json(match next {
                CardNext::Done => json!({ "next": "order", "redirect": redirect }),
                CardNext::Authenticate { client_secret } => json!({
                    "next": "authenticate", "client_secret": client_secret, "redirect": redirect
                }),
            })
            .into_response()
        }
        Err(error) => json_response(&error, portal.locale),
    }
}

fn signed_in(portal: &Portal) -> Result<String, Error> {
    portal
        .account
        .as_ref()
        .map(|account| account.id.clone())
        .ok_or_else(|| Error::unauthenticated(Code::Unauthenticated))
}
