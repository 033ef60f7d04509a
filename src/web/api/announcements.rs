//! `GET /api/v1/announcements` (the current ones for the caller) and
//! `POST /api/v1/announcements/{id}/read`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::announcements::{self, Priority, Shown};
use crate::app::App;
use crate::error::{Code, Result};
use crate::i18n::Locale;
use crate::web::api::refusals::{SIGNED_IN, refusals};
use crate::web::extract::{MaybeSignedIn, RequestLocale, SignedIn};

#[derive(Serialize, ToSchema)]
pub struct AnnouncementBody {
    pub id: String,
    /// In the reader's language, else the nearest one written.
    pub title: String,
    /// The Markdown as written.
    pub body: String,
    /// The body as HTML, safe to show as it is (raw HTML in the Markdown is escaped).
    pub body_html: String,
    /// `banner`: shown on every page of the portal until dismissed (marked read).
    pub priority: Priority,
    /// An offer, rather than news about the service.
    pub marketing: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    /// Whether the signed-in subscriber read (or dismissed) it; `null` without a token.
    pub read: Option<bool>,
}

pub fn announcement_body(shown: &Shown, locale: Locale) -> AnnouncementBody {
    let announcement = &shown.announcement;
    AnnouncementBody {
        id: announcement.id.clone(),
        title: announcement.title(locale).to_owned(),
        body: announcement.body(locale).to_owned(),
        body_html: announcement.body_html(locale),
        priority: announcement.priority,
        marketing: announcement.marketing,
        starts_at: announcement.starts_at,
        ends_at: announcement.ends_at,
        read: shown.read,
    }
}

/// Current announcements: without a token those for everyone; with one also those
/// targeted at the subscriber's lines, each with `read`. Banners first, then the
/// newest. The language is `?lang=`, else the subscriber's, else `Accept-Language`.
#[utoipa::path(get, path = "/api/v1/announcements", tag = "announcements",
    security((), ("bearer" = [])),
    params(("lang" = Option<String>, Query, description = "`zh-HK`, `zh-CN` or `en`")),
    responses((status = 200, body = Vec<AnnouncementBody>)))]
pub async fn list(
    State(app): State<App>,
    MaybeSignedIn(account): MaybeSignedIn,
    RequestLocale(requested): RequestLocale,
    uri: Uri,
) -> Result<Json<Vec<AnnouncementBody>>> {
    let asked = uri
        .query()
        .is_some_and(|q| q.split('&').any(|pair| pair.starts_with("lang=")));
    let locale = match &account {
        Some(account) if !asked => account.locale,
        _ => requested,
    };
    let shown = announcements::current_for(&app, account.as_ref().map(|a| a.id.as_str())).await?;
    Ok(Json(
        shown.iter().map(|s| announcement_body(s, locale)).collect(),
    ))
}

refusals!(ReadRefusals = [SIGNED_IN, &[Code::AnnouncementNotFound]]);

/// Marks a current announcement read (a banner is then no longer shown); again
/// changes nothing. One that is not current or not for the subscriber is not found.
#[utoipa::path(post, path = "/api/v1/announcements/{id}/read", tag = "announcements",
    security(("bearer" = [])), params(("id" = String, Path, description = "The announcement")),
    responses((status = 204, description = "Marked read"), ReadRefusals))]
pub async fn read(
    State(app): State<App>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    announcements::mark_read(&app, &signed_in.account.id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
