//! Edits of one plan at a time, as the admin API makes them: each in one
//! transaction, through the same code as `datacard plans import`, every change
//! audited under the actor's name. (Promotions and coupons: [`crate::promotions::edit`].)

use crate::app::App;
use crate::audit::Key;
use crate::error::{Code, Error, Result};

use super::file::PlanSpec;
use super::plan::PlanCode;
use super::store::{self, PlanChange};

/// Creates or changes a plan as the entry says (a new plan goes last in the catalog).
pub async fn put_plan(app: &App, spec: &PlanSpec, actor: &str) -> Result<PlanChange> {
    let key = Key::from_secret(&app.secret);
    let mut tx = crate::audit::begin(&app.db).await?;
    let change = store::apply_plan(&mut tx, &key, spec, None, actor, app.now()).await?;
    tx.commit().await?;
    Ok(change)
}

/// Stops new sales of the plan; `false` when it was retired already.
pub async fn retire_plan(app: &App, code: &PlanCode, actor: &str) -> Result<bool> {
    let key = Key::from_secret(&app.secret);
    let mut tx = crate::audit::begin(&app.db).await?;
    let exists = sqlx::query("SELECT code FROM plans WHERE code = $1")
        .bind(code.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Err(Error::not_found(Code::UnknownPlan));
    }
    let retired = store::set_retired(&mut tx, &key, code.as_str(), true, actor, app.now()).await?;
    tx.commit().await?;
    Ok(retired)
}
