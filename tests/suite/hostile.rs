//! The attacker's suite: every way issue 10 found to get service, money or access
//! without the right party's say-so, each a story on both databases that stays in
//! the suite. One module per boundary.

mod accounts;
mod audit;
mod idempotency;
mod payments;
mod web;
