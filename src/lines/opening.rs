//! When a new eSIM's validity starts (`[lines] validity_start`). Sold `at_payment`, its
//! first period starts at once. Sold `at_install`, its periods are placed from the
//! latest start (payment + `latest_start_days`) and the line waits (`lines.opens_by`):
//! the first use the network reports moves them all earlier to start then, or the
//! latest start comes and they simply run from it. Either way they open once: the
//! guarded update that clears `opens_by` is the only way to move them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::config::ValidityStart;
use crate::db::{Backend, Tx};
use crate::error::Result;

use super::batch::{CHUNK, placeholders};

/// The latest start of a line sold at `paid_at`, when it waits for its install.
pub fn latest_start(rule: ValidityStart, paid_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match rule {
        ValidityStart::AtPayment => None,
        ValidityStart::AtInstall { latest_days } => {
            Some(paid_at + chrono::Duration::days(i64::from(latest_days)))
        }
    }
}

/// When a waiting line (sold at `sold_at`, latest start `opens_by`) opens on its
/// first use at `first_use`, reported at `now`: then, but never before it was sold
/// nor after now. `None` once the latest start has come: its periods run from there
/// already and are not moved again.
pub fn opens_at(
    sold_at: DateTime<Utc>,
    opens_by: DateTime<Utc>,
    first_use: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    (opens_by > now).then(|| first_use.max(sold_at).min(now))
}

/// Opens the waiting lines among those in `first_use` (ICCID → the start of the
/// earliest usage reported for it), in the usage batch's transaction, before the
/// usage is charged: their periods move earlier so that the first starts at the first
/// use. Returns how many lines opened.
pub async fn open_on_first_use(
    tx: &mut Tx,
    backend: Backend,
    first_use: &BTreeMap<&str, DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<usize> {
    let iccids: Vec<&str> = first_use.keys().copied().collect();
    let mut waiting: Vec<(String, i64, i64)> = Vec::new();
    for chunk in iccids.chunks(CHUNK) {
        let sql = format!(
            "SELECT iccid, opens_by, created_at FROM lines WHERE opens_by IS NOT NULL AND iccid IN ({})",
            placeholders(1, chunk.len())
        );
        let sql = crate::db::positional(backend, &sql);
        let mut query = sqlx::query_as::<_, (String, i64, i64)>(&sql);
        for iccid in chunk {
            query = query.bind(*iccid);
        }
        waiting.extend(query.fetch_all(&mut **tx).await?);
    }
    let mut opened = 0;
    for (iccid, opens_by, created_at) in waiting {
        let Some(used) = first_use.get(iccid.as_str()) else {
            continue;
        };
        let start = opens_at(from_millis(created_at), from_millis(opens_by), *used, now);
        if open(tx, &iccid, opens_by, start, now).await? {
            opened += 1;
        }
    }
    Ok(opened)
}

/// Clears the line's wait (guarded by the latest start read) and, when it opens
/// before that latest start, moves its periods to start at `start`.
async fn open(
    tx: &mut Tx,
    iccid: &str,
    opens_by: i64,
    start: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let cleared = sqlx::query(
        "UPDATE lines SET opens_by = NULL, updated_at = $1 WHERE iccid = $2 AND opens_by = $3",
    )
    .bind(to_millis(now))
    .bind(iccid)
    .bind(opens_by)
    .execute(&mut **tx)
    .await?;
    if cleared.rows_affected() != 1 {
        return Ok(false);
    }
    let Some(start) = start else {
        return Ok(false);
    };
    let earlier = opens_by - to_millis(start);
    // Every period of a waiting line starts at or after its latest start (the first
    // there, renewals queued behind it): all move together, end to end as they were.
    sqlx::query(
        "UPDATE line_periods SET starts_at = starts_at - $1, ends_at = ends_at - $1 \
         WHERE iccid = $2 AND starts_at >= $3",
    )
    .bind(earlier)
    .bind(iccid)
    .bind(opens_by)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// The background job: lines whose latest start has come stop waiting (their
/// periods already run from it). Idempotent; returns how many stopped waiting.
pub async fn open_due(app: &App) -> Result<u64> {
    let now = to_millis(app.now());
    let mut tx = app.db.begin().await?;
    let done = sqlx::query(
        "UPDATE lines SET opens_by = NULL, updated_at = $1 WHERE opens_by IS NOT NULL AND opens_by <= $1",
    )
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(hours)
    }

    #[test]
    fn at_payment_never_waits_and_at_install_waits_at_most_the_days_set() {
        assert_eq!(latest_start(ValidityStart::AtPayment, at(0)), None);
        assert_eq!(
            latest_start(ValidityStart::AtInstall { latest_days: 30 }, at(0)),
            Some(at(30 * 24))
        );
    }

    #[test]
    fn a_waiting_line_opens_at_its_first_use_within_sale_and_now() {
        let sold = at(0);
        let latest = at(240);
        assert_eq!(opens_at(sold, latest, at(5), at(6)), Some(at(5)));
        // Usage stamped before the sale or after the report is held to them.
        assert_eq!(opens_at(sold, latest, at(-3), at(6)), Some(sold));
        assert_eq!(opens_at(sold, latest, at(9), at(6)), Some(at(6)));
        // Once the latest start has come, nothing moves.
        assert_eq!(opens_at(sold, latest, at(239), at(240)), None);
        assert_eq!(opens_at(sold, latest, at(250), at(260)), None);
    }
}
