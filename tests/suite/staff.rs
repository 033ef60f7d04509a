//! The back office's staff: enrolment by one-time link with password and TOTP,
//! console logins (codes used once, lockout, idle timeout), and what each role may do
//! in the console and on the admin API.

mod attention;
mod books;
mod catalog;
mod catalog_offers;
mod catalog_preview;
mod customers;
mod demo_shift;
mod enrolment;
mod exports;
mod inventory;
mod line_reviews;
mod login;
mod manual_fulfil;
mod messages;
mod refund_console;
mod refund_rejections;
mod refund_top_ups;
mod refunds;
mod roles;

use crate::support::*;
