//! The help centre: `/help` (a search box, then the articles by topic or the search's
//! results) and `/help/{slug}` (one article in the reader's language, else the
//! nearest written). Every page ends with the way to a support case.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, PreEscaped, html};

use crate::app::App;
use crate::error::{Code, Error};
use crate::help::{self, Hit, Topic};
use crate::i18n::{t, tf};

use super::format::day;
use super::{Portal, error_page, layout, render};

#[derive(serde::Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// The way on when an article did not answer: a support case, and the contact.
pub fn still_need_help(portal: &Portal, category: Option<Topic>) -> Markup {
    let locale = portal.locale;
    let href = match category {
        Some(topic) => format!("/support/new?category={}", topic.as_str()),
        None => "/support/new".to_owned(),
    };
    html! {
        section.card.still-help aria-labelledby="still-help" {
            h2 #still-help { (t(locale, "help.still_title")) }
            p { (t(locale, "help.still_body")) }
            p { a.button href=(href) data-testid="open-case" { (t(locale, "help.open_case")) } }
            (layout::contact(portal))
        }
    }
}

fn search_form(portal: &Portal, q: &str) -> Markup {
    let locale = portal.locale;
    html! {
        form.help-search role="search" method="get" action="/help" {
            label for="help-q" { (t(locale, "help.search_label")) }
            div.search-row {
                input #help-q type="search" name="q" value=(q) maxlength="200"
                    autocomplete="off" enterkeyhint="search" placeholder=(t(locale, "help.search_placeholder"));
                input type="hidden" name="lang" value=(locale.tag());
                button type="submit" { (t(locale, "help.search")) }
            }
        }
    }
}

fn hit_list(hits: &[Hit]) -> Markup {
    html! {
        ul.help-list data-testid="help-results" {
            @for hit in hits {
                li {
                    a href={ "/help/" (hit.slug) } { (hit.title) }
                    @if !hit.excerpt.is_empty() { span.hint { (hit.excerpt) } }
                }
            }
        }
    }
}

/// `GET /help?q=`.
pub async fn index(
    State(app): State<App>,
    portal: Portal,
    Query(query): Query<SearchQuery>,
) -> Response {
    let locale = portal.locale;
    let q: String = query.q.unwrap_or_default().chars().take(200).collect();
    let q = q.trim().to_owned();
    let hits = match help::search(&app, &q, locale).await {
        Ok(hits) => hits,
        Err(error) => return error_page(&portal, &error),
    };
    let searching = !help::search::query_terms(&q).is_empty();
    let body = html! {
        h1 { (t(locale, "help.title")) }
        (search_form(&portal, &q))
        @if searching {
            h2 #results aria-live="polite" {
                (tf(locale, "help.results_for", &[("query", &q), ("count", &hits.len().to_string())]))
            }
            @if hits.is_empty() {
                p data-testid="help-nothing" { (t(locale, "help.nothing")) }
            } @else {
                (hit_list(&hits))
            }
            p { a href={ "/help?lang=" (locale.tag()) } { (t(locale, "help.all_topics")) } }
        } @else {
            @for topic in Topic::ALL {
                @let in_topic: Vec<Hit> = hits.iter().filter(|h| h.topic == topic).cloned().collect();
                @if !in_topic.is_empty() {
                    section.help-topic aria-labelledby={ "topic-" (topic.as_str()) } {
                        h2 id={ "topic-" (topic.as_str()) } { (t(locale, &format!("tickets.category.{}", topic.as_str()))) }
                        (hit_list(&in_topic))
                    }
                }
            }
        }
        (still_need_help(&portal, None))
    };
    render(&portal, &t(locale, "help.title"), body)
}

/// `GET /help/{slug}`.
pub async fn article(State(app): State<App>, portal: Portal, Path(slug): Path<String>) -> Response {
    let locale = portal.locale;
    let shown = match help::show(&app, &slug, locale).await {
        Ok(Some(shown)) => shown,
        Ok(None) => {
            let mut response = error_page(&portal, &Error::not_found(Code::ArticleNotFound));
            *response.status_mut() = axum::http::StatusCode::NOT_FOUND;
            return response;
        }
        Err(error) => return error_page(&portal, &error),
    };
    let body = html! {
        p.crumbs { a href="/help" { (t(locale, "help.title")) } " › " (t(locale, &format!("tickets.category.{}", shown.topic.as_str()))) }
        h1 lang=(shown.language.tag()) { (shown.title) }
        @if shown.language != locale {
            p.notice role="status" { (t(locale, "help.other_language")) }
        }
        // Rendered from Markdown with raw HTML escaped and only safe links kept
        // (help::markdown), so it goes in as it is.
        div.article lang=(shown.language.tag()) data-testid="article" { (PreEscaped(&shown.body_html)) }
        p.hint { (tf(locale, "help.updated", &[("date", &day(locale, shown.updated_at, app.config.time_zone()))])) }
        (still_need_help(&portal, Some(shown.topic)))
        p { a href="/help" { (t(locale, "help.back")) } }
    };
    render(&portal, &shown.title, body).into_response()
}
