//! Announcements in the console: every role sees the list (what subscribers are being
//! told, and how sending stands); admins post and edit, with a preview first. Posting
//! is an admin's (`Permission::PostAnnouncements`): an announcement speaks for the
//! operator to every subscriber it targets, and a marketing one is direct marketing.

use axum::Router;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::html;
use serde::Deserialize;

use crate::announcements::{self, Announcement, Audience, Priority};
use crate::app::App;
use crate::error::{Code, Error, ErrorKind};
use crate::i18n::{t, tf};
use crate::staff::Permission;
use crate::web::error::status_of;
use crate::web::portal::format::datetime;

use super::announcement_form::{self, FormState};
use super::{Console, error_page, render};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin/announcements", get(list).post(create))
        .route("/admin/announcements/new", get(new))
        .route("/admin/announcements/{id}", get(edit).post(save))
}

#[derive(Deserialize)]
pub struct Posted {
    saved: Option<String>,
}

pub async fn list(State(app): State<App>, console: Console, Query(q): Query<Posted>) -> Response {
    let member = match console.require(Permission::Read) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let locale = console.locale;
    let all = match announcements::list(&app).await {
        Ok(all) => all,
        Err(error) => return error_page(&console, &error),
    };
    let mut rows = Vec::new();
    for announcement in all {
        match announcements::send::progress(&app, &announcement).await {
            Ok(progress) => rows.push((announcement, progress)),
            Err(error) => return error_page(&console, &error),
        }
    }
    let may_post = member.role.may(Permission::PostAnnouncements);
    let (now, zone) = (app.now(), app.config.time_zone());
    let word = |key: &str| t(locale, &format!("console.announcements.{key}"));
    let body = html! {
        h1 { (word("title")) }
        @if q.saved.is_some() { (super::layout::notice(&word("saved"), false)) }
        @if may_post { p { a href="/admin/announcements/new" data-testid="new-announcement" { (word("new")) } } }
        @if rows.is_empty() {
            p { (word("none")) }
        } @else {
            div.scroll {
                table data-testid="announcements" {
                    thead { tr {
                        th scope="col" { (word("title_column")) }
                        th scope="col" { (word("phase")) }
                        th scope="col" { (word("when")) }
                        th scope="col" { (word("audience")) }
                        th scope="col" { (word("sending")) }
                    } }
                    tbody {
                        @for (a, (waiting, sent, skipped)) in &rows {
                            tr data-id=(a.id) {
                                td {
                                    @if may_post { a href={ "/admin/announcements/" (a.id) } { (a.title(locale)) } }
                                    @else { (a.title(locale)) }
                                    @if a.priority == Priority::Banner { " · " (word("priority_banner")) }
                                    @if a.marketing { " · " (word("marketing_short")) }
                                }
                                td { (word(&format!("phase_{}", a.phase(now).as_str()))) }
                                td {
                                    (datetime(locale, a.starts_at, zone))
                                    " – "
                                    @if let Some(end) = a.ends_at { (datetime(locale, end, zone)) } @else { (word("no_end")) }
                                }
                                td { (audience_words(&console, &a.audience)) }
                                td {
                                    @if !a.send.sms && !a.send.email { (word("not_sent")) }
                                    @else { (tf(locale, "console.announcements.progress", &[("sent", &sent.to_string()), ("waiting", &waiting.to_string()), ("skipped", &skipped.to_string())])) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    render(&console, &word("title"), body)
}

/// "Everyone", or each criterion in words.
fn audience_words(console: &Console, audience: &Audience) -> String {
    let locale = console.locale;
    if audience.is_everyone() {
        return t(locale, "console.announcements.everyone");
    }
    let mut parts = Vec::new();
    if !audience.zones.is_empty() {
        let zones: Vec<String> = audience
            .zones
            .iter()
            .map(|z| t(locale, &format!("zone.{}", z.as_str())))
            .collect();
        parts.push(zones.join(", "));
    }
    if !audience.plans.is_empty() {
        parts.push(audience.plans.join(", "));
    }
    if !audience.line_status.is_empty() {
        let statuses: Vec<String> = audience
            .line_status
            .iter()
            .map(|s| t(locale, &format!("status.{}", s.as_str())))
            .collect();
        parts.push(statuses.join(", "));
    }
    if let Some(on) = audience.auto_renew {
        let key = if on {
            "auto_renew_on"
        } else {
            "auto_renew_off"
        };
        parts.push(t(locale, &format!("console.announcements.{key}")));
    }
    parts.join(" · ")
}

async fn plan_choices(app: &App, console: &Console) -> crate::error::Result<Vec<(String, String)>> {
    Ok(crate::catalog::history::plans(app, None)
        .await?
        .into_iter()
        .filter_map(|record| {
            let name = record.latest()?.name(console.locale).to_owned();
            Some((record.code.as_str().to_owned(), name))
        })
        .collect())
}

/// The form page: `heading`, any refusal with its details, a preview, the form.
async fn form_page(
    app: &App,
    console: &Console,
    heading: &str,
    state: &FormState,
    action: &str,
    error: Option<&Error>,
    preview: Option<&announcements::Draft>,
) -> Response {
    let plans = match plan_choices(app, console).await {
        Ok(plans) => plans,
        Err(error) => return error_page(console, &error),
    };
    let body = html! {
        h1 { (heading) }
        p { a href="/admin/announcements" { (t(console.locale, "console.announcements.back")) } }
        @if let Some(error) = error {
            (super::layout::error_notice(console, error))
            @if !error.details.is_empty() {
                ul.details data-testid="problems" { @for detail in &error.details { li { (detail) } } }
            }
        }
        @if let Some(draft) = preview { (announcement_form::preview(console, draft)) }
        (announcement_form::render(console, state, &plans, action))
    };
    let mut response = render(console, heading, body);
    if let Some(error) = error {
        *response.status_mut() = status_of(error);
    }
    response
}

pub async fn new(State(app): State<App>, console: Console) -> Response {
    if let Err(response) = console.require(Permission::PostAnnouncements) {
        return *response;
    }
    let heading = t(console.locale, "console.announcements.new");
    let state = FormState::default();
    form_page(
        &app,
        &console,
        &heading,
        &state,
        "/admin/announcements",
        None,
        None,
    )
    .await
}

pub async fn edit(State(app): State<App>, console: Console, Path(id): Path<String>) -> Response {
    if let Err(response) = console.require(Permission::PostAnnouncements) {
        return *response;
    }
    let announcement = match announcements::find(&app, &id).await {
        Ok(Some(announcement)) => announcement,
        Ok(None) => return error_page(&console, &Error::not_found(Code::AnnouncementNotFound)),
        Err(error) => return error_page(&console, &error),
    };
    let state = FormState::of(&announcement, app.config.time_zone());
    edit_page(&app, &console, &announcement, &state, None, None).await
}

async fn edit_page(
    app: &App,
    console: &Console,
    announcement: &Announcement,
    state: &FormState,
    error: Option<&Error>,
    preview: Option<&announcements::Draft>,
) -> Response {
    let heading = tf(
        console.locale,
        "console.announcements.edit",
        &[("title", announcement.title(console.locale))],
    );
    let action = format!("/admin/announcements/{}", announcement.id);
    form_page(app, console, &heading, state, &action, error, preview).await
}

/// The posted form, once its CSRF token matches; pairs, as checkboxes repeat names.
pub struct PostedForm(FormState);

impl FromRequest<App> for PostedForm {
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Self::Rejection> {
        crate::web::csrf::read::<Vec<(String, String)>, Console>(request, app)
            .await
            .map(|pairs| PostedForm(FormState::from_pairs(pairs)))
    }
}

/// `POST /admin/announcements`: "Preview" checks and shows it; "Post" stores it.
pub async fn create(
    State(app): State<App>,
    console: Console,
    PostedForm(state): PostedForm,
) -> Response {
    let actor = match console.require(Permission::PostAnnouncements) {
        Ok(member) => member.actor(),
        Err(response) => return *response,
    };
    let heading = t(console.locale, "console.announcements.new");
    let action = "/admin/announcements";
    let input = match state.input(app.config.time_zone()) {
        Ok(input) => input,
        Err(error) => {
            return form_page(&app, &console, &heading, &state, action, Some(&error), None).await;
        }
    };
    if state.action != "save" {
        return match announcements::check(&app, input).await {
            Ok(draft) => {
                form_page(&app, &console, &heading, &state, action, None, Some(&draft)).await
            }
            Err(error) => refused(&app, &console, &heading, &state, action, error).await,
        };
    }
    match announcements::create(&app, input, &actor).await {
        Ok(_) => Redirect::to("/admin/announcements?saved=1").into_response(),
        Err(error) => refused(&app, &console, &heading, &state, action, error).await,
    }
}

async fn refused(
    app: &App,
    console: &Console,
    heading: &str,
    state: &FormState,
    action: &str,
    error: Error,
) -> Response {
    if error.kind == ErrorKind::Internal {
        return error_page(console, &error);
    }
    form_page(app, console, heading, state, action, Some(&error), None).await
}

/// `POST /admin/announcements/{id}`: preview or save an edit.
pub async fn save(
    State(app): State<App>,
    console: Console,
    Path(id): Path<String>,
    PostedForm(state): PostedForm,
) -> Response {
    let actor = match console.require(Permission::PostAnnouncements) {
        Ok(member) => member.actor(),
        Err(response) => return *response,
    };
    let announcement = match announcements::find(&app, &id).await {
        Ok(Some(announcement)) => announcement,
        Ok(None) => return error_page(&console, &Error::not_found(Code::AnnouncementNotFound)),
        Err(error) => return error_page(&console, &error),
    };
    let checked = match state.input(app.config.time_zone()) {
        Ok(input) if state.action == "save" => {
            match announcements::update(&app, &id, input, &actor).await {
                Ok(()) => return Redirect::to("/admin/announcements?saved=1").into_response(),
                Err(error) => Err(error),
            }
        }
        Ok(input) => announcements::check(&app, input).await,
        Err(error) => Err(error),
    };
    match checked {
        Ok(draft) => edit_page(&app, &console, &announcement, &state, None, Some(&draft)).await,
        Err(error) if error.kind == ErrorKind::Internal => error_page(&console, &error),
        Err(error) => edit_page(&app, &console, &announcement, &state, Some(&error), None).await,
    }
}
