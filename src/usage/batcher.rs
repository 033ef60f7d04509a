//! Group commit at the edge: requests hand their records to one writer task, which
//! takes everything waiting (up to a batch), applies it in one transaction and
//! answers each request after the commit. Under low load a batch is one request and
//! goes at once; under high load commits are shared.

use std::sync::Weak;

use tokio::sync::{mpsc, oneshot};

use crate::app::{App, Inner};
use crate::error::{Error, Result};

use super::engine::{RecordResult, ingest};
use super::{MAX_BATCH, UsageRecord};

type Reply = oneshot::Sender<Result<Vec<RecordResult>>>;

pub struct Batcher {
    queue: mpsc::Sender<(Vec<UsageRecord>, Reply)>,
}

/// Applies `records` through the shared writer; answers after the durable commit.
pub async fn submit(app: &App, records: Vec<UsageRecord>) -> Result<Vec<RecordResult>> {
    let batcher = app.usage_batcher.get_or_init(|| start(app));
    let (reply, answer) = oneshot::channel();
    batcher
        .queue
        .send((records, reply))
        .await
        .map_err(|_| Error::internal(anyhow::anyhow!("usage writer stopped")))?;
    answer
        .await
        .map_err(|_| Error::internal(anyhow::anyhow!("usage writer dropped the batch")))?
}

fn start(app: &App) -> Batcher {
    let (queue, mut incoming) = mpsc::channel::<(Vec<UsageRecord>, Reply)>(256);
    let weak: Weak<Inner> = app.downgrade();
    tokio::spawn(async move {
        while let Some(first) = incoming.recv().await {
            let mut waiting = vec![first];
            let mut count = waiting[0].0.len();
            while count < MAX_BATCH {
                match incoming.try_recv() {
                    Ok(next) => {
                        count += next.0.len();
                        waiting.push(next);
                    }
                    Err(_) => break,
                }
            }
            let Some(app) = App::upgrade(&weak) else {
                return;
            };
            let combined: Vec<UsageRecord> = waiting
                .iter()
                .flat_map(|(records, _)| records.iter().cloned())
                .collect();
            let result = ingest(&app, &combined).await;
            let mut offset = 0;
            for (records, reply) in waiting {
                let answer = match &result {
                    Ok(results) => Ok(results[offset..offset + records.len()].to_vec()),
                    Err(error) => Err(Error::internal(anyhow::anyhow!(
                        "usage batch failed: {error}"
                    ))),
                };
                offset += records.len();
                let _ = reply.send(answer);
            }
        }
    });
    Batcher { queue }
}
