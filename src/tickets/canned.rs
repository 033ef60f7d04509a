//! Saved replies staff start an answer from, one set per language; admins write them
//! in the console. Audited like any other change.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::app::App;
use crate::audit;
use crate::clock::{from_millis, to_millis};
use crate::error::{Code, Error, Result};
use crate::i18n::Locale;
use crate::ids::new_id;

const MAX_TITLE: usize = 80;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedReply {
    pub id: String,
    pub language: Locale,
    pub title: String,
    pub body: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// Saved replies, of one language if given, by language then title.
pub async fn list(app: &App, language: Option<Locale>) -> Result<Vec<CannedReply>> {
    let rows = sqlx::query(
        "SELECT id, language, title, body, updated_at, updated_by FROM ticket_canned_replies ORDER BY language, title, id",
    )
    .fetch_all(app.db.reader())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let tag: String = row.try_get("language")?;
        let Some(locale) = crate::help::exact_locale(&tag) else {
            continue;
        };
        if language.is_some_and(|wanted| wanted != locale) {
            continue;
        }
        out.push(CannedReply {
            id: row.try_get("id")?,
            language: locale,
            title: row.try_get("title")?,
            body: row.try_get("body")?,
            updated_at: from_millis(row.try_get("updated_at")?),
            updated_by: row.try_get("updated_by")?,
        });
    }
    Ok(out)
}

pub async fn find(app: &App, id: &str) -> Result<Option<CannedReply>> {
    Ok(list(app, None).await?.into_iter().find(|c| c.id == id))
}

/// Writes a new saved reply (`id` none) or changes one; 400 `invalid_canned_reply`
/// for a missing language, title or text, 404 for an unknown id.
pub async fn save(
    app: &App,
    actor: &str,
    id: Option<&str>,
    language: &str,
    title: &str,
    body: &str,
) -> Result<CannedReply> {
    let invalid = || Error::invalid(Code::InvalidCannedReply);
    let language = crate::help::exact_locale(language.trim()).ok_or_else(invalid)?;
    let title = title.trim();
    let chars = title.chars().count();
    if chars == 0 || chars > MAX_TITLE || title.chars().any(char::is_control) {
        return Err(invalid().on_field("title"));
    }
    let body = super::checked_body(body).map_err(|_| invalid().on_field("body"))?;
    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    let id = match id {
        Some(id) => {
            let changed = sqlx::query(
                "UPDATE ticket_canned_replies SET language = $1, title = $2, body = $3, updated_at = $4, updated_by = $5 WHERE id = $6",
            )
            .bind(language.tag())
            .bind(title)
            .bind(&body)
            .bind(to_millis(now))
            .bind(actor)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if changed.rows_affected() == 0 {
                return Err(Error::not_found(Code::CannedReplyNotFound));
            }
            id.to_owned()
        }
        None => {
            let id = new_id("cnr", now);
            sqlx::query(
                "INSERT INTO ticket_canned_replies (id, language, title, body, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&id)
            .bind(language.tag())
            .bind(title)
            .bind(&body)
            .bind(to_millis(now))
            .bind(actor)
            .execute(&mut *tx)
            .await?;
            id
        }
    };
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        actor,
        "ticket.canned_reply",
        &id,
        &format!("{}: {title}", language.tag()),
    )
    .await?;
    tx.commit().await?;
    Ok(CannedReply {
        id,
        language,
        title: title.to_owned(),
        body,
        updated_at: now,
        updated_by: actor.to_owned(),
    })
}
