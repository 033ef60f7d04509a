//! A wallet that cannot pay the order: said on the review, before Pay, with the way
//! on: top up the shortfall (then back to this review) or pay another way.

use axum::http::HeaderMap;
use maud::{Markup, html};

use crate::i18n::{t, tf};
use crate::money::Money;
use crate::web::cookies;

use super::super::{Portal, form_urlencode};
use super::Choice;

/// The smallest top-up the checkout takes, in whole currency units.
pub const TOP_UP_MIN_UNITS: i64 = 10;

/// How long the way back to the checkout is remembered while the subscriber tops up.
const RESUME_SECS: i64 = 3_600;

/// The top-up that covers `shortfall`: whole units, rounded up, at least the minimum.
pub fn top_up_for(shortfall: i64) -> i64 {
    ((shortfall + 99) / 100).max(TOP_UP_MIN_UNITS)
}

/// Instead of Pay, when the wallet holds less than the total.
pub fn wallet_short(portal: &Portal, choice: &Choice, total: Money, balance: Money) -> Markup {
    let locale = portal.locale;
    let shortfall = Money::new(total.amount - balance.amount, total.currency);
    let units = top_up_for(shortfall.amount);
    let review = serde_urlencoded::to_string(choice).unwrap_or_default();
    let mut other = choice.clone();
    other.method = String::new();
    let other = serde_urlencoded::to_string(&other).unwrap_or_default();
    html! {
        p.notice.error role="alert" data-testid="wallet-short" {
            (tf(locale, "checkout.wallet_short", &[("balance", &balance.to_string()), ("total", &total.to_string()), ("shortfall", &shortfall.to_string())]))
        }
        p { a.button.wide data-testid="top-up-shortfall" href={ "/checkout?topup=" (units) "&resume=" (form_urlencode(&review)) } {
            (tf(locale, "checkout.top_up_shortfall", &[("amount", &Money::new(units * 100, total.currency).to_string())]))
        } }
        p { a.button.secondary.wide data-testid="other-method" href={ "/checkout?" (other) } { (t(locale, "order.other_method")) } }
    }
}

/// The review to come back to, when a top-up was started from one: a cookie, so that
/// it survives the trip to the payment provider.
pub fn remember(portal: &Portal, resume: &str) -> Option<axum::http::HeaderValue> {
    let choice: Choice = serde_urlencoded::from_str(resume).ok()?;
    if choice.plan.is_empty() {
        return None;
    }
    let value = serde_urlencoded::to_string(&choice).ok()?;
    cookies::set(cookies::RESUME, &value, RESUME_SECS, portal.secure)
}

/// The review remembered by [`remember`], as a link, re-read so that only a
/// checkout's own fields go into it.
pub fn resume_link(headers: &HeaderMap) -> Option<String> {
    let value = cookies::get(headers, cookies::RESUME)?;
    let choice: Choice = serde_urlencoded::from_str(value).ok()?;
    if choice.plan.is_empty() {
        return None;
    }
    Some(format!(
        "/checkout/review?{}",
        serde_urlencoded::to_string(&choice).ok()?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_up_covers_the_shortfall_in_whole_dollars_at_least_the_minimum() {
        assert_eq!(top_up_for(16_800), 168);
        assert_eq!(top_up_for(16_801), 169);
        assert_eq!(top_up_for(1), 10);
        assert_eq!(top_up_for(999), 10);
        assert_eq!(top_up_for(1_001), 11);
    }
}
