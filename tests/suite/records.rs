//! Records a subscriber can check: receipts and credit notes (numbered without gaps
//! per series, also under concurrent payments), the history, monthly statements that
//! equal the ledger, their PDF (read back with poppler's pdftotext, drawn with
//! pdftoppm) and CSV, and the bad inputs, on SQLite and PostgreSQL.

mod bad_input;
mod helpers;
mod history;
mod numbers;
mod pdf;
mod statements;
