//! datacard: a self-hosted platform for operators that sell prepaid eSIM data plans.
//!
//! The binary is a thin `main` over [`cli`]; the server is built by
//! [`server::serve`] from an injected listener and shutdown future.

pub mod accounts;
pub mod announcements;
pub mod api_keys;
pub mod app;
pub mod audit;
pub mod auto_renew;
pub mod background;
pub mod bench;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod customers;
pub mod db;
pub mod demo;
pub mod error;
pub mod help;
pub mod i18n;
pub mod ids;
pub mod inventory;
pub mod jobs;
pub mod ledger;
pub mod lines;
pub mod markdown;
pub mod messages;
pub mod money;
pub mod network;
pub mod orders;
pub mod payments;
pub mod preferences;
pub mod private_files;
pub mod promotions;
pub mod records;
pub mod reports;
pub mod sealed;
pub mod server;
pub mod signature;
pub mod staff;
pub mod tickets;
pub mod usage;
pub mod volume;
pub mod watch;
pub mod web;
