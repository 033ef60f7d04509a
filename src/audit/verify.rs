//! `datacard audit verify`: walks the chain from entry 1 and names every entry that
//! breaks it. A `ledger check` for the audit log.

use std::fmt;

use crate::db::Db;
use crate::error::Result;

use super::chain::{GENESIS, Key, STORED_COLUMNS, Stored, stored_of};

/// Entries read at a time.
const BATCH: i64 = 500;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Entries read.
    pub entries: u64,
    /// The last number the log gave out.
    pub head: i64,
    /// The hash of entry `head`, to note down elsewhere: whoever can write to the
    /// database can remove the newest entries and set the head back, and only a hash
    /// kept outside shows it.
    pub head_hash: Option<String>,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The entry's hash is not the MAC of what it says: it was changed after it was
    /// recorded, or made without the secret.
    Changed { seq: i64, id: String },
    /// The entry has no hash.
    Unsealed { seq: i64, id: String },
    /// The entry's `prev_hash` is not the hash of the entry before it: that entry was
    /// replaced, or this one put in its place.
    Unlinked { seq: i64, id: String },
    /// Entries `from` to `to` are missing.
    Removed { from: i64, to: i64 },
    /// The entry's number was never given out: it was not recorded through the log.
    Inserted { seq: i64, id: String, head: i64 },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Changed { seq, id } => write!(
                f,
                "entry {seq} ({id}) does not match its hash: changed after it was recorded, or forged"
            ),
            Problem::Unsealed { seq, id } => write!(f, "entry {seq} ({id}) has no hash"),
            Problem::Unlinked { seq, id } => write!(
                f,
                "entry {seq} ({id}) does not follow entry {}: that entry was replaced, or this one inserted",
                seq - 1
            ),
            Problem::Removed { from, to } if from == to => {
                write!(f, "entry {from} is missing: removed")
            }
            Problem::Removed { from, to } => {
                write!(f, "entries {from} to {to} are missing: removed")
            }
            Problem::Inserted { seq, id, head } => write!(
                f,
                "entry {seq} ({id}) was inserted: the log has given out numbers 1 to {head} only"
            ),
        }
    }
}

/// Checks every entry's hash, that the numbers run from 1 to the head without a gap,
/// and that each entry's `prev_hash` is the hash of the one before.
pub async fn verify(db: &Db, key: &Key) -> Result<Report> {
    let head: i64 = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_one(db.reader())
        .await?;
    let mut walk = Walk {
        report: Report {
            head,
            ..Report::default()
        },
        expected: 1,
        previous_hash: Some(GENESIS.to_owned()),
    };
    let mut after = i64::MIN;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {STORED_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(BATCH)
        .fetch_all(db.reader())
        .await?;
        for row in &rows {
            let stored = stored_of(row)?;
            after = stored.entry.seq;
            walk.step(key, stored);
        }
        if rows.len() < BATCH as usize {
            break;
        }
    }
    Ok(walk.finish())
}

struct Walk {
    report: Report,
    /// The number the next entry should have.
    expected: i64,
    /// The hash the next entry should follow, when the entry before it is there.
    previous_hash: Option<String>,
}

impl Walk {
    fn step(&mut self, key: &Key, stored: Stored) {
        let Stored {
            entry,
            prev_hash,
            hash,
        } = stored;
        let (seq, head) = (entry.seq, self.report.head);
        self.report.entries += 1;
        let problems = &mut self.report.problems;
        if !(1..=head).contains(&seq) {
            let id = entry.id;
            problems.push(Problem::Inserted { seq, id, head });
            return;
        }
        if seq > self.expected {
            problems.push(Problem::Removed {
                from: self.expected,
                to: seq - 1,
            });
            self.previous_hash = None;
        }
        let prev_hash = prev_hash.unwrap_or_default();
        match &hash {
            None => problems.push(Problem::Unsealed {
                seq,
                id: entry.id.clone(),
            }),
            Some(hash) if *hash != key.hash(&entry, &prev_hash) => {
                problems.push(Problem::Changed {
                    seq,
                    id: entry.id.clone(),
                });
            }
            Some(_) => {}
        }
        if let Some(previous) = &self.previous_hash
            && *previous != prev_hash
        {
            problems.push(Problem::Unlinked { seq, id: entry.id });
        }
        self.expected = seq + 1;
        self.previous_hash = hash.clone();
        if seq == head {
            self.report.head_hash = hash;
        }
    }

    fn finish(mut self) -> Report {
        if self.expected <= self.report.head {
            self.report.problems.push(Problem::Removed {
                from: self.expected,
                to: self.report.head,
            });
        }
        self.report
    }
}
