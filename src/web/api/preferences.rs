//! `GET` and `PUT /api/v1/me/preferences`: language, marketing consent per channel,
//! statements by email and the channels of alerts. A marketing choice that changes is
//! recorded in the consent log with `api` as its source.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::App;
use crate::error::{Code, Result};
use crate::i18n::Locale;
use crate::messages::Channel;
use crate::preferences::{self, Change, Channels, ConsentEvent, Preferences, Source};
use crate::web::api::refusals::{JSON_BODY, SIGNED_IN, refusals};
use crate::web::extract::{ApiJson, SignedIn};

/// A yes or no per channel.
#[derive(Serialize, ToSchema)]
pub struct ChannelsBody {
    pub sms: bool,
    pub email: bool,
}

impl From<Channels> for ChannelsBody {
    fn from(channels: Channels) -> Self {
        ChannelsBody {
            sms: channels.sms,
            email: channels.email,
        }
    }
}

/// One opt-in or opt-out of marketing.
#[derive(Serialize, ToSchema)]
pub struct ConsentEntryBody {
    /// `sms` or `email`.
    pub channel: Channel,
    pub opted_in: bool,
    /// `page` (the preferences page), `api`, or `unsubscribe_link`.
    pub source: Source,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct PreferencesBody {
    /// The language of pages, SMS and email: `zh-HK`, `zh-CN` or `en`.
    pub language: Locale,
    /// Consent to offers and news by each channel. Service messages (codes, receipts,
    /// alerts) never depend on it.
    pub marketing: ChannelsBody,
    /// Monthly statements by email.
    pub statements_by_email: bool,
    /// The channels usage and renewal alerts go by; codes and receipts always go.
    pub alerts: ChannelsBody,
    /// Every opt-in and opt-out of marketing, newest first.
    pub marketing_log: Vec<ConsentEntryBody>,
}

fn body(preferences: Preferences, log: Vec<ConsentEvent>) -> PreferencesBody {
    PreferencesBody {
        language: preferences.language,
        marketing: preferences.marketing.into(),
        statements_by_email: preferences.statements_by_email,
        alerts: preferences.alerts.into(),
        marketing_log: log
            .into_iter()
            .map(|event| ConsentEntryBody {
                channel: event.channel,
                opted_in: event.opted_in,
                source: event.source,
                at: event.at,
            })
            .collect(),
    }
}

/// Channels to change; one left out keeps its value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelsChange {
    pub sms: Option<bool>,
    pub email: Option<bool>,
}

/// What to change; a field left out keeps its value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesRequest {
    /// `zh-HK`, `zh-CN` or `en`, exactly.
    pub language: Option<String>,
    pub marketing: Option<ChannelsChange>,
    pub statements_by_email: Option<bool>,
    pub alerts: Option<ChannelsChange>,
}

refusals!(ShowRefusals = [SIGNED_IN]);

/// The subscriber's preferences and their marketing consent log.
#[utoipa::path(get, path = "/api/v1/me/preferences", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = PreferencesBody), ShowRefusals))]
pub async fn show(State(app): State<App>, signed_in: SignedIn) -> Result<Json<PreferencesBody>> {
    let id = &signed_in.account.id;
    let preferences = preferences::get(&app, id).await?;
    let log = preferences::consent_history(&app, id).await?;
    Ok(Json(body(preferences, log)))
}

refusals!(UpdateRefusals = [SIGNED_IN, JSON_BODY, &[Code::InvalidLanguage]]);

/// Changes preferences. Opting out of marketing counts at once: nothing queued for
/// that channel goes after it.
#[utoipa::path(put, path = "/api/v1/me/preferences", tag = "accounts", request_body = PreferencesRequest,
    security(("bearer" = [])), responses((status = 200, body = PreferencesBody), UpdateRefusals))]
pub async fn update(
    State(app): State<App>,
    signed_in: SignedIn,
    ApiJson(request): ApiJson<PreferencesRequest>,
) -> Result<Json<PreferencesBody>> {
    let language = request
        .language
        .as_deref()
        .map(preferences::parse_language)
        .transpose()?;
    let (marketing, alerts) = (request.marketing.as_ref(), request.alerts.as_ref());
    let change = Change {
        language,
        marketing_sms: marketing.and_then(|m| m.sms),
        marketing_email: marketing.and_then(|m| m.email),
        statements_by_email: request.statements_by_email,
        alerts_sms: alerts.and_then(|a| a.sms),
        alerts_email: alerts.and_then(|a| a.email),
    };
    let id = &signed_in.account.id;
    let preferences = preferences::update(&app, id, &change, Source::Api).await?;
    let log = preferences::consent_history(&app, id).await?;
    Ok(Json(body(preferences, log)))
}
