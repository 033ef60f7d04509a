//! Receipts and credit notes: numbered without gaps per series (`R2026-000001`,
//! `CN2026-000001`) in the transaction that fulfils or refunds, and kept as what they
//! said when issued. Sending them and showing them is `records`' work; the jobs that
//! send them are queued here, in the same transaction.

mod credit_note;
mod issue;
mod number;
mod read;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::payments::Method;

use super::{Breakdown, OrderKind};

pub use credit_note::{CreditReason, issue_credit_note};
pub use issue::issue_receipt;
pub use number::{Series, format_number, next_number};
pub use read::{
    DocumentRef, credit_note, credit_notes_between, credit_notes_of_order, receipt_of,
    receipts_between,
};

/// The job that sends a receipt or credit note (email and a short SMS): its payload is
/// a [`DocumentJob`]; `background` routes it to `records`.
pub const DOCUMENT_JOB: &str = "records.send_document";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentJob {
    /// The receipt's or credit note's number.
    pub number: String,
}

/// One period a receipt's order bought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodDates {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// What a receipt says, as issued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceiptBody {
    pub order_id: String,
    pub kind: OrderKind,
    #[serde(default)]
    pub plan_code: Option<String>,
    /// The plan's names by language, as sold.
    #[serde(default)]
    pub plan_names: BTreeMap<String, String>,
    #[serde(default)]
    pub iccid: Option<String>,
    /// The periods bought, with their dates when issued.
    #[serde(default)]
    pub period_dates: Vec<PeriodDates>,
    pub breakdown: Breakdown,
    pub method: Method,
    /// `wallet`, `free`, or the payment provider's name.
    pub provider: String,
    #[serde(default)]
    pub payment_id: Option<String>,
    /// The provider's own reference for the payment (a PaymentIntent, a trade number).
    #[serde(default)]
    pub provider_reference: Option<String>,
    #[serde(default)]
    pub paid_at: Option<DateTime<Utc>>,
}

/// A receipt as stored: its number, whose it is and what it says.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub number: String,
    pub account_id: String,
    pub order_id: String,
    pub issued_at: DateTime<Utc>,
    pub body: ReceiptBody,
}

impl Receipt {
    pub fn paid_at(&self) -> DateTime<Utc> {
        self.body.paid_at.unwrap_or(self.issued_at)
    }
}

/// What a credit note says, as issued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreditNoteBody {
    /// The receipt it credits.
    pub receipt_number: String,
    pub order_id: String,
    pub kind: OrderKind,
    #[serde(default)]
    pub plan_names: BTreeMap<String, String>,
    #[serde(default)]
    pub plan_code: Option<String>,
    pub method: Method,
    /// Where the money goes: `provider` (back to the payer) or `wallet`.
    pub destination: String,
    /// Why (`customer_request`, `service_problem`, … or `provider` for a refund the
    /// provider made).
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct CreditNote {
    pub number: String,
    pub account_id: String,
    pub order_id: String,
    pub payment_id: Option<String>,
    pub amount: crate::money::Money,
    pub issued_at: DateTime<Utc>,
    pub body: CreditNoteBody,
}
