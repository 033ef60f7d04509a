//! The auto-renew switch on each line of the account page, and its form.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::auto_renew::{self, Change, NextCharge, RENEW_METHODS, Settings, Trigger};
use crate::error::{Code, Error};
use crate::i18n::{t, tf};
use crate::payments::Method;

use super::format::datetime;
use super::forms::{CsrfForm, form};
use super::{Portal, error_page, require_account};

#[derive(Deserialize)]
pub struct AutoRenewForm {
    /// A checkbox: present when ticked.
    enabled: Option<String>,
    method: String,
    #[serde(rename = "trigger")]
    when: String,
    hours_before: Option<String>,
    sms: Option<String>,
}

/// `POST /lines/{iccid}/auto-renew`.
pub async fn save(
    State(app): State<App>,
    portal: Portal,
    Path(iccid): Path<String>,
    CsrfForm(input): CsrfForm<AutoRenewForm>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let Some(method) = Method::parse(&input.method) else {
        return error_page(&portal, &Error::invalid(Code::InvalidForm));
    };
    let Some(trigger) = Trigger::parse(&input.when) else {
        return error_page(&portal, &Error::invalid(Code::InvalidForm));
    };
    let hours_before = match input.hours_before.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match text.parse::<i64>() {
            Ok(hours) => Some(hours),
            Err(_) => return error_page(&portal, &Error::invalid(Code::InvalidHoursBefore)),
        },
    };
    let change = Change {
        enabled: input.enabled.is_some(),
        method: Some(method),
        trigger: Some(trigger),
        hours_before,
        plan_code: None,
        periods: None,
        sms: Some(input.sms.is_some()),
    };
    match auto_renew::update(&app, &account.id, &iccid, &change).await {
        Ok(_) => Redirect::to("/account?auto_renew=saved").into_response(),
        Err(error) => error_page(&portal, &error),
    }
}

/// Auto-renew from a wallet that holds less than the next renewal: the shortfall and
/// a top-up of it, before the renewal fails.
fn wallet_short(
    portal: &Portal,
    settings: &Settings,
    next: &NextCharge,
    balance: crate::money::Money,
) -> Markup {
    let Some(amount) = next.amount.filter(|a| {
        settings.enabled && settings.method == Method::Wallet && a.amount > balance.amount
    }) else {
        return html! {};
    };
    let shortfall = crate::money::Money::new(amount.amount - balance.amount, amount.currency);
    let units = super::checkout::shortfall::top_up_for(shortfall.amount);
    html! {
        br;
        span.field-error data-testid="wallet-short" {
            (tf(portal.locale, "autorenew.wallet_short", &[("balance", &balance.to_string()), ("amount", &amount.to_string()), ("shortfall", &shortfall.to_string())]))
        }
        " " a href={ "/checkout?topup=" (units) } { (tf(portal.locale, "checkout.top_up_shortfall", &[("amount", &crate::money::Money::new(units * 100, amount.currency).to_string())])) }
    }
}

/// The switch for one line, with the next charge when it is on.
pub fn section(
    app: &App,
    portal: &Portal,
    settings: &Settings,
    next: Option<&NextCharge>,
    has_card: bool,
    savable: bool,
    balance: crate::money::Money,
) -> Markup {
    let locale = portal.locale;
    let action = format!("/lines/{}/auto-renew", settings.iccid);
    let id = |name: &str| format!("ar-{}-{name}", settings.iccid);
    let hours = settings.hours_before.to_string();
    html! {
        div.auto-renew data-testid="auto-renew" {
            p data-testid="next-charge" {
                @match next {
                    Some(next) => {
                        @let amount = next.amount.map(|a| a.to_string()).unwrap_or_default();
                        @if let Some(at) = next.at {
                            (tf(locale, "autorenew.next_charge", &[("amount", &amount), ("date", &datetime(locale, at, app.config.time_zone()))]))
                        } @else {
                            (tf(locale, "autorenew.next_on_exhaustion", &[("amount", &amount)]))
                        }
                        @if !auto_renew::off_session(settings.method) { br; span.hint { (t(locale, "autorenew.reminder_only")) } }
                        @if settings.method == Method::Card { br; span.hint { (t(locale, "autorenew.card_only")) } }
                        (wallet_short(portal, settings, next, balance))
                    }
                    None => { (t(locale, "autorenew.off")) }
                }
            }
            (form(portal, &action, html! {
                fieldset {
                legend { (t(locale, "autorenew.title")) }
                div {
                    input id=(id("enabled")) type="checkbox" name="enabled" value="on" checked[settings.enabled];
                    " " label for=(id("enabled")) { (t(locale, "autorenew.enabled")) }
                }
                div {
                    label for=(id("method")) { (t(locale, "autorenew.method")) }
                    select id=(id("method")) name="method" {
                        // No saved card, no "saved card" to choose (unless it is the
                        // line's setting already, from a card since removed).
                        @for method in RENEW_METHODS.into_iter().filter(|m| has_card || *m != Method::Card || settings.method == Method::Card) {
                            option value=(method.as_str()) selected[method == settings.method] {
                                (t(locale, &format!("autorenew.methods.{}", method.as_str())))
                            }
                        }
                    }
                    // How to get a card to choose, where paying by card can save one.
                    @if !has_card && savable { span.hint data-testid="no-saved-card" { (t(locale, "autorenew.no_card")) } }
                }
                div {
                    label for=(id("trigger")) { (t(locale, "autorenew.trigger")) }
                    select id=(id("trigger")) name="trigger" {
                        @for trigger in Trigger::ALL {
                            option value=(trigger.as_str()) selected[trigger == settings.trigger] {
                                (t(locale, &format!("autorenew.{}", trigger.as_str())))
                            }
                        }
                    }
                }
                div {
                    label for=(id("hours")) { (t(locale, "autorenew.hours_before")) }
                    input id=(id("hours")) type="number" name="hours_before" min="1" max="168" inputmode="numeric" value=(hours);
                }
                div {
                    input id=(id("sms")) type="checkbox" name="sms" value="on" checked[settings.sms];
                    " " label for=(id("sms")) { (t(locale, "autorenew.sms")) }
                }
                button.secondary type="submit" { (t(locale, "autorenew.save")) }
                }
            }))
        }
    }
}
