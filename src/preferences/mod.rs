//! A subscriber's preferences: language, statements by email, which channels alerts
//! use, and marketing consent per channel.
//!
//! Marketing consent is kept as Hong Kong's PDPO Part VIA asks: apart from service
//! notices (codes, receipts and alerts never depend on it), given per channel by an
//! explicit opt-in, every opt-in and opt-out recorded with its time, channel and source
//! in an append-only log whose newest entry per channel is the consent in force, so an
//! opt-out counts from the moment it is recorded. Every marketing message carries a
//! signed one-click opt-out ([`unsubscribe`]).
//!
//! Its own module, after `accounts` (whose language it sets) and before `usage`,
//! `auto_renew` and `announcements`, which ask it whom they may message by which channel.

mod store;
pub mod unsubscribe;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::i18n::Locale;
use crate::messages::Channel;

/// A yes or no per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channels {
    pub sms: bool,
    pub email: bool,
}

impl Channels {
    pub fn get(self, channel: Channel) -> bool {
        match channel {
            Channel::Sms => self.sms,
            Channel::Email => self.email,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub language: Locale,
    /// Consent to marketing, per channel (none until the subscriber opts in).
    pub marketing: Channels,
    pub statements_by_email: bool,
    /// Where usage and renewal alerts go.
    pub alerts: Channels,
}

/// Where a consent was given or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ConsentSource)]
pub enum Source {
    /// The portal's preferences page.
    Page,
    /// `PUT /api/v1/me/preferences`.
    Api,
    /// The one-click link in a marketing message.
    UnsubscribeLink,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Page => "page",
            Source::Api => "api",
            Source::UnsubscribeLink => "unsubscribe_link",
        }
    }

    fn parse(text: &str) -> Option<Source> {
        [Source::Page, Source::Api, Source::UnsubscribeLink]
            .into_iter()
            .find(|source| source.as_str() == text)
    }
}

/// One entry of the consent log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentEvent {
    pub channel: Channel,
    pub opted_in: bool,
    pub source: Source,
    pub at: DateTime<Utc>,
}

/// What to change; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub language: Option<Locale>,
    pub marketing_sms: Option<bool>,
    pub marketing_email: Option<bool>,
    pub statements_by_email: Option<bool>,
    pub alerts_sms: Option<bool>,
    pub alerts_email: Option<bool>,
}

/// A language by its exact tag (`zh-HK`, `zh-CN`, `en`): a preference is stored, so
/// it takes no guesses (`zh`, `zh-TW`) the way a browser's header does.
pub fn parse_language(tag: &str) -> Result<Locale> {
    Locale::ALL
        .into_iter()
        .find(|locale| locale.tag() == tag)
        .ok_or_else(|| Error::invalid(Code::InvalidLanguage).on_field("language"))
}

pub async fn get(app: &App, account_id: &str) -> Result<Preferences> {
    let account = crate::accounts::find(app, account_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::NotFound))?;
    let stored = store::settings(app.db.reader(), account_id).await?;
    Ok(Preferences {
        language: account.locale,
        marketing: marketing_consent(app, account_id).await?,
        statements_by_email: stored.statements_by_email,
        alerts: stored.alerts,
    })
}

/// The channels the subscriber wants alerts by (both until they say otherwise).
pub async fn alert_channels(app: &App, account_id: &str) -> Result<Channels> {
    Ok(store::settings(app.db.reader(), account_id).await?.alerts)
}

/// The marketing consent in force per channel: the newest entry of the log.
pub async fn marketing_consent(app: &App, account_id: &str) -> Result<Channels> {
    let reader = app.db.reader();
    Ok(Channels {
        sms: store::consent(reader, account_id, Channel::Sms).await?,
        email: store::consent(reader, account_id, Channel::Email).await?,
    })
}

/// Whether marketing may go to the subscriber by `channel` now.
pub async fn may_market(app: &App, account_id: &str, channel: Channel) -> Result<bool> {
    store::consent(app.db.reader(), account_id, channel).await
}

/// The consent log, newest first.
pub async fn consent_history(app: &App, account_id: &str) -> Result<Vec<ConsentEvent>> {
    store::history(app.db.reader(), account_id).await
}

/// Applies `change` in one transaction with its audit entry: a marketing choice that
/// differs from the one in force is a new entry of the consent log from `source`.
pub async fn update(
    app: &App,
    account_id: &str,
    change: &Change,
    source: Source,
) -> Result<Preferences> {
    let before = get(app, account_id).await?;
    let now = app.now();
    let mut tx = crate::audit::begin(&app.db).await?;
    let mut said = Vec::new();
    if let Some(language) = change.language.filter(|l| *l != before.language) {
        crate::accounts::set_locale_in(&mut tx, account_id, language).await?;
        said.push(format!("language={}", language.tag()));
    }
    for (channel, wanted, now_in) in [
        (Channel::Sms, change.marketing_sms, before.marketing.sms),
        (
            Channel::Email,
            change.marketing_email,
            before.marketing.email,
        ),
    ] {
        if let Some(wanted) = wanted.filter(|w| *w != now_in) {
            store::record_consent(&mut tx, account_id, channel, wanted, source, now).await?;
            said.push(format!(
                "marketing.{}={}",
                channel_tag(channel),
                on_off(wanted)
            ));
        }
    }
    let settings = store::Settings {
        statements_by_email: change
            .statements_by_email
            .unwrap_or(before.statements_by_email),
        alerts: Channels {
            sms: change.alerts_sms.unwrap_or(before.alerts.sms),
            email: change.alerts_email.unwrap_or(before.alerts.email),
        },
    };
    if settings.statements_by_email != before.statements_by_email {
        said.push(format!(
            "statements_by_email={}",
            on_off(settings.statements_by_email)
        ));
    }
    for (name, new, old) in [
        ("alerts.sms", settings.alerts.sms, before.alerts.sms),
        ("alerts.email", settings.alerts.email, before.alerts.email),
    ] {
        if new != old {
            said.push(format!("{name}={}", on_off(new)));
        }
    }
    if said.is_empty() {
        return Ok(before);
    }
    store::save_settings(&mut tx, account_id, &settings, now).await?;
    let key = crate::audit::Key::from_secret(&app.secret);
    let actor = format!("subscriber:{account_id}");
    let detail = format!("{} ({})", said.join(", "), source.as_str());
    crate::audit::record(
        &mut tx,
        &key,
        now,
        &actor,
        "preferences.update",
        account_id,
        &detail,
    )
    .await?;
    tx.commit().await?;
    get(app, account_id).await
}

/// Withdraws marketing consent by `channel` at once (an unsubscribe link); nothing new
/// is recorded when there was none.
pub async fn opt_out(app: &App, account_id: &str, channel: Channel, source: Source) -> Result<()> {
    let change = match channel {
        Channel::Sms => Change {
            marketing_sms: Some(false),
            ..Change::default()
        },
        Channel::Email => Change {
            marketing_email: Some(false),
            ..Change::default()
        },
    };
    update(app, account_id, &change, source).await.map(|_| ())
}

pub fn channel_tag(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "sms",
        Channel::Email => "email",
    }
}

fn on_off(value: bool) -> &'static str {
    if value { "on" } else { "off" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_taken_by_their_exact_tag() {
        assert_eq!(parse_language("zh-HK").unwrap(), Locale::ZhHk);
        assert_eq!(parse_language("en").unwrap(), Locale::En);
        for bad in ["", "fr", "zh", "zh-TW", "EN", " en", "zh-Hant", "<script>"] {
            assert_eq!(
                parse_language(bad).unwrap_err().code,
                Code::InvalidLanguage,
                "{bad}"
            );
        }
    }

    #[test]
    fn sources_read_back() {
        for source in [Source::Page, Source::Api, Source::UnsubscribeLink] {
            assert_eq!(Source::parse(source.as_str()), Some(source));
        }
    }
}
