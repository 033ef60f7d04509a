//! Issuing an order's receipt inside its fulfilment's transaction.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::to_millis;
use crate::db::Tx;
use crate::error::Result;
use crate::jobs;

use super::super::Order;
use super::{DOCUMENT_JOB, DocumentJob, PeriodDates, ReceiptBody, Series, next_number};

/// Numbers and stores the receipt of `order`, just fulfilled in `tx` (its periods
/// placed), paid through `provider` by `payment_id` (none for the wallet), and queues
/// the job that sends it. Returns its number.
pub async fn issue_receipt(
    app: &App,
    tx: &mut Tx,
    order: &Order,
    provider: &str,
    payment_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String> {
    let period_dates = crate::lines::of_order(&mut **tx, order.id.as_str())
        .await?
        .into_iter()
        .map(|(starts_at, ends_at)| PeriodDates { starts_at, ends_at })
        .collect();
    let provider_reference = match payment_id {
        Some(id) => crate::payments::store::provider_ref_in(&mut **tx, id).await?,
        None => None,
    };
    let body = ReceiptBody {
        order_id: order.id.to_string(),
        kind: order.kind(),
        plan_code: order.plan_code().map(|p| p.as_str().to_owned()),
        plan_names: order.plan_names.clone(),
        iccid: order.iccid().map(|i| i.as_str().to_owned()),
        period_dates,
        breakdown: order.breakdown.clone(),
        method: order.method,
        provider: provider.to_owned(),
        payment_id: payment_id.map(str::to_owned),
        provider_reference,
        paid_at: Some(now),
    };
    let body = serde_json::to_string(&body).map_err(crate::error::Error::internal)?;
    // The number last: the counter's row stays locked for the shortest time.
    let number = next_number(tx, Series::Receipt, now, app.config.time_zone()).await?;
    sqlx::query(
        "INSERT INTO receipts (order_id, number, payment_id, body, issued_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(order.id.as_str())
    .bind(&number)
    .bind(payment_id)
    .bind(body)
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    jobs::enqueue(
        tx,
        DOCUMENT_JOB,
        Some(&format!("document:{number}")),
        &DocumentJob {
            number: number.clone(),
        },
        now,
        now,
    )
    .await?;
    Ok(number)
}
