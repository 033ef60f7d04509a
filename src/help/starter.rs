//! The starter articles: forgotten password, a failed payment, paid but not updated,
//! a charge not recognised, installing on iPhone and on Android, data run out and how
//! validity works, in the three languages. They are product help, not demo data: a
//! new installation (demo or not) gets them once, when its help centre has no
//! article at all, so that the links in error pages and messages never lead to an
//! empty page on day one. The operator then edits them, hides them or writes others;
//! they are never put back.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::app::App;
use crate::audit;
use crate::error::{Error, Result};

use super::{Draft, store};

const FILES: [&str; 4] = [
    include_str!("starter/account.toml"),
    include_str!("starter/payment.toml"),
    include_str!("starter/esim.toml"),
    include_str!("starter/data.toml"),
];

/// The audit log's actor for the starter articles.
pub const ACTOR: &str = "starter";

#[derive(Deserialize)]
struct File {
    articles: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    slug: String,
    topic: String,
    title: BTreeMap<String, String>,
    body: BTreeMap<String, String>,
}

/// Every starter article, as drafts.
pub fn drafts() -> Result<Vec<Draft>> {
    let mut out = Vec::new();
    for text in FILES {
        let file: File = toml::from_str(text).map_err(Error::internal)?;
        out.extend(file.articles.into_iter().map(|entry| Draft {
            slug: entry.slug,
            topic: entry.topic,
            published: true,
            titles: entry.title,
            bodies: entry.body,
        }));
    }
    Ok(out)
}

/// Writes the starter articles when the help centre is empty; returns how many.
pub async fn seed(app: &App) -> Result<usize> {
    let now = app.now();
    let key = audit::Key::from_secret(&app.secret);
    let mut tx = audit::begin(&app.db).await?;
    if !store::is_empty(&mut tx).await? {
        return Ok(0);
    }
    let drafts = drafts()?;
    for draft in &drafts {
        let article = draft.check(now, ACTOR)?;
        store::write(&mut tx, app.db.backend(), &article, true).await?;
        audit::record(
            &mut tx,
            &key,
            now,
            ACTOR,
            "help.create",
            &article.slug,
            "starter article",
        )
        .await?;
    }
    tx.commit().await?;
    Ok(drafts.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn every_starter_article_is_valid_in_every_language() {
        let drafts = drafts().expect("the starter files parse");
        assert_eq!(drafts.len(), 8);
        for draft in &drafts {
            let article = draft
                .check(chrono::Utc::now(), ACTOR)
                .unwrap_or_else(|e| panic!("{}: {e:?}", draft.slug));
            for locale in Locale::ALL {
                assert!(
                    article.titles.contains_key(locale.tag()),
                    "{} in {locale:?}",
                    article.slug
                );
            }
        }
    }
}
