//! The saved cards on the account page (brand, last four digits, expiry), and
//! `POST /account/cards/{id}/remove`: detached at the provider, then forgotten.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::i18n::{t, tf};
use crate::payments::saved_cards::{self, SavedCard};

use super::forms::{CsrfForm, form};
use super::{Portal, error_page, require_account};

/// The form carries only its CSRF token.
#[derive(Deserialize)]
pub struct RemoveForm {}

/// `POST /account/cards/{id}/remove`.
pub async fn remove(
    State(app): State<App>,
    portal: Portal,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<RemoveForm>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    match saved_cards::remove(&app, &account.id, &id).await {
        Ok(()) => Redirect::to("/account?card_removed=1").into_response(),
        Err(error) => error_page(&portal, &error),
    }
}

/// How a card brand is written.
pub fn brand_name(brand: &str) -> String {
    match brand {
        "visa" => "Visa".into(),
        "mastercard" => "Mastercard".into(),
        "amex" => "American Express".into(),
        "unionpay" => "UnionPay".into(),
        "jcb" => "JCB".into(),
        "discover" => "Discover".into(),
        "diners" => "Diners Club".into(),
        other => other.to_owned(),
    }
}

/// "Visa •••• 4242".
pub fn card_name(card: &SavedCard) -> String {
    format!("{} •••• {}", brand_name(&card.brand), card.last4)
}

/// The account page's list of saved cards, each with its Remove button; without any,
/// how to save one, or nothing where paying by card cannot save a card (`savable`:
/// the sandbox, the demo's fake Stripe), rather than a box the card page never shows.
pub fn section(portal: &Portal, cards: &[SavedCard], savable: bool) -> Markup {
    let locale = portal.locale;
    if cards.is_empty() && !savable {
        return html! {};
    }
    html! {
        section.card aria-labelledby="cards-h" data-testid="saved-cards" {
            h2 #cards-h { (t(locale, "cards.title")) }
            @if cards.is_empty() {
                p.hint { (t(locale, "cards.none")) }
            } @else {
                ul.saved-cards {
                    @for card in cards {
                        li data-card=(card.id) {
                            span { (card_name(card)) }
                            @if let (Some(month), Some(year)) = (card.exp_month, card.exp_year) {
                                " " span.hint.inline { (tf(locale, "cards.expires", &[("month", &format!("{month:02}")), ("year", &year.to_string())])) }
                            }
                            (form(portal, &format!("/account/cards/{}/remove", card.id), html! {
                                button.secondary type="submit" aria-label=(tf(locale, "cards.remove_label", &[("card", &card_name(card))])) {
                                    (t(locale, "cards.remove"))
                                }
                            }))
                        }
                    }
                }
            }
        }
    }
}
