//! The operator's stock of eSIM profiles: ICCID and SGP.22 activation code parts,
//! imported from CSV and allocated one per new-eSIM order; how much is left
//! ([`stock`]), and the alert when it runs low ([`low_stock`]).

pub mod low_stock;
mod stock;

pub use stock::{Counts, Stock, stock};

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::db::{Backend, Tx};
use crate::error::Result;
use crate::lines::Iccid;

/// An eSIM profile not yet sold, with its SGP.22 activation code (`1$<SM-DP+>$<matching id>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeEsim {
    pub iccid: Iccid,
    pub activation_code: String,
}

#[derive(sqlx::FromRow)]
struct FreeRow {
    iccid: String,
    smdp_address: String,
    matching_id: String,
}

/// The oldest eSIM not yet sold, held for the caller's transaction (on PostgreSQL,
/// skipping those other transactions hold).
pub async fn next_free(tx: &mut Tx, backend: Backend) -> Result<Option<FreeEsim>> {
    let lock = if backend == Backend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let row: Option<FreeRow> = sqlx::query_as(&format!(
        "SELECT iccid, smdp_address, matching_id FROM esim_inventory WHERE order_id IS NULL ORDER BY imported_at, iccid LIMIT 1{lock}"
    ))
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| {
        Ok(FreeEsim {
            iccid: Iccid::from_stored(&row.iccid)?,
            activation_code: format!("1${}${}", row.smdp_address, row.matching_id),
        })
    })
    .transpose()
}

/// Gives the eSIM to the order (guarded: only while it is still free).
pub async fn allocate(
    tx: &mut Tx,
    iccid: &Iccid,
    order_id: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let allocated = sqlx::query(
        "UPDATE esim_inventory SET order_id = $1, allocated_at = $2 WHERE iccid = $3 AND order_id IS NULL",
    )
    .bind(order_id)
    .bind(to_millis(now))
    .bind(iccid.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(allocated.rows_affected() == 1)
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub added: usize,
    pub already_there: usize,
    /// `(line number, problem)`; the good rows are imported anyway.
    pub rejected: Vec<(usize, String)>,
}

/// CSV with a header `iccid,smdp_address,matching_id`; what was added is audited
/// under `actor`, and the low-stock alert is checked at once.
pub async fn import_csv(app: &App, text: &str, actor: &str) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header))
            if header
                .trim()
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case("iccid,smdp_address,matching_id") => {}
        _ => {
            report.rejected.push((
                1,
                "the header must be iccid,smdp_address,matching_id".into(),
            ));
            return Ok(report);
        }
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    for (index, line) in lines {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [iccid, smdp, matching] = fields.as_slice() else {
            report
                .rejected
                .push((number, "needs exactly 3 fields".into()));
            continue;
        };
        let Ok(iccid) = Iccid::parse(iccid) else {
            report.rejected.push((number, "ICCID is not valid".into()));
            continue;
        };
        if !is_host(smdp) {
            report
                .rejected
                .push((number, "SM-DP+ address must be a host name".into()));
            continue;
        }
        if matching.is_empty()
            || matching.len() > 64
            || !matching
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            report
                .rejected
                .push((number, "matching id must be 1–64 of A–Z, 0–9 and -".into()));
            continue;
        }
        let inserted = sqlx::query(
            "INSERT INTO esim_inventory (iccid, smdp_address, matching_id, imported_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (iccid) DO NOTHING",
        )
        .bind(iccid.as_str())
        .bind(smdp.to_ascii_lowercase())
        .bind(matching.to_ascii_uppercase())
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 1 {
            report.added += 1;
        } else {
            report.already_there += 1;
        }
    }
    if report.added > 0 {
        let key = crate::audit::Key::from_secret(&app.secret);
        let detail = format!(
            "{} added, {} already there, {} refused",
            report.added,
            report.already_there,
            report.rejected.len()
        );
        crate::audit::record(
            &mut tx,
            &key,
            now,
            actor,
            "inventory.import",
            low_stock::SUBJECT,
            &detail,
        )
        .await?;
    }
    tx.commit().await?;
    low_stock::check(app).await?;
    Ok(report)
}

fn is_host(text: &str) -> bool {
    text.len() <= 253
        && text.contains('.')
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// eSIMs not yet sold.
pub async fn available(app: &App) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM esim_inventory WHERE order_id IS NULL")
        .fetch_one(app.db.reader())
        .await?;
    Ok(row.try_get(0)?)
}

/// A demo stock of `count` eSIMs (ICCIDs 8985201…), as CSV.
pub fn demo_csv(count: u32) -> String {
    let mut csv = String::from("iccid,smdp_address,matching_id\n");
    for n in 0..count {
        if let Ok(iccid) = Iccid::with_check_digit(&format!("8985201{:011}", n)) {
            csv.push_str(&format!(
                "{iccid},rsp.datacard.example,DC-{:04}-DEMO\n",
                n + 1
            ));
        }
    }
    csv
}
