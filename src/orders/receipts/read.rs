//! Reading receipts and credit notes back: one order's, an account's over a range
//! of time, one by number.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::error::{Error, Result};
use crate::money::{Currency, Money};

use super::{CreditNote, CreditNoteBody, Receipt, ReceiptBody};

/// A receipt or a credit note, found by its number.
#[derive(Debug, Clone)]
pub enum DocumentRef {
    Receipt(Receipt),
    CreditNote(CreditNote),
}

impl DocumentRef {
    /// The receipt or credit note numbered `number`.
    pub async fn find(app: &App, number: &str) -> Result<Option<DocumentRef>> {
        if let Some(note) = credit_note(app, number).await? {
            return Ok(Some(DocumentRef::CreditNote(note)));
        }
        let order: Option<String> =
            sqlx::query_scalar("SELECT order_id FROM receipts WHERE number = $1")
                .bind(number)
                .fetch_optional(app.db.reader())
                .await?;
        match order {
            Some(order) => Ok(receipt_of(app, &order).await?.map(DocumentRef::Receipt)),
            None => Ok(None),
        }
    }
}

const RECEIPT: &str = "SELECT r.number, o.account_id, r.order_id, r.issued_at, r.body \
     FROM receipts r JOIN orders o ON o.id = r.order_id";

type ReceiptRow = (String, String, String, i64, String);

fn receipt(row: ReceiptRow) -> Result<Receipt> {
    let (number, account_id, order_id, issued_at, body) = row;
    let body: ReceiptBody = serde_json::from_str(&body).map_err(Error::internal)?;
    Ok(Receipt {
        number,
        account_id,
        order_id,
        issued_at: from_millis(issued_at),
        body,
    })
}

/// The receipt of `order_id`, once it is paid.
pub async fn receipt_of(app: &App, order_id: &str) -> Result<Option<Receipt>> {
    let row: Option<ReceiptRow> = sqlx::query_as(&format!("{RECEIPT} WHERE r.order_id = $1"))
        .bind(order_id)
        .fetch_optional(app.db.reader())
        .await?;
    row.map(receipt).transpose()
}

/// `account_id`'s receipts issued in `[from, to)`, oldest first.
pub async fn receipts_between(
    app: &App,
    account_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Receipt>> {
    let rows: Vec<ReceiptRow> = sqlx::query_as(&format!(
        "{RECEIPT} WHERE o.account_id = $1 AND r.issued_at >= $2 AND r.issued_at < $3 \
         ORDER BY r.issued_at, r.number"
    ))
    .bind(account_id)
    .bind(to_millis(from))
    .bind(to_millis(to))
    .fetch_all(app.db.reader())
    .await?;
    rows.into_iter().map(receipt).collect()
}

const CREDIT_NOTE: &str = "SELECT number, account_id, order_id, payment_id, amount, currency, body, issued_at \
     FROM credit_notes";

type CreditRow = (
    String,
    String,
    String,
    Option<String>,
    i64,
    String,
    String,
    i64,
);

fn note(row: CreditRow) -> Result<CreditNote> {
    let (number, account_id, order_id, payment_id, amount, currency, body, issued_at) = row;
    let currency = Currency::parse(&currency)
        .map_err(|_| Error::internal(anyhow::anyhow!("credit note {number} has a bad currency")))?;
    let body: CreditNoteBody = serde_json::from_str(&body).map_err(Error::internal)?;
    Ok(CreditNote {
        number,
        account_id,
        order_id,
        payment_id,
        amount: Money::new(amount, currency),
        issued_at: from_millis(issued_at),
        body,
    })
}

/// The credit note numbered `number`.
pub async fn credit_note(app: &App, number: &str) -> Result<Option<CreditNote>> {
    let row: Option<CreditRow> = sqlx::query_as(&format!("{CREDIT_NOTE} WHERE number = $1"))
        .bind(number)
        .fetch_optional(app.db.reader())
        .await?;
    row.map(note).transpose()
}

/// The credit notes against `order_id`'s receipt, oldest first.
pub async fn credit_notes_of_order(app: &App, order_id: &str) -> Result<Vec<CreditNote>> {
    let rows: Vec<CreditRow> = sqlx::query_as(&format!(
        "{CREDIT_NOTE} WHERE order_id = $1 ORDER BY issued_at, number"
    ))
    .bind(order_id)
    .fetch_all(app.db.reader())
    .await?;
    rows.into_iter().map(note).collect()
}

/// `account_id`'s credit notes issued in `[from, to)`, oldest first.
pub async fn credit_notes_between(
    app: &App,
    account_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<CreditNote>> {
    let rows: Vec<CreditRow> = sqlx::query_as(&format!(
        "{CREDIT_NOTE} WHERE account_id = $1 AND issued_at >= $2 AND issued_at < $3 \
         ORDER BY issued_at, number"
    ))
    .bind(account_id)
    .bind(to_millis(from))
    .bind(to_millis(to))
    .fetch_all(app.db.reader())
    .await?;
    rows.into_iter().map(note).collect()
}
