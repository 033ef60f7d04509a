//! The attacker's suite: every way issue 10 found to get service, money or access
//! without the right party's say-so, each a story on both databases that stays in
//! the suite. One module per boundary.

#[macro_use]
mod support;

#[path = "hostile/accounts.rs"]
mod accounts;
#[path = "hostile/audit.rs"]
mod audit;
#[path = "hostile/idempotency.rs"]
mod idempotency;
#[path = "hostile/payments.rs"]
mod payments;
#[path = "hostile/web.rs"]
mod web;
