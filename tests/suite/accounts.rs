//! Accounts, sessions, codes, the catalog and the demo, as a subscriber (or an app)
//! meets them through the API. Every story runs on SQLite and on PostgreSQL and ends
//! with the ledger check.

mod catalog_and_operations;
mod codes;
mod helpers;
mod registration;
mod sessions;
