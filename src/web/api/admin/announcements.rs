//! Announcements for the operator: `POST /api/v1/admin/announcements` → 201 `{id}`,
//! `PUT /api/v1/admin/announcements/{id}` (the same body) edits, `GET` lists and shows
//! them with how their sending stands. Posting and editing are admins'
//! (`Permission::PostAnnouncements`): an announcement speaks for the operator to every
//! subscriber it targets, and a marketing one is direct marketing under the PDPO.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::announcements::{self, Announcement, DraftInput, Priority};
use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::i18n::Locale;
use crate::staff::Permission;
use crate::web::api::refusals::{IDEMPOTENT, JSON_BODY, OPERATOR, refusals};
use crate::web::idempotency;

use super::{AdminJson, Operator};

/// Whom it is for; every list empty and `auto_renew` absent: everyone (also visitors
/// not signed in). Otherwise a subscriber with one line that matches every criterion
/// given.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AudienceBody {
    /// Zones of the line's plan: `hk`, `hk_mo`, `cn_hk_mo`.
    #[serde(default)]
    pub zones: Vec<String>,
    /// Plan codes (the line's current plan, else its next queued one).
    #[serde(default)]
    pub plans: Vec<String>,
    /// Any of `pending_install`, `active`, `throttled`, `suspended`, `expired`.
    #[serde(default)]
    pub line_status: Vec<String>,
    /// Auto-renew on (`true`) or off (`false`) on the line.
    #[serde(default)]
    pub auto_renew: Option<bool>,
}

/// The channels it is sent by when it starts.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    #[serde(default)]
    pub sms: bool,
    #[serde(default)]
    pub email: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementRequest {
    /// Language tag (`zh-HK`, `zh-CN`, `en`) → title, one line of at most 120
    /// characters; at least one.
    pub title: BTreeMap<String, String>,
    /// Language tag → Markdown (raw HTML in it is shown as text), at most 20 000
    /// characters; only in languages that have a title.
    #[serde(default)]
    pub body: BTreeMap<String, String>,
    #[serde(default)]
    pub audience: AudienceBody,
    /// Shown from (now when absent).
    pub starts_at: Option<DateTime<Utc>>,
    /// Shown until (never ends when absent); must be after `starts_at`.
    pub ends_at: Option<DateTime<Utc>>,
    /// `normal` (the default) or `banner`.
    pub priority: Option<String>,
    /// An offer: sent only to subscribers who opted in to marketing by that channel,
    /// each message with a one-click opt-out.
    #[serde(default)]
    pub marketing: bool,
    /// Send it by SMS and/or email to the subscribers it targets when it starts (a
    /// service notice to all of them, a marketing one only to those who consented).
    #[serde(default)]
    pub send: SendBody,
}

impl AnnouncementRequest {
    fn input(self) -> DraftInput {
        DraftInput {
            titles: self.title,
            bodies: self.body,
            zones: self.audience.zones,
            plans: self.audience.plans,
            line_status: self.audience.line_status,
            auto_renew: self.audience.auto_renew,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            priority: self.priority,
            marketing: self.marketing,
            send_sms: self.send.sms,
            send_email: self.send.email,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedAnnouncement {
    pub id: String,
}

/// How its sending stands.
#[derive(Serialize, ToSchema)]
pub struct DeliveriesBody {
    /// Queued or being sent.
    pub waiting: i64,
    pub sent: i64,
    /// Not sent: consent withdrawn, the announcement ended or the account gone.
    pub skipped: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AdminAnnouncementBody {
    pub id: String,
    pub title: BTreeMap<String, String>,
    pub body: BTreeMap<String, String>,
    pub audience: AudienceBody,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub marketing: bool,
    pub send: SendBody,
    /// `scheduled`, `current` or `ended`.
    pub phase: String,
    pub deliveries: DeliveriesBody,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

async fn admin_body(app: &App, a: Announcement) -> Result<AdminAnnouncementBody> {
    let (waiting, sent, skipped) = announcements::send::progress(app, &a).await?;
    let audience = AudienceBody {
        zones: a
            .audience
            .zones
            .iter()
            .map(|z| z.as_str().to_owned())
            .collect(),
        plans: a.audience.plans.clone(),
        line_status: a
            .audience
            .line_status
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        auto_renew: a.audience.auto_renew,
    };
    Ok(AdminAnnouncementBody {
        phase: a.phase(app.now()).as_str().to_owned(),
        deliveries: DeliveriesBody {
            waiting,
            sent,
            skipped,
        },
        send: SendBody {
            sms: a.send.sms,
            email: a.send.email,
        },
        audience,
        id: a.id,
        title: a.titles,
        body: a.bodies,
        starts_at: a.starts_at,
        ends_at: a.ends_at,
        priority: a.priority,
        marketing: a.marketing,
        created_by: a.created_by,
        created_at: a.created_at,
        updated_by: a.updated_by,
        updated_at: a.updated_at,
    })
}

refusals!(ListRefusals = [OPERATOR]);

/// Every announcement, the newest start first.
#[utoipa::path(get, path = "/api/v1/admin/announcements", tag = "admin", security(("operator_key" = [])),
    responses((status = 200, body = Vec<AdminAnnouncementBody>), ListRefusals))]
pub async fn list(
    State(app): State<App>,
    _operator: Operator,
) -> Result<Json<Vec<AdminAnnouncementBody>>> {
    let mut out = Vec::new();
    for announcement in announcements::list(&app).await? {
        out.push(admin_body(&app, announcement).await?);
    }
    Ok(Json(out))
}

refusals!(ShowRefusals = [OPERATOR, &[Code::AnnouncementNotFound]]);

#[utoipa::path(get, path = "/api/v1/admin/announcements/{id}", tag = "admin", security(("operator_key" = [])),
    params(("id" = String, Path, description = "The announcement")),
    responses((status = 200, body = AdminAnnouncementBody), ShowRefusals))]
pub async fn show(
    State(app): State<App>,
    _operator: Operator,
    Path(id): Path<String>,
) -> Result<Json<AdminAnnouncementBody>> {
    let announcement = announcements::find(&app, &id)
        .await?
        .ok_or_else(|| Error::not_found(Code::AnnouncementNotFound))?;
    Ok(Json(admin_body(&app, announcement).await?))
}

refusals!(
    CreateRefusals = [
        OPERATOR,
        JSON_BODY,
        IDEMPOTENT,
        &[Code::InvalidAnnouncement, Code::InvalidSchedule]
    ]
);

/// Posts an announcement (admins). A refused one stores nothing; `error.details` names
/// every problem.
#[utoipa::path(post, path = "/api/v1/admin/announcements", tag = "admin", security(("operator_key" = [])),
    request_body = AnnouncementRequest,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "1–255 printable ASCII characters: the same key and body again replay the first success")),
    responses((status = 201, body = CreatedAnnouncement), CreateRefusals))]
pub async fn create(
    State(app): State<App>,
    operator: Operator,
    headers: HeaderMap,
    AdminJson(request): AdminJson<AnnouncementRequest>,
) -> Result<Response> {
    operator.require(Permission::PostAnnouncements)?;
    let caller = idempotency::Caller::Account(&operator.name);
    let (app, name) = (&app, operator.name.as_str());
    let digest_of = serde_json::to_value(&request).map_err(Error::internal)?;
    Ok(idempotency::run(
        app,
        &headers,
        "announcements",
        caller,
        &digest_of,
        Locale::En,
        |_| async move {
            let id = announcements::create(app, request.input(), name).await?;
            Ok((StatusCode::CREATED, json!({ "id": id })))
        },
    )
    .await)
}

refusals!(
    UpdateRefusals = [
        OPERATOR,
        JSON_BODY,
        &[
            Code::InvalidAnnouncement,
            Code::InvalidSchedule,
            Code::AnnouncementNotFound
        ]
    ]
);

/// Replaces an announcement (admins): its texts, audience, schedule, priority and
/// channels. Messages already sent are not sent again.
#[utoipa::path(put, path = "/api/v1/admin/announcements/{id}", tag = "admin", security(("operator_key" = [])),
    params(("id" = String, Path, description = "The announcement")), request_body = AnnouncementRequest,
    responses((status = 200, body = AdminAnnouncementBody), UpdateRefusals))]
pub async fn update(
    State(app): State<App>,
    operator: Operator,
    Path(id): Path<String>,
    AdminJson(request): AdminJson<AnnouncementRequest>,
) -> Result<Json<AdminAnnouncementBody>> {
    operator.require(Permission::PostAnnouncements)?;
    announcements::update(&app, &id, request.input(), &operator.name).await?;
    let announcement = announcements::find(&app, &id)
        .await?
        .ok_or_else(|| Error::not_found(Code::AnnouncementNotFound))?;
    Ok(Json(admin_body(&app, announcement).await?))
}
