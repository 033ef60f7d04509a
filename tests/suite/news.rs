//! Announcements and preferences as subscribers and the operator meet them: marketing
//! consent per channel (a marketing announcement reaches only those who opted in, the
//! unsubscribe link stops the next one, the consent log keeps time, channel and
//! source), targeted banners (zone, plan, line status, auto-renew), the schedule,
//! hostile HTML, and refusals that change nothing. Every story runs on SQLite and on
//! PostgreSQL.

mod consent;
mod helpers;
mod refusals;
mod schedule;
mod targeting;
