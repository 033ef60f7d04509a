//! The watch for abnormal charges and usage: each rule fires on its case and stays
//! quiet on ordinary use; a doubled payment and a usage spike each make one alert to
//! the subscriber and one flag for the operator however often the scan runs; the
//! spend cap stops auto-renew; disputes open a support case; bad input is refused.

mod charges;
mod disputes;
mod helpers;
mod ordinary;
mod pages;
mod spend_cap;
mod usage;
