//! The help centre's tables: `help_articles`, `help_translations` and the search
//! index `help_terms`.

use std::collections::BTreeMap;

use sqlx::Row;

use crate::clock::{from_millis, to_millis};
use crate::db::{Backend, Tx};

/// A boolean read the same from both databases (SQLite keeps 0 and 1).
const PUBLISHED: &str = "CAST(CASE WHEN published THEN 1 ELSE 0 END AS BIGINT) AS published";

/// Rows of search terms one statement writes (three parameters each).
const TERMS_PER_INSERT: usize = 300;
use crate::error::{Error, Result};

use super::{Article, Topic, markdown, search};

fn article_of(row: &sqlx::any::AnyRow) -> Result<Article> {
    let topic: String = row.try_get("topic")?;
    Ok(Article {
        slug: row.try_get("slug")?,
        topic: Topic::parse(&topic)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("stored topic {topic}")))?,
        published: row.try_get::<i64, _>("published")? != 0,
        titles: BTreeMap::new(),
        bodies: BTreeMap::new(),
        updated_at: from_millis(row.try_get("updated_at")?),
        updated_by: row.try_get("updated_by")?,
    })
}

async fn with_translations<'e, E>(executor: E, articles: &mut [Article]) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query("SELECT slug, language, title, body FROM help_translations")
        .fetch_all(executor)
        .await?;
    for row in rows {
        let slug: String = row.try_get("slug")?;
        if let Some(article) = articles.iter_mut().find(|a| a.slug == slug) {
            let language: String = row.try_get("language")?;
            article
                .titles
                .insert(language.clone(), row.try_get("title")?);
            article.bodies.insert(language, row.try_get("body")?);
        }
    }
    Ok(())
}

pub async fn find(conn: &mut sqlx::AnyConnection, slug: &str) -> Result<Option<Article>> {
    let Some(row) = sqlx::query(&format!(
        "SELECT slug, topic, {PUBLISHED}, updated_at, updated_by FROM help_articles WHERE slug = $1"
    ))
    .bind(slug)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let mut article = article_of(&row)?;
    let rows = sqlx::query("SELECT language, title, body FROM help_translations WHERE slug = $1")
        .bind(slug)
        .fetch_all(&mut *conn)
        .await?;
    for row in rows {
        let language: String = row.try_get("language")?;
        article
            .titles
            .insert(language.clone(), row.try_get("title")?);
        article.bodies.insert(language, row.try_get("body")?);
    }
    Ok(Some(article))
}

/// Every article by topic, then slug.
pub async fn all(pool: &sqlx::AnyPool) -> Result<Vec<Article>> {
    let rows = sqlx::query(&format!(
        "SELECT slug, topic, {PUBLISHED}, updated_at, updated_by FROM help_articles ORDER BY slug"
    ))
    .fetch_all(pool)
    .await?;
    let mut articles = rows.iter().map(article_of).collect::<Result<Vec<_>>>()?;
    with_translations(pool, &mut articles).await?;
    articles.sort_by_key(|a| (a.topic, a.slug.clone()));
    Ok(articles)
}

/// Published articles holding at least `enough` of `terms`, best first: most terms
/// held, then the heavier (title) matches, then by slug.
pub async fn matching(
    pool: &sqlx::AnyPool,
    terms: &[String],
    enough: usize,
) -> Result<Vec<String>> {
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..terms.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT t.slug FROM help_terms t JOIN help_articles a ON a.slug = t.slug \
         WHERE a.published = $1 AND t.term IN ({}) \
         GROUP BY t.slug HAVING COUNT(*) >= $2 \
         ORDER BY COUNT(*) DESC, SUM(t.weight) DESC, t.slug LIMIT 20",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql)
        .bind(true)
        .bind(i64::try_from(enough).unwrap_or(i64::MAX));
    for term in terms {
        query = query.bind(term);
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter()
        .map(|row| row.try_get::<String, _>("slug").map_err(Error::from))
        .collect()
}

/// Writes the article, its translations and its search terms (replacing what was).
pub async fn write(tx: &mut Tx, backend: Backend, article: &Article, new: bool) -> Result<()> {
    if new {
        sqlx::query(
            "INSERT INTO help_articles (slug, topic, published, created_at, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(&article.slug)
        .bind(article.topic.as_str())
        .bind(article.published)
        .bind(to_millis(article.updated_at))
        .bind(&article.updated_by)
        .execute(&mut **tx)
        .await?;
    } else {
        sqlx::query(
            "UPDATE help_articles SET topic = $1, published = $2, updated_at = $3, updated_by = $4 WHERE slug = $5",
        )
        .bind(article.topic.as_str())
        .bind(article.published)
        .bind(to_millis(article.updated_at))
        .bind(&article.updated_by)
        .bind(&article.slug)
        .execute(&mut **tx)
        .await?;
    }
    for table in ["help_translations", "help_terms"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE slug = $1"))
            .bind(&article.slug)
            .execute(&mut **tx)
            .await?;
    }
    for (language, title) in &article.titles {
        let body = article.bodies.get(language).cloned().unwrap_or_default();
        sqlx::query(
            "INSERT INTO help_translations (slug, language, title, body) VALUES ($1, $2, $3, $4)",
        )
        .bind(&article.slug)
        .bind(language)
        .bind(title)
        .bind(&body)
        .execute(&mut **tx)
        .await?;
    }
    let texts: Vec<(String, String)> = article
        .titles
        .iter()
        .map(|(language, title)| {
            let body = article
                .bodies
                .get(language)
                .map(String::as_str)
                .unwrap_or("");
            (title.clone(), markdown::to_text(body))
        })
        .collect();
    let terms = search::weighted_terms(texts.iter().map(|(t, b)| (t.as_str(), b.as_str())));
    let terms: Vec<(String, i64)> = terms.into_iter().collect();
    for chunk in terms.chunks(TERMS_PER_INSERT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO help_terms (slug, term, weight) VALUES {}",
            values.join(", ")
        );
        let sql = crate::db::positional(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (term, weight) in chunk {
            query = query.bind(&article.slug).bind(term).bind(*weight);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Whether the help centre has no article at all (a new installation).
pub async fn is_empty(tx: &mut Tx) -> Result<bool> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM help_articles")
        .fetch_one(&mut **tx)
        .await?;
    Ok(count == 0)
}
