//! The sandbox network: remembers what it was told, for demo mode and tests.

use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::error::Result;
use crate::ids::new_id;

use super::{Action, Network};

pub struct SandboxNetwork {
    app: App,
}

impl SandboxNetwork {
    pub fn new(app: &App) -> Self {
        Self { app: app.clone() }
    }
}

#[async_trait::async_trait]
impl Network for SandboxNetwork {
    async fn apply(&self, event_id: &str, iccid: &str, action: &Action) -> anyhow::Result<()> {
        let now = self.app.now();
        let mut tx = self.app.db.begin().await?;
        sqlx::query("INSERT INTO sandbox_network (id, iccid, action, detail, received_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(new_id("snw", now))
            .bind(iccid)
            .bind(action.name())
            .bind(serde_json::json!({ "event_id": event_id, "action": action }).to_string())
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// What the sandbox network was told about a line, oldest first.
pub async fn told(app: &App, iccid: &str) -> Result<Vec<String>> {
    let rows =
        sqlx::query("SELECT action FROM sandbox_network WHERE iccid = $1 ORDER BY received_at, id")
            .bind(iccid)
            .fetch_all(app.db.reader())
            .await?;
    Ok(rows
        .iter()
        .map(|row| row.try_get::<String, _>("action"))
        .collect::<Result<_, _>>()?)
}
