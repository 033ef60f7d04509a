//! The integration tests: one binary, one module per subject. Shared helpers are in
//! `support/` (the story harness, and local stand-ins for the payment providers).
//!
//! Run one subject with `cargo test --test suite <module>::`, e.g.
//! `cargo test --test suite orders::`.

#[macro_use]
mod support;

mod accounts;
mod admin;
mod alipay {
    mod api;
    mod story;
    mod vectors;
}
mod architecture;
mod auto_renew;
mod browser;
mod card;
mod cli;
mod fakes;
mod hostile;
mod languages;
mod news;
mod orders;
mod phone_numbers;
mod prices;
mod promotions;
mod records;
mod schema;
mod signup;
mod staff;
mod tickets;
mod stripe {
    mod fixtures;
    mod localstripe;
    mod wire;
}
mod usage;
mod watch;
mod wechat_pay {
    mod api;
    mod story;
    mod vectors;
}
