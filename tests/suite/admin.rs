//! The operator's back office over the API, in demo mode: a plan created with an
//! operator key goes on sale; a price change makes a new version while an order
//! priced before keeps its own and a stale quote is re-priced; a retired plan sells
//! no more while the lines on it keep their period; a coupon made through the API is
//! used at checkout; the audit log names the key behind every change. And every
//! endpoint refuses what it should — no key, a wrong, revoked or network key, a
//! subscriber's token, bad JSON, impossible values — each with a clear error and
//! nothing changed. Every story runs on SQLite and PostgreSQL and ends with the
//! ledger check.

mod coupons_and_audit;
mod helpers;
mod plans;
mod refusals;
