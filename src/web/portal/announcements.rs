//! `/announcements`: the operator's current announcements for the reader (those for
//! everyone; signed in, also those targeted at their lines, unread ones marked), and
//! marking one read, which also dismisses its banner.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{PreEscaped, html};
use serde::Deserialize;

use crate::announcements::{self, Priority};
use crate::app::App;
use crate::i18n::t;

use super::format::day;
use super::forms::CsrfForm;
use super::{Portal, error_page, render, require_account};

pub async fn list(State(app): State<App>, portal: Portal) -> Response {
    let locale = portal.locale;
    let account = portal.account.as_ref().map(|a| a.id.as_str());
    let shown = match announcements::current_for(&app, account).await {
        Ok(shown) => shown,
        Err(error) => return error_page(&portal, &error),
    };
    let zone = app.config.time_zone();
    let body = html! {
        h1 { (t(locale, "announcements.title")) }
        @if portal.account.is_none() {
            p.hint { (t(locale, "announcements.sign_in_for_yours")) " " a href="/login?next=%2Fannouncements" { (t(locale, "nav.login")) } }
        }
        @if shown.is_empty() {
            p data-testid="no-announcements" { (t(locale, "announcements.none")) }
        } @else {
            ul.announcements {
                @for item in &shown {
                    @let a = &item.announcement;
                    @let unread = item.read == Some(false);
                    li.card.unread[unread] #(a.id) data-testid="announcement" data-id=(a.id) {
                        p.announcement-meta {
                            span { (day(locale, a.starts_at, zone)) }
                            @if a.priority == Priority::Banner { span.tag { (t(locale, "announcements.service")) } }
                            @if a.marketing { span.tag { (t(locale, "announcements.offer")) } }
                            @if unread { span.tag.new { (t(locale, "announcements.new")) } }
                        }
                        h2 { (a.title(locale)) }
                        div.announcement-body { (PreEscaped(a.body_html(locale))) }
                        @if unread {
                            form method="post" action={ "/announcements/" (a.id) "/read" } {
                                input type="hidden" name="csrf" value=(portal.csrf);
                                input type="hidden" name="next" value="/announcements";
                                button.secondary type="submit" aria-label={ (t(locale, "announcements.mark_read")) ": " (a.title(locale)) } {
                                    (t(locale, "announcements.mark_read"))
                                }
                            }
                        }
                    }
                }
            }
        }
        @if portal.account.is_some() {
            p { a href="/preferences" { (t(locale, "announcements.choose_messages")) } }
        }
    };
    render(&portal, &t(locale, "announcements.title"), body)
}

#[derive(Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    next: String,
}

/// `POST /announcements/{id}/read`: marks it read and goes back to the page it was
/// dismissed on (one of our own paths only).
pub async fn read(
    State(app): State<App>,
    portal: Portal,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReadForm>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    if let Err(error) = announcements::mark_read(&app, &account.id, &id).await {
        return error_page(&portal, &error);
    }
    Redirect::to(local_path(&form.next)).into_response()
}

/// `next` when it is a path of this site, else the announcements page: a form field
/// must not send the browser elsewhere.
fn local_path(next: &str) -> &str {
    let ours = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    if ours { next } else { "/announcements" }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_our_own_paths_are_followed() {
        assert_eq!(local_path("/plans?lang=en"), "/plans?lang=en");
        for foreign in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "",
            "plans",
            "/a\nb",
        ] {
            assert_eq!(local_path(foreign), "/announcements", "{foreign:?}");
        }
    }
}
