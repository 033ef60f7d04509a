//! The chain that makes the audit log tamper-evident. Every entry carries
//! `prev_hash`, the `hash` of the entry before it ([`GENESIS`] for the first), and its
//! own `hash`: an HMAC-SHA-256 over a canonical encoding of the entry and its
//! `prev_hash`, under a key derived from the server secret.
//!
//! An HMAC, not a plain SHA-256: anyone who can write to the database could change an
//! entry and recompute plain hashes down the chain; without the secret, which lives
//! in the configuration or `<data_dir>/secret.key` and never in the database, they
//! cannot make a hash that verifies. The price: the log verifies only under the
//! secret it was recorded with.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::clock::{from_millis, to_millis};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

use super::Entry;

/// The `prev_hash` of entry 1.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What the audit log's hashes are made with: derived from the server secret, so
/// that a MAC of the log is never a MAC of anything else made with the secret.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl Key {
    pub fn from_secret(secret: &[u8]) -> Key {
        let mut derive = hmac(secret);
        derive.update(b"datacard audit log chain v1");
        Key(derive.finalize().into_bytes().into())
    }

    /// The entry's hash given the hash of the entry before it: lowercase hex.
    pub(crate) fn hash(&self, entry: &Entry, prev_hash: &str) -> String {
        let mut mac = hmac(&self.0);
        mac.update(&entry.seq.to_be_bytes());
        mac.update(&to_millis(entry.at).to_be_bytes());
        for field in [
            &entry.id,
            &entry.actor,
            &entry.action,
            &entry.subject,
            &entry.detail,
        ] {
            length_prefixed(&mut mac, field);
        }
        length_prefixed(&mut mac, prev_hash);
        hex::encode(mac.finalize().into_bytes())
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("audit::Key(…)")
    }
}

fn hmac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length: `new_from_slice` cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"))
}

/// Lengths first, so that no two different entries encode to the same bytes.
fn length_prefixed(mac: &mut Hmac<Sha256>, field: &str) {
    mac.update(&(field.len() as u64).to_be_bytes());
    mac.update(field.as_bytes());
}

/// An entry as stored, with its links.
pub(crate) struct Stored {
    pub entry: Entry,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

pub(crate) const STORED_COLUMNS: &str =
    "seq, id, at, actor, action, subject, detail, prev_hash, hash";

pub(crate) fn entry_of(row: &AnyRow) -> Result<Entry> {
    Ok(Entry {
        seq: row.try_get("seq")?,
        id: row.try_get("id")?,
        at: from_millis(row.try_get("at")?),
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        subject: row.try_get("subject")?,
        detail: row.try_get("detail")?,
    })
}

pub(crate) fn stored_of(row: &AnyRow) -> Result<Stored> {
    Ok(Stored {
        entry: entry_of(row)?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Takes the next number, holding the head until the transaction ends: entries are
/// numbered in the order their transactions commit, with no gaps (a rolled-back
/// transaction gives its number back).
pub(crate) async fn next_seq(tx: &mut Tx) -> Result<i64> {
    sqlx::query_scalar("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq")
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| Error::internal(anyhow::anyhow!("audit_head has no row")))
}

/// Locks the head until the transaction ends (SQLite has one writer anyway).
pub(crate) async fn hold_head(tx: &mut Tx) -> Result<()> {
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The hash the entry numbered `seq` follows: the newest entry's before it, sealing
/// the entries recorded before the log was chained first if that is what they are.
pub(crate) async fn prev_hash(tx: &mut Tx, key: &Key, seq: i64) -> Result<String> {
    let mut hash = newest_before(tx, seq).await?;
    if hash == Some(None) {
        seal_in(tx, key).await?;
        hash = newest_before(tx, seq).await?;
    }
    // Still none: the log was tampered with; `audit verify` names the entry.
    Ok(hash.flatten().unwrap_or_else(|| GENESIS.to_owned()))
}

/// The hash of the newest entry numbered below `seq`: `None` when there is none,
/// `Some(None)` when it has no hash.
async fn newest_before(tx: &mut Tx, seq: i64) -> Result<Option<Option<String>>> {
    Ok(
        sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT 1")
            .bind(seq)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

/// Gives the entries recorded before the log was chained their hashes, in order,
/// when no entry has a hash yet (the first start after the upgrade); the number of
/// entries sealed. Run at start; safe with several nodes starting at once.
pub async fn seal(db: &Db, key: &Key) -> Result<u64> {
    let mut tx = db.begin().await?;
    let sealed = seal_in(&mut tx, key).await?;
    tx.commit().await?;
    Ok(sealed)
}

async fn seal_in(tx: &mut Tx, key: &Key) -> Result<u64> {
    // No entry is recorded, nor another seal made, meanwhile.
    hold_head(tx).await?;
    let chained: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE hash IS NOT NULL")
        .fetch_one(&mut **tx)
        .await?;
    if chained > 0 {
        // Sealed already: an entry without a hash now is for `audit verify` to name.
        return Ok(0);
    }
    let rows = sqlx::query(&format!(
        "SELECT {STORED_COLUMNS} FROM audit_log ORDER BY seq"
    ))
    .fetch_all(&mut **tx)
    .await?;
    let mut prev_hash = GENESIS.to_owned();
    for row in &rows {
        let entry = entry_of(row)?;
        let hash = key.hash(&entry, &prev_hash);
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3")
            .bind(&prev_hash)
            .bind(&hash)
            .bind(&entry.id)
            .execute(&mut **tx)
            .await?;
        prev_hash = hash;
    }
    Ok(rows.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(detail: &str) -> Entry {
        Entry {
            seq: 1,
            id: "aud_1".into(),
            at: from_millis(1_700_000_000_000),
            actor: "cli".into(),
            action: "plan.version".into(),
            subject: "HK-1D-1G".into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn every_field_and_the_link_are_covered() {
        let key = Key::from_secret(b"a secret of some length");
        let hash = key.hash(&entry("version 1"), GENESIS);
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, key.hash(&entry("version 1"), GENESIS));
        assert_ne!(hash, key.hash(&entry("version 2"), GENESIS));
        assert_ne!(hash, key.hash(&entry("version 1"), &hash));
        let mut later = entry("version 1");
        later.seq = 2;
        assert_ne!(hash, key.hash(&later, GENESIS));
        let other = Key::from_secret(b"another secret");
        assert_ne!(hash, other.hash(&entry("version 1"), GENESIS));
    }

    #[test]
    fn fields_cannot_be_shifted_into_each_other() {
        let key = Key::from_secret(b"a secret of some length");
        let mut one = entry("");
        one.actor = "ab".into();
        one.action = "c".into();
        let mut two = entry("");
        two.actor = "a".into();
        two.action = "bc".into();
        assert_ne!(key.hash(&one, GENESIS), key.hash(&two, GENESIS));
    }

    #[test]
    fn the_key_does_not_show_in_debug() {
        assert_eq!(
            format!("{:?}", Key::from_secret(b"s3cret")),
            "audit::Key(…)"
        );
    }
}
