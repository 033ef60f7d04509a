//! `/preferences`: language, marketing consent per channel (kept apart from service
//! messages), alert channels and statements by email; and `/u/{token}`, the one-click
//! opt-out every marketing message links to (no login: the link is signed).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::error::{Code, Error};
use crate::i18n::{Locale, t, tf};
use crate::messages::Channel;
use crate::preferences::{self, Change, ConsentEvent, Preferences, Source, unsubscribe};

use super::format::datetime;
use super::forms::{CsrfForm, Problems, form};
use super::{Portal, error_page, render, require_account};

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

pub async fn show(State(app): State<App>, portal: Portal, Query(query): Query<Saved>) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let loaded = match preferences::get(&app, &account.id).await {
        Ok(preferences) => preferences,
        Err(error) => return error_page(&portal, &error),
    };
    page(&app, &portal, &loaded, query.saved.is_some(), None).await
}

async fn page(
    app: &App,
    portal: &Portal,
    current: &Preferences,
    saved: bool,
    problems: Option<&Problems>,
) -> Response {
    let locale = portal.locale;
    let account_id = portal.account.as_ref().map(|a| a.id.as_str()).unwrap_or("");
    let log = match preferences::consent_history(app, account_id).await {
        Ok(log) => log,
        Err(error) => return error_page(portal, &error),
    };
    let zone = app.config.time_zone();
    let check = |name: &'static str, on: bool, key: &str| -> Markup {
        html! {
            label.choice for={ "f-" (name) } {
                input #{ "f-" (name) } type="checkbox" name=(name) value="on" checked[on];
                (t(locale, key))
            }
        }
    };
    let last = |channel: Channel| -> Option<String> {
        log.iter()
            .find(|event| event.channel == channel)
            .map(|event| said(locale, event, zone))
    };
    let body = html! {
        h1 { (t(locale, "preferences.title")) }
        @if saved { (super::layout::notice(&t(locale, "preferences.saved"), false)) }
        @if let Some(problems) = problems { (problems.summary(&["language"])) }
        (form(portal, "/preferences", html! {
            fieldset #f-language {
                legend { (t(locale, "preferences.language")) }
                @for option in Locale::ALL {
                    label.choice lang=(option.tag()) {
                        input type="radio" name="language" value=(option.tag()) checked[option == current.language];
                        (option.native_name())
                    }
                }
            }
            fieldset data-testid="marketing" {
                legend { (t(locale, "preferences.marketing")) }
                p.hint { (t(locale, "preferences.marketing_hint")) }
                (check("marketing_sms", current.marketing.sms, "preferences.by_sms"))
                @if let Some(text) = last(Channel::Sms) { p.hint data-testid="consent-sms" { (text) } }
                (check("marketing_email", current.marketing.email, "preferences.by_email"))
                @if let Some(text) = last(Channel::Email) { p.hint data-testid="consent-email" { (text) } }
            }
            fieldset {
                legend { (t(locale, "preferences.alerts")) }
                p.hint { (t(locale, "preferences.alerts_hint")) }
                (check("alerts_sms", current.alerts.sms, "preferences.by_sms"))
                (check("alerts_email", current.alerts.email, "preferences.by_email"))
            }
            fieldset {
                legend { (t(locale, "preferences.statements")) }
                (check("statements_by_email", current.statements_by_email, "preferences.statements_by_email"))
            }
            div { button type="submit" { (t(locale, "preferences.save")) } }
        }))
        p { a href="/account" { (t(locale, "preferences.back")) } }
    };
    let mut response = render(portal, &t(locale, "preferences.title"), body);
    if let Some(problems) = problems {
        *response.status_mut() = problems.status();
    }
    response
}

/// "You agreed on … (this page)": the newest entry of a channel's consent log.
fn said(locale: Locale, event: &ConsentEvent, zone: chrono_tz::Tz) -> String {
    let key = if event.opted_in {
        "preferences.opted_in_at"
    } else {
        "preferences.opted_out_at"
    };
    tf(
        locale,
        key,
        &[
            ("time", &datetime(locale, event.at, zone)),
            (
                "source",
                &t(
                    locale,
                    &format!("preferences.source.{}", event.source.as_str()),
                ),
            ),
        ],
    )
}

/// The form as posted: a checkbox is present only when ticked.
#[derive(Deserialize)]
pub struct PreferencesForm {
    #[serde(default)]
    language: String,
    marketing_sms: Option<String>,
    marketing_email: Option<String>,
    alerts_sms: Option<String>,
    alerts_email: Option<String>,
    statements_by_email: Option<String>,
}

pub async fn save(
    State(app): State<App>,
    portal: Portal,
    CsrfForm(input): CsrfForm<PreferencesForm>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let language = match preferences::parse_language(&input.language) {
        Ok(language) => language,
        Err(error) => {
            let current = match preferences::get(&app, &account.id).await {
                Ok(current) => current,
                Err(error) => return error_page(&portal, &error),
            };
            let problems = Problems::of(portal.locale, &error);
            return page(&app, &portal, &current, false, Some(&problems)).await;
        }
    };
    let change = Change {
        language: Some(language),
        marketing_sms: Some(input.marketing_sms.is_some()),
        marketing_email: Some(input.marketing_email.is_some()),
        statements_by_email: Some(input.statements_by_email.is_some()),
        alerts_sms: Some(input.alerts_sms.is_some()),
        alerts_email: Some(input.alerts_email.is_some()),
    };
    match preferences::update(&app, &account.id, &change, Source::Page).await {
        // In the language just chosen (the switch's cookie follows it).
        Ok(_) => {
            Redirect::to(&format!("/preferences?saved=1&lang={}", language.tag())).into_response()
        }
        Err(error) => error_page(&portal, &error),
    }
}

fn channel_words(locale: Locale, channel: Channel) -> String {
    t(
        locale,
        match channel {
            Channel::Sms => "preferences.channel_sms",
            Channel::Email => "preferences.channel_email",
        },
    )
}

/// `GET /u/{token}`: asks to confirm, so that a mail scanner following links does
/// not opt anyone out; the mail app's one-click `POST` needs no page.
pub async fn unsubscribe_form(
    State(app): State<App>,
    portal: Portal,
    Path(token): Path<String>,
) -> Response {
    let Some((_, channel)) = unsubscribe::verify(&app.secret, &token) else {
        return refused(&portal);
    };
    let locale = portal.locale;
    let words = channel_words(locale, channel);
    let title = t(locale, "preferences.unsubscribe_title");
    let body = html! {
        h1 { (title) }
        p { (tf(locale, "preferences.unsubscribe_ask", &[("channel", &words)])) }
        p.hint { (t(locale, "preferences.unsubscribe_service")) }
        form.stack method="post" action={ (unsubscribe::PATH) "/" (token) } {
            div { button type="submit" { (tf(locale, "preferences.unsubscribe_button", &[("channel", &words)])) } }
        }
    };
    render(&portal, &title, body)
}

/// `POST /u/{token}`: opts the link's account out of marketing by its channel at once.
/// The signed link is the authority (a mail app posts it without our page, as RFC
/// 8058 has it), so no form token is asked for.
pub async fn unsubscribe(
    State(app): State<App>,
    portal: Portal,
    Path(token): Path<String>,
) -> Response {
    let Some((account_id, channel)) = unsubscribe::verify(&app.secret, &token) else {
        return refused(&portal);
    };
    if let Err(error) =
        preferences::opt_out(&app, &account_id, channel, Source::UnsubscribeLink).await
    {
        return error_page(&portal, &error);
    }
    let locale = portal.locale;
    let words = channel_words(locale, channel);
    let title = t(locale, "preferences.unsubscribed_title");
    let body = html! {
        h1 { (title) }
        (super::layout::notice(&tf(locale, "preferences.unsubscribed", &[("channel", &words)]), false))
        p { (t(locale, "preferences.unsubscribed_more")) " " a href="/preferences" { (t(locale, "preferences.title")) } }
    };
    render(&portal, &title, body)
}

/// A link that is not one of ours, or was changed: 400, nothing changes.
fn refused(portal: &Portal) -> Response {
    error_page(portal, &Error::invalid(Code::InvalidUnsubscribeLink))
}
