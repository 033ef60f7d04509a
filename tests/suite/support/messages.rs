//! The file outbox standing in for SMS and email: what was sent, and the codes in it.

use std::path::PathBuf;

use datacard::messages::{FileOutbox, OutboxEntry};

use super::TestApp;

impl TestApp {
    pub fn outbox_path(&self) -> PathBuf {
        self.dir.path().join("outbox.jsonl")
    }

    /// Every SMS and email sent so far, oldest first. Messages about accounts leave
    /// through the job queue: those due are sent first, as the worker would.
    pub async fn outbox(&self) -> Vec<OutboxEntry> {
        self.send_queued_messages().await;
        self.outbox_as_sent().await
    }

    /// Runs the queued account messages that are due (and nothing else).
    pub async fn send_queued_messages(&self) {
        datacard::jobs::run_due_of_kind(&self.app, "outbox", datacard::accounts::MESSAGE_JOB)
            .await
            .expect("send queued messages");
    }

    /// The outbox as it is, without sending what is queued.
    pub async fn outbox_as_sent(&self) -> Vec<OutboxEntry> {
        FileOutbox::new(self.outbox_path())
            .entries()
            .await
            .expect("read the outbox")
    }

    /// Messages sent to one phone or email address, oldest first.
    pub async fn messages_to(&self, destination: &str) -> Vec<OutboxEntry> {
        self.outbox()
            .await
            .into_iter()
            .filter(|entry| entry.message.to == destination)
            .collect()
    }

    /// The newest message to `destination`.
    pub async fn last_message(&self, destination: &str) -> OutboxEntry {
        self.messages_to(destination)
            .await
            .pop()
            .unwrap_or_else(|| panic!("nothing was sent to {destination}"))
    }

    /// The six-digit code in the newest message to `destination`.
    pub async fn last_code(&self, destination: &str) -> String {
        let entry = self.last_message(destination).await;
        assert_eq!(
            entry.message.kind, "verification_code",
            "the newest message to {destination} is not a code: {entry:?}"
        );
        six_digits(&entry.message.body)
            .unwrap_or_else(|| panic!("no code in {:?}", entry.message.body))
    }
}

/// The first run of exactly six ASCII digits in `text`.
pub fn six_digits(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut start = None;
    for (index, byte) in bytes.iter().chain(std::iter::once(&b' ')).enumerate() {
        match (byte.is_ascii_digit(), start) {
            (true, None) => start = Some(index),
            (false, Some(from)) => {
                if index - from == 6 {
                    return Some(text[from..index].to_owned());
                }
                start = None;
            }
            _ => {}
        }
    }
    None
}
