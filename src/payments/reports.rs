//! The books' figures read from payments: every payment attempt made in a range, a
//! page at a time (the CSV export), and payments by id (to describe refunds).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::error::Result;

/// A payment as the accountant's export lists it.
#[derive(Debug, Clone)]
pub struct PaymentExportRow {
    pub id: String,
    pub order_id: String,
    pub created_at: DateTime<Utc>,
    pub provider: String,
    pub method: String,
    pub amount: i64,
    pub currency: String,
    pub state: String,
    pub provider_ref: Option<String>,
    pub attention: Option<String>,
}

type Tuple = (
    String,
    String,
    i64,
    String,
    String,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
);

const COLUMNS: &str =
    "id, order_id, created_at, provider, method, amount, currency, state, provider_ref, attention";

fn row(r: Tuple) -> PaymentExportRow {
    PaymentExportRow {
        id: r.0,
        order_id: r.1,
        created_at: from_millis(r.2),
        provider: r.3,
        method: r.4,
        amount: r.5,
        currency: r.6,
        state: r.7,
        provider_ref: r.8,
        attention: r.9,
    }
}

/// Payments opened in `[from, to)`, oldest first, a page of at most `limit` after
/// `after` (`created_at` millis and id of the last row seen).
pub async fn made_between(
    app: &App,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<PaymentExportRow>> {
    let (after_at, after_id) = after.unwrap_or((i64::MIN, String::new()));
    let rows: Vec<Tuple> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE created_at >= $1 AND created_at < $2 \
         AND (created_at > $3 OR (created_at = $3 AND id > $4)) ORDER BY created_at, id LIMIT $5"
    ))
    .bind(to_millis(from))
    .bind(to_millis(to))
    .bind(after_at)
    .bind(after_id)
    .bind(limit)
    .fetch_all(app.db.reader())
    .await?;
    Ok(rows.into_iter().map(row).collect())
}

/// The payments named, by id (those that exist).
pub async fn by_ids(app: &App, ids: &[String]) -> Result<HashMap<String, PaymentExportRow>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM payments WHERE id IN ({})",
        marks.join(", ")
    );
    let mut query = sqlx::query_as::<_, Tuple>(&sql);
    for id in ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(app.db.reader()).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let payment = row(r);
            (payment.id.clone(), payment)
        })
        .collect())
}
