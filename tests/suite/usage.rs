//! Usage as the network, a subscriber and the operator meet it: records posted with a
//! network key and applied once, late records in the right period, throttling at
//! zero, alerts that lead to a renewal, validity running out, CDR imports, the usage
//! page, and many writers at once. Every story runs on SQLite and on PostgreSQL and
//! ends with the ledger check.

mod helpers;
mod import;
mod many_writers;
mod page;
mod posting;
mod property;
mod running_out;
mod validity;
