//! Auto-renew through time jumps: a wallet line renews itself once per period, a
//! short wallet is dunned on schedule and recovers after a top-up, nothing is tried
//! after the period ended, Alipay lines get a reminder instead of an order, quiet
//! hours hold back non-urgent SMS, and the API and portal switch refuse bad input.
//! Every story runs on SQLite and on PostgreSQL and ends with the ledger check.

mod helpers;
mod quiet_hours;
mod reminders;
mod renewing;
mod switch;
