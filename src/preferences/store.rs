//! SQL for `account_preferences` and the append-only `marketing_consents` (rows are
//! inserted and read here, never updated or deleted).

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::clock::{from_millis, to_millis};
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::messages::Channel;

use super::{Channels, ConsentEvent, Source, channel_tag};

/// The stored settings; an account that never changed them has the defaults:
/// no statements by email (the issue: emailed when the subscriber opted in), alerts by
/// SMS and email.
pub(super) struct Settings {
    pub statements_by_email: bool,
    pub alerts: Channels,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            statements_by_email: false,
            alerts: Channels {
                sms: true,
                email: true,
            },
        }
    }
}

pub(super) async fn settings<'e, E>(executor: E, account_id: &str) -> Result<Settings>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT statements_by_email, alerts_sms, alerts_email FROM account_preferences \
         WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(executor)
    .await?;
    let Some(row) = row else {
        return Ok(Settings::default());
    };
    Ok(Settings {
        statements_by_email: row.try_get::<i64, _>("statements_by_email")? != 0,
        alerts: Channels {
            sms: row.try_get::<i64, _>("alerts_sms")? != 0,
            email: row.try_get::<i64, _>("alerts_email")? != 0,
        },
    })
}

pub(super) async fn save_settings(
    tx: &mut Tx,
    account_id: &str,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO account_preferences (account_id, statements_by_email, alerts_sms, alerts_email, updated_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (account_id) DO UPDATE SET statements_by_email = excluded.statements_by_email, \
           alerts_sms = excluded.alerts_sms, alerts_email = excluded.alerts_email, updated_at = excluded.updated_at",
    )
    .bind(account_id)
    .bind(i64::from(settings.statements_by_email))
    .bind(i64::from(settings.alerts.sms))
    .bind(i64::from(settings.alerts.email))
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The consent in force by `channel`: the newest entry's, none without one.
pub(super) async fn consent<'e, E>(executor: E, account_id: &str, channel: Channel) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT opted_in FROM marketing_consents WHERE account_id = $1 AND channel = $2 \
         ORDER BY at DESC, id DESC LIMIT 1",
    )
    .bind(account_id)
    .bind(channel_tag(channel))
    .fetch_optional(executor)
    .await?;
    Ok(match row {
        Some(row) => row.try_get::<i64, _>("opted_in")? != 0,
        None => false,
    })
}

pub(super) async fn record_consent(
    tx: &mut Tx,
    account_id: &str,
    channel: Channel,
    opted_in: bool,
    source: Source,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO marketing_consents (id, account_id, channel, opted_in, source, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id("mkc", now))
    .bind(account_id)
    .bind(channel_tag(channel))
    .bind(i64::from(opted_in))
    .bind(source.as_str())
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every entry of the account's consent log, newest first.
pub(super) async fn history<'e, E>(executor: E, account_id: &str) -> Result<Vec<ConsentEvent>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT channel, opted_in, source, at FROM marketing_consents WHERE account_id = $1 \
         ORDER BY at DESC, id DESC",
    )
    .bind(account_id)
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|row| {
            let channel = match row.try_get::<String, _>("channel")?.as_str() {
                "sms" => Channel::Sms,
                "email" => Channel::Email,
                other => return Err(Error::internal(anyhow::anyhow!("channel {other:?}"))),
            };
            let source: String = row.try_get("source")?;
            Ok(ConsentEvent {
                channel,
                opted_in: row.try_get::<i64, _>("opted_in")? != 0,
                source: Source::parse(&source)
                    .ok_or_else(|| Error::internal(anyhow::anyhow!("source {source:?}")))?,
                at: from_millis(row.try_get("at")?),
            })
        })
        .collect()
}
