//! Promotions as subscribers meet them, in demo mode: the first-month discount a new
//! subscriber sees and gets, buy 3 get 1 adding four periods to the line, a coupon
//! with a limit of one that cannot be used twice — not even by orders placed at the
//! same instant — and coupons refused for being unknown, expired, early or for
//! another plan, with nothing changed. Every story runs on SQLite and PostgreSQL and
//! ends with the ledger check.

#[macro_use]
mod helpers;

mod coupon_limits;
mod offers;
mod refused_coupons;
