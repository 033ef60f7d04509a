//! Help articles for the operator: `GET/POST /api/v1/admin/help/articles` and
//! `PUT …/{slug}`. Reading takes any role, writing an admin (`edit_catalog`); each
//! write is audited (`help.create`, `help.update`).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::App;
use crate::error::{Code, Result};
use crate::help::{self, Article, Draft, Topic};
use crate::staff::Permission;
use crate::web::api::refusals::{JSON_BODY, OPERATOR, refusals};

use super::{AdminJson, Operator};

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HelpArticleEntry {
    /// The address: 2–64 of a–z, 0–9 and `-` (`/help/{slug}`).
    pub slug: String,
    /// `account`, `payment`, `install`, `data` or `other`.
    pub topic: String,
    /// Title by language (`zh-HK`, `zh-CN`, `en`): 1–120 characters.
    pub title: BTreeMap<String, String>,
    /// Markdown by language, the same languages as `title`; raw HTML is shown as text.
    pub body: BTreeMap<String, String>,
    /// Shown in the help centre; `true` when left out.
    pub published: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct StaffHelpArticleBody {
    pub slug: String,
    pub topic: Topic,
    pub published: bool,
    pub title: BTreeMap<String, String>,
    pub body: BTreeMap<String, String>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

fn body_of(article: Article) -> StaffHelpArticleBody {
    StaffHelpArticleBody {
        slug: article.slug,
        topic: article.topic,
        published: article.published,
        title: article.titles,
        body: article.bodies,
        updated_at: article.updated_at,
        updated_by: article.updated_by,
    }
}

fn draft_of(entry: HelpArticleEntry) -> Draft {
    Draft {
        slug: entry.slug.trim().to_owned(),
        topic: entry.topic,
        published: entry.published.unwrap_or(true),
        titles: entry.title,
        bodies: entry.body,
    }
}

refusals!(ListRefusals = [OPERATOR]);

/// Every article as written, hidden ones too.
#[utoipa::path(get, path = "/api/v1/admin/help/articles", tag = "admin", security(("operator_key" = [])),
    responses((status = 200, body = Vec<StaffHelpArticleBody>), ListRefusals))]
pub async fn list(
    State(app): State<App>,
    operator: Operator,
) -> Result<Json<Vec<StaffHelpArticleBody>>> {
    operator.require(Permission::Read)?;
    Ok(Json(
        help::all(&app).await?.into_iter().map(body_of).collect(),
    ))
}

refusals!(
    CreateRefusals = [
        OPERATOR,
        JSON_BODY,
        &[Code::InvalidArticle, Code::ArticleExists]
    ]
);

/// Writes a new article (admins); its search terms are made at once.
#[utoipa::path(post, path = "/api/v1/admin/help/articles", tag = "admin", security(("operator_key" = [])),
    request_body = HelpArticleEntry, responses((status = 201, body = StaffHelpArticleBody), CreateRefusals))]
pub async fn create(
    State(app): State<App>,
    operator: Operator,
    AdminJson(entry): AdminJson<HelpArticleEntry>,
) -> Result<(StatusCode, Json<StaffHelpArticleBody>)> {
    operator.require(Permission::EditCatalog)?;
    let article = help::save(&app, &draft_of(entry), &operator.name, true).await?;
    Ok((StatusCode::CREATED, Json(body_of(article))))
}

refusals!(
    PutRefusals = [
        OPERATOR,
        JSON_BODY,
        &[
            Code::InvalidArticle,
            Code::ArticleNotFound,
            Code::CodeMismatch
        ]
    ]
);

/// Changes an article (admins): every language sent replaces what was; a language
/// left out is removed.
#[utoipa::path(put, path = "/api/v1/admin/help/articles/{slug}", tag = "admin", security(("operator_key" = [])),
    params(("slug" = String, Path, description = "The article's address")), request_body = HelpArticleEntry,
    responses((status = 200, body = StaffHelpArticleBody), PutRefusals))]
pub async fn put(
    State(app): State<App>,
    operator: Operator,
    Path(slug): Path<String>,
    AdminJson(entry): AdminJson<HelpArticleEntry>,
) -> Result<Json<StaffHelpArticleBody>> {
    operator.require(Permission::EditCatalog)?;
    if entry.slug.trim() != slug {
        return Err(
            crate::error::Error::invalid(Code::CodeMismatch).with_details(vec![format!(
                "the address names {slug}, the body {:?}",
                entry.slug.trim()
            )]),
        );
    }
    let article = help::save(&app, &draft_of(entry), &operator.name, false).await?;
    Ok(Json(body_of(article)))
}
