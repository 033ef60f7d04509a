//! The file outbox: every message appended as one JSON line to `outbox.jsonl`.

use std::path::PathBuf;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

use super::{Message, Sender};

#[derive(Debug)]
pub struct FileOutbox {
    path: PathBuf,
    write: Mutex<()>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    #[serde(flatten)]
    pub message: Message,
}

impl FileOutbox {
    /// An outbox at `path`, which is kept private to the server's user.
    pub fn new(path: PathBuf) -> Self {
        if let Err(error) = crate::private_files::tighten(&path) {
            tracing::warn!(%error, path = %path.display(), "cannot make the outbox private");
        }
        Self {
            path,
            write: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Every entry, oldest first; lines that do not parse are skipped.
    pub async fn entries(&self) -> anyhow::Result<Vec<OutboxEntry>> {
        let text = match tokio::fs::read_to_string(&self.path).await {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(error.into()),
        };
        Ok(text
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect())
    }
}

#[async_trait::async_trait]
impl Sender for FileOutbox {
    async fn send(&self, message: &Message) -> anyhow::Result<()> {
        let entry = OutboxEntry {
            at: chrono::Utc::now(),
            message: message.clone(),
        };
        let mut line = serde_json::to_string(&entry)?;
        line.push('\n');
        let _guard = self.write.lock().await;
        if let Some(parent) = self.path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let mut file = tokio::fs::OpenOptions::from(crate::private_files::options())
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .with_context(|| format!("cannot open outbox {}", self.path.display()))?;
        file.write_all(line.as_bytes()).await?;
        file.flush().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;
    use crate::messages::Channel;

    #[tokio::test]
    async fn appends_one_json_line_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = FileOutbox::new(dir.path().join("outbox.jsonl"));
        for n in 0..3 {
            let message = Message {
                channel: Channel::Sms,
                to: "+85291234567".into(),
                locale: Locale::ZhHk,
                kind: "verification_code".into(),
                subject: String::new(),
                body: format!("驗證碼 {n}"),
                html: None,
                unsubscribe: None,
            };
            outbox.send(&message).await.unwrap();
        }
        let text = std::fs::read_to_string(outbox.path()).unwrap();
        assert_eq!(text.lines().count(), 3);
        let entries = outbox.entries().await.unwrap();
        assert_eq!(entries[2].message.body, "驗證碼 2");
        assert_eq!(entries[0].message.to, "+85291234567");
    }
}
