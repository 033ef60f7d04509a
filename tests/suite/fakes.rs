//! Payments through the local fakes of Stripe, Alipay and WeChat Pay (`src/fakes/`),
//! without a browser: a demo server with `payments.fakes` on a loopback port, orders
//! placed over the API and paid on the fakes' pages over HTTP, fulfilled by the fakes'
//! signed notifications (verified by the real adapters); then refunds and closes
//! through each adapter, Alipay and WeChat Pay through Stripe, and Alipay's page pay.
//! (`tests/suite/browser.rs` walks the same fakes in Chromium.)

mod cards;
mod helpers;
mod wallets;
