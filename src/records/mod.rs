//! Records a subscriber can check: each payment's receipt and each refund's credit
//! note (numbered and stored by `orders` in the order's transaction; shown, sent and
//! drawn as PDF here), the history of every movement of their money (built from the
//! ledger's transactions about them), and monthly statements in the operator's time
//! zone, emailed on the 1st to those who opted in.

pub mod csv;
pub mod format;
pub mod history;
pub mod mail;
pub mod month;
pub mod pdf;
pub mod receipt;
pub mod statement;

pub use mail::{STATEMENT_JOB, send_document, send_statement, statements_by_email, statements_due};
pub use month::Month;
pub use receipt::{CreditNoteView, Issuer, ReceiptView};
