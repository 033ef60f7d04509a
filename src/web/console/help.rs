//! The help centre's articles in the back office (`/admin/help`: everyone reads,
//! admins write, each language's title and Markdown side by side), and the saved
//! replies staff answer cases from (`/admin/canned-replies`, admins write).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::error::{Code, Error};
use crate::help::{self, Draft, Topic};
use crate::i18n::{Locale, t};
use crate::staff::Permission;
use crate::tickets::canned;
use crate::web::error::status_of;
use crate::web::portal::format::datetime;

use super::forms::{ConsoleForm, form};
use super::tickets::category_name;
use super::{Console, error_page, layout, render};

/// A form field's name for a language: `zh_hk`, `zh_cn`, `en`.
fn key(locale: Locale) -> String {
    locale.tag().to_lowercase().replace('-', "_")
}

/// `GET /admin/help`.
pub async fn list(State(app): State<App>, console: Console) -> Response {
    let member = match console.require(Permission::Read) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let locale = console.locale;
    let articles = match help::all(&app).await {
        Ok(articles) => articles,
        Err(error) => return error_page(&console, &error),
    };
    let title = t(locale, "console.help.title");
    let body = html! {
        h1 { (title) }
        @if member.role.may(Permission::EditCatalog) {
            p { a href="/admin/help/new" data-testid="new-article" { (t(locale, "console.help.new")) } }
        }
        table data-testid="articles" {
            thead { tr {
                th scope="col" { (t(locale, "console.help.article")) }
                th scope="col" { (t(locale, "console.tickets.category")) }
                th scope="col" { (t(locale, "console.help.languages")) }
                th scope="col" { (t(locale, "console.help.updated")) }
            } }
            tbody {
                @for article in &articles {
                    tr data-slug=(article.slug) {
                        td {
                            @let href = if member.role.may(Permission::EditCatalog) { format!("/admin/help/{}", article.slug) } else { format!("/help/{}", article.slug) };
                            a href=(href) { (help::language_title(&article.titles, locale)) }
                            br; code.hint { "/help/" (article.slug) }
                            @if !article.published { " " strong { (t(locale, "console.help.hidden")) } }
                        }
                        td { (category_name(&console, article.topic)) }
                        td { (article.titles.keys().cloned().collect::<Vec<_>>().join(", ")) }
                        td { (datetime(locale, article.updated_at, app.config.time_zone())) br; span.hint { (article.updated_by) } }
                    }
                }
            }
        }
    };
    render(&console, &title, body)
}

#[derive(Deserialize, Default)]
pub struct ArticleForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    topic: String,
    published: Option<String>,
    #[serde(flatten)]
    texts: BTreeMap<String, String>,
}

impl ArticleForm {
    fn draft(&self, slug: &str) -> Draft {
        let mut draft = Draft {
            slug: slug.trim().to_owned(),
            topic: self.topic.clone(),
            published: self.published.is_some(),
            ..Draft::default()
        };
        for locale in Locale::ALL {
            let title = self
                .texts
                .get(&format!("title_{}", key(locale)))
                .map(|s| s.trim())
                .unwrap_or("");
            let body = self
                .texts
                .get(&format!("body_{}", key(locale)))
                .map(|s| s.trim())
                .unwrap_or("");
            // A language left wholly empty is not written in.
            if !title.is_empty() || !body.is_empty() {
                draft
                    .titles
                    .insert(locale.tag().to_owned(), title.to_owned());
                draft
                    .bodies
                    .insert(locale.tag().to_owned(), body.to_owned());
            }
        }
        draft
    }
}

fn editor(console: &Console, draft: &Draft, new: bool, error: Option<&Error>) -> Response {
    let locale = console.locale;
    let title = if new {
        t(locale, "console.help.new")
    } else {
        t(locale, "console.help.edit")
    };
    let action = if new {
        "/admin/help".to_owned()
    } else {
        format!("/admin/help/{}", draft.slug)
    };
    let body = html! {
        p { a href="/admin/help" { (t(locale, "console.help.title")) } }
        h1 { (title) }
        @if let Some(error) = error {
            (layout::error_notice(console, error))
            @if !error.details.is_empty() { ul.attention { @for detail in &error.details { li { (detail) } } } }
        }
        (form(console, &action, html! {
            @if new {
                div.field {
                    label for="f-slug" { (t(locale, "console.help.slug")) }
                    input #f-slug name="slug" type="text" value=(draft.slug) autocomplete="off" spellcheck="false" pattern="[a-z0-9-]{2,64}";
                    p.hint { (t(locale, "console.help.slug_hint")) }
                }
            } @else {
                input type="hidden" name="slug" value=(draft.slug);
                p { code { "/help/" (draft.slug) } }
            }
            div.field {
                label for="f-topic" { (t(locale, "console.tickets.category")) }
                select #f-topic name="topic" {
                    @for topic in Topic::ALL { option value=(topic.as_str()) selected[draft.topic == topic.as_str()] { (category_name(console, topic)) } }
                }
            }
            label.check { input type="checkbox" name="published" value="1" checked[draft.published]; " " (t(locale, "console.help.published")) }
            @for language in Locale::ALL { (language_fields(console, draft, language)) }
            p.hint { (t(locale, "console.help.markdown_hint")) }
            button type="submit" { (t(locale, "console.help.save")) }
        }))
    };
    let mut response = render(console, &title, body);
    if let Some(error) = error {
        *response.status_mut() = status_of(error);
    }
    response
}

fn language_fields(console: &Console, draft: &Draft, language: Locale) -> Markup {
    let k = key(language);
    html! {
        fieldset.choices lang=(language.tag()) {
            legend { (language.native_name()) }
            div.field {
                label for={ "f-title-" (k) } { (t(console.locale, "console.help.article_title")) }
                input id={ "f-title-" (k) } name={ "title_" (k) } type="text" maxlength="120"
                    value=(draft.titles.get(language.tag()).map(String::as_str).unwrap_or(""));
            }
            div.field {
                label for={ "f-body-" (k) } { (t(console.locale, "console.help.body")) }
                textarea id={ "f-body-" (k) } name={ "body_" (k) } rows="12" { (draft.bodies.get(language.tag()).map(String::as_str).unwrap_or("")) }
            }
        }
    }
}

/// `GET /admin/help/new`.
pub async fn new_form(console: Console) -> Response {
    if let Err(response) = console.require(Permission::EditCatalog) {
        return *response;
    }
    let draft = Draft {
        topic: "other".into(),
        published: true,
        ..Draft::default()
    };
    editor(&console, &draft, true, None)
}

/// `GET /admin/help/{slug}`: the editor for admins, the article as written for others.
pub async fn edit_form(
    State(app): State<App>,
    console: Console,
    Path(slug): Path<String>,
) -> Response {
    if let Err(response) = console.require(Permission::EditCatalog) {
        return *response;
    }
    match help::find(&app, &slug).await {
        Ok(Some(article)) => {
            let draft = Draft {
                slug: article.slug,
                topic: article.topic.as_str().to_owned(),
                published: article.published,
                titles: article.titles,
                bodies: article.bodies,
            };
            editor(&console, &draft, false, None)
        }
        Ok(None) => error_page(&console, &Error::not_found(Code::ArticleNotFound)),
        Err(error) => error_page(&console, &error),
    }
}

async fn save(app: &App, console: &Console, form: &ArticleForm, slug: &str, new: bool) -> Response {
    let member = match console.require(Permission::EditCatalog) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let draft = form.draft(slug);
    match help::save(app, &draft, &member.actor(), new).await {
        Ok(article) => {
            Redirect::to(&format!("/admin/help/{}?saved=1", article.slug)).into_response()
        }
        Err(error) if error.kind == crate::error::ErrorKind::Internal => {
            error_page(console, &error)
        }
        Err(error) => editor(console, &draft, new, Some(&error)),
    }
}

/// `POST /admin/help`.
pub async fn create(
    State(app): State<App>,
    console: Console,
    ConsoleForm(form): ConsoleForm<ArticleForm>,
) -> Response {
    let slug = form.slug.clone();
    save(&app, &console, &form, &slug, true).await
}

/// `POST /admin/help/{slug}`.
pub async fn update(
    State(app): State<App>,
    console: Console,
    Path(slug): Path<String>,
    ConsoleForm(form): ConsoleForm<ArticleForm>,
) -> Response {
    save(&app, &console, &form, &slug, false).await
}

/// `GET /admin/canned-replies`.
pub async fn canned_list(State(app): State<App>, console: Console) -> Response {
    if let Err(response) = console.require(Permission::EditCatalog) {
        return *response;
    }
    canned_page(&app, &console, None).await
}

async fn canned_page(app: &App, console: &Console, error: Option<&Error>) -> Response {
    let locale = console.locale;
    let replies = canned::list(app, None).await.unwrap_or_default();
    let title = t(locale, "console.canned.title");
    let body = html! {
        h1 { (title) }
        p { (t(locale, "console.canned.lead")) }
        @if let Some(error) = error { (layout::error_notice(console, error)) }
        @for reply in &replies {
            section.card lang=(reply.language.tag()) {
                (form(console, "/admin/canned-replies", canned_fields(console, Some(reply.id.as_str()), reply.language, &reply.title, &reply.body)))
            }
        }
        section.card {
            h2 { (t(locale, "console.canned.new")) }
            (form(console, "/admin/canned-replies", canned_fields(console, None, locale, "", "")))
        }
    };
    let mut response = render(console, &title, body);
    if let Some(error) = error {
        *response.status_mut() = status_of(error);
    }
    response
}

fn canned_fields(
    console: &Console,
    id: Option<&str>,
    language: Locale,
    title: &str,
    body: &str,
) -> Markup {
    let locale = console.locale;
    let suffix = id.unwrap_or("new");
    html! {
        @if let Some(id) = id { input type="hidden" name="id" value=(id); }
        div.field {
            label for={ "f-lang-" (suffix) } { (t(locale, "console.customer.language")) }
            select id={ "f-lang-" (suffix) } name="language" {
                @for l in Locale::ALL { option value=(l.tag()) selected[l == language] { (l.native_name()) } }
            }
        }
        div.field {
            label for={ "f-ctitle-" (suffix) } { (t(locale, "console.help.article_title")) }
            input id={ "f-ctitle-" (suffix) } name="title" type="text" maxlength="80" value=(title);
        }
        div.field {
            label for={ "f-cbody-" (suffix) } { (t(locale, "console.tickets.message")) }
            textarea id={ "f-cbody-" (suffix) } name="body" rows="5" { (body) }
        }
        button type="submit" { (t(locale, "console.help.save")) }
    }
}

#[derive(Deserialize)]
pub struct CannedForm {
    id: Option<String>,
    #[serde(default)]
    language: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

/// `POST /admin/canned-replies`.
pub async fn canned_save(
    State(app): State<App>,
    console: Console,
    ConsoleForm(form): ConsoleForm<CannedForm>,
) -> Response {
    let member = match console.require(Permission::EditCatalog) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let id = form.id.as_deref().filter(|id| !id.is_empty());
    match canned::save(
        &app,
        &member.actor(),
        id,
        &form.language,
        &form.title,
        &form.body,
    )
    .await
    {
        Ok(_) => Redirect::to("/admin/canned-replies").into_response(),
        Err(error) => canned_page(&app, &console, Some(&error)).await,
    }
}
