//! Issuing a credit note when money a receipt covered goes back: the operator's
//! refund, a refund staff make (to the payer or the wallet), or one the provider made.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::to_millis;
use crate::db::Tx;
use crate::error::Result;
use crate::jobs;
use crate::money::Money;

use super::super::Order;
use super::{CreditNoteBody, DOCUMENT_JOB, DocumentJob, Series, next_number};

/// Why the money goes back and where.
pub struct CreditReason<'a> {
    /// What it credits, unique: the refund's ledger reference.
    pub reference: &'a str,
    pub payment_id: Option<&'a str>,
    /// `provider` or `wallet`.
    pub destination: &'a str,
    pub reason: &'a str,
}

/// Numbers and stores a credit note of `amount` against `order`'s receipt in `tx` and
/// queues the job that sends it. Nothing when the order has no receipt (money that
/// bought nothing goes back without one) or the reference has its note already.
pub async fn issue_credit_note(
    app: &App,
    tx: &mut Tx,
    order: &Order,
    amount: Money,
    why: CreditReason<'_>,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    if amount.amount <= 0 {
        return Ok(None);
    }
    let receipt: Option<String> =
        sqlx::query_scalar("SELECT number FROM receipts WHERE order_id = $1")
            .bind(order.id.as_str())
            .fetch_optional(&mut **tx)
            .await?;
    let Some(receipt_number) = receipt else {
        return Ok(None);
    };
    let issued: Option<String> =
        sqlx::query_scalar("SELECT number FROM credit_notes WHERE reference = $1")
            .bind(why.reference)
            .fetch_optional(&mut **tx)
            .await?;
    if issued.is_some() {
        return Ok(None);
    }
    let body = CreditNoteBody {
        receipt_number,
        order_id: order.id.to_string(),
        kind: order.kind(),
        plan_names: order.plan_names.clone(),
        plan_code: order.plan_code().map(|p| p.as_str().to_owned()),
        method: order.method,
        destination: why.destination.to_owned(),
        reason: why.reason.to_owned(),
    };
    let body = serde_json::to_string(&body).map_err(crate::error::Error::internal)?;
    let number = next_number(tx, Series::CreditNote, now, app.config.time_zone()).await?;
    sqlx::query(
        "INSERT INTO credit_notes (number, account_id, order_id, payment_id, reference, amount, currency, body, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&number)
    .bind(order.account_id.as_str())
    .bind(order.id.as_str())
    .bind(why.payment_id)
    .bind(why.reference)
    .bind(amount.amount)
    .bind(amount.currency.as_str())
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
    Ok(Some(number))
}
