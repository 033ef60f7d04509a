//! The catalog file as a whole — `[[plans]]`, then the `[[promotions]]` and
//! `[[coupons]]` on them — as `datacard plans import` and the demo bring it in. The
//! plans are the catalog's to check and store, the offers ours; this is where the
//! two meet, so that a file is refused whole with every problem named, or imported
//! whole in one transaction.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::app::App;
use crate::catalog::{self, PlanCode, PlanEntry, PlanReport, PlanSpec};
use crate::error::Result;

use super::definition_store::{self, PromotionReport};
use super::entry::PromotionEntry;
use super::file::{self, PromotionSpec};

/// A checked catalog file: plans, then the promotions and coupons on them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogFile {
    pub plans: Vec<PlanSpec>,
    pub promotions: Vec<PromotionSpec>,
}

/// What importing a catalog file did, by code.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub created: Vec<String>,
    pub new_versions: Vec<String>,
    pub retired: Vec<String>,
    pub unchanged: Vec<String>,
    /// Promotions and coupons by code.
    pub promotions: PromotionReport,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    plans: Vec<PlanEntry>,
    #[serde(default)]
    promotions: Vec<PromotionEntry>,
    #[serde(default)]
    coupons: Vec<PromotionEntry>,
}

/// Every problem in the file, each naming the plan, promotion or coupon it is in;
/// nothing is imported unless the whole file is good.
pub fn parse(text: &str) -> Result<CatalogFile, Vec<String>> {
    let doc: FileDoc = toml::from_str(text)
        .map_err(|e| vec![format!("not a valid catalog file: {}", e.message())])?;
    let (plans, mut errors) = catalog::check_plans(doc.plans);
    let known: BTreeSet<PlanCode> = plans.iter().map(|s| s.code.clone()).collect();
    let mut promotions = Vec::new();
    let mut codes = BTreeSet::new();
    let sections = [
        ("promotion", false, doc.promotions),
        ("coupon", true, doc.coupons),
    ];
    for (section, coupon, raws) in sections {
        for (index, raw) in raws.into_iter().enumerate() {
            let label = format!("{section} #{} ({})", index + 1, raw.code());
            let code = raw.code().trim().to_ascii_uppercase();
            if !code.is_empty() && !codes.insert(code) {
                errors.push(format!(
                    "{label}: code appears twice among promotions and coupons"
                ));
            }
            match file::check(raw, coupon, &known) {
                Ok(spec) => promotions.push(spec),
                Err(problems) => {
                    errors.extend(problems.into_iter().map(|p| format!("{label}: {p}")))
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(CatalogFile { plans, promotions })
    } else {
        Err(errors)
    }
}

/// Applies a checked file in one transaction — its plans, then its offers — auditing
/// every change.
pub async fn import(app: &App, file: &CatalogFile, actor: &str) -> Result<ImportReport> {
    let now = app.now();
    let key = crate::audit::Key::from_secret(&app.secret);
    let mut tx = crate::audit::begin(&app.db).await?;
    let PlanReport {
        created,
        new_versions,
        retired,
        unchanged,
    } = catalog::import_plans(&mut tx, &key, &file.plans, actor, now).await?;
    let promotions = definition_store::import(&mut tx, &key, &file.promotions, actor, now).await?;
    tx.commit().await?;
    Ok(ImportReport {
        created,
        new_versions,
        retired,
        unchanged,
        promotions,
    })
}
