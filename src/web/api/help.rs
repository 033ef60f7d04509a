//! The help centre over JSON: `GET /api/v1/help/articles?q=&lang=` and
//! `GET /api/v1/help/articles/{slug}`. No token needed.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::help::{self, Topic};
use crate::i18n::Locale;
use crate::web::api::refusals::refusals;
use crate::web::extract::RequestLocale;

/// Longest search the help centre takes.
pub const MAX_QUERY_CHARS: usize = 200;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to look for, in any language (Chinese needs no spaces); empty: every
    /// article, by topic. At most 200 characters.
    pub q: Option<String>,
    /// `zh-HK`, `zh-CN` or `en`: the language to answer in (else the saved choice,
    /// `Accept-Language`, the default).
    #[expect(
        dead_code,
        reason = "read by RequestLocale; declared here for the document"
    )]
    pub lang: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    /// `zh-HK`, `zh-CN` or `en`.
    #[expect(
        dead_code,
        reason = "read by RequestLocale; declared here for the document"
    )]
    pub lang: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HelpHitBody {
    pub slug: String,
    pub title: String,
    pub topic: Topic,
    /// A few lines of the text around what was searched for.
    pub excerpt: String,
}

#[derive(Serialize, ToSchema)]
pub struct HelpArticleBody {
    pub slug: String,
    pub title: String,
    /// The article as HTML, safe to show as it is (no script, no raw HTML, only
    /// safe links).
    pub body_html: String,
    pub topic: Topic,
    /// The language it is written in: the reader's, else the nearest written.
    pub language: Locale,
    pub updated_at: DateTime<Utc>,
}

refusals!(SearchRefusals = [&[Code::InvalidQuery]]);

/// Published help articles matching `q`, best first, in the reader's language.
#[utoipa::path(get, path = "/api/v1/help/articles", tag = "help", params(SearchQuery),
    responses((status = 200, body = Vec<HelpHitBody>), SearchRefusals))]
pub async fn search(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Vec<HelpHitBody>>> {
    let q = query.q.unwrap_or_default();
    if q.chars().count() > MAX_QUERY_CHARS || q.chars().any(char::is_control) {
        return Err(Error::invalid(Code::InvalidQuery).on_field("q"));
    }
    let hits = help::search(&app, &q, locale).await?;
    Ok(Json(
        hits.into_iter()
            .map(|hit| HelpHitBody {
                slug: hit.slug,
                title: hit.title,
                topic: hit.topic,
                excerpt: hit.excerpt,
            })
            .collect(),
    ))
}

refusals!(ArticleRefusals = [&[Code::ArticleNotFound]]);

/// One published article, in the reader's language (else the other Chinese, else
/// English).
#[utoipa::path(get, path = "/api/v1/help/articles/{slug}", tag = "help",
    params(("slug" = String, Path, description = "The article's address"), LangQuery),
    responses((status = 200, body = HelpArticleBody), ArticleRefusals))]
pub async fn show(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    Path(slug): Path<String>,
) -> Result<Json<HelpArticleBody>> {
    let shown = help::show(&app, &slug, locale)
        .await?
        .ok_or_else(|| Error::not_found(Code::ArticleNotFound))?;
    Ok(Json(HelpArticleBody {
        slug: shown.slug,
        title: shown.title,
        body_html: shown.body_html,
        topic: shown.topic,
        language: shown.language,
        updated_at: shown.updated_at,
    }))
}
