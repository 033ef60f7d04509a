//! The HTTP network adapter: POSTs each line event to the host's provisioning API,
//! signed with HMAC-SHA256 (`t=<unix>,v1=<hex>` over `t.body`); the job retries.

use std::time::Duration;

use crate::config::NetworkConfig;

use super::{Action, Network};

pub struct HttpNetwork {
    client: reqwest::Client,
    base_url: String,
    secret: Vec<u8>,
}

impl HttpNetwork {
    pub fn new(config: &NetworkConfig) -> Self {
        Self {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(config.timeout_secs))
                .build()
                .unwrap_or_default(),
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            secret: config.secret.expose().as_bytes().to_vec(),
        }
    }
}

#[async_trait::async_trait]
impl Network for HttpNetwork {
    async fn apply(&self, event_id: &str, iccid: &str, action: &Action) -> anyhow::Result<()> {
        let body = serde_json::json!({ "event_id": event_id, "iccid": iccid, "action": action })
            .to_string();
        let timestamp = chrono::Utc::now().timestamp();
        let signature = crate::signature::sign(&self.secret, timestamp, &body);
        let response = self
            .client
            .post(format!("{}/lines/{iccid}/actions", self.base_url))
            .header("content-type", "application/json")
            .header("x-datacard-signature", signature)
            .body(body)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "network answered {}",
            response.status()
        );
        Ok(())
    }
}
