//! Orders and payments as a subscriber and an operator meet them: quotes, orders paid
//! by card at the sandbox provider, its notifications (late, lost, repeated,
//! reordered, forged), reconciliation, expiry, refunds and the wallet. Every story
//! runs on SQLite and on PostgreSQL and ends with the ledger check.
//!
//! Nothing delivers the sandbox's notifications in tests: the stories take them from
//! [`bank::due_notifications`] and post them to the webhook themselves, once, twice,
//! backwards or never.

mod bad_input;
mod cancel;
mod checkout_portal;
mod concurrency;
mod failed_and_late;
mod helpers;
mod install;
mod new_esim;
mod notifications;
mod pay_on_phone;
mod phone_browser;
mod wallet;
mod way_on;
