//! The card page's markup: the amount, Stripe.js's card Element, "save this card for
//! auto-renew", Pay, and the script that runs them ([`SCRIPT`]). Everything the script
//! needs (keys, addresses, texts in the reader's language) is in the form's `data-`
//! attributes; the client secrets come from our server when Pay is pressed.

use maud::{Markup, PreEscaped, html};

use crate::app::App;
use crate::i18n::{Locale, t, tf};
use crate::orders::Order;
use crate::payments::store::Payment;

use super::Portal;

/// Works with the real Stripe.js and with localstripe's fake one alike:
/// `elements().create('card')`, `confirmCardSetup`, and for 3-D Secure after our
/// server's confirm `handleNextAction` (Stripe.js) or `confirmCardPayment` (all
/// localstripe has).
const SCRIPT: &str = include_str!("card.js");

/// The tag Stripe.js knows the language by: it has `zh` for Simplified Chinese, not `zh-CN`.
fn stripe_locale(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "en",
        Locale::ZhHk => "zh-HK",
        Locale::ZhCn => "zh",
    }
}

pub fn card_page(app: &App, portal: &Portal, payment: &Payment, order: &Order) -> Markup {
    let locale = portal.locale;
    let stripe = &app.config.payments.providers.stripe;
    let amount = payment.amount.to_string();
    let base = format!("/pay/stripe/{}", payment.id);
    html! {
        h1 { (t(locale, "card.title")) }
        dl.facts {
            dt { (t(locale, "card.amount")) }
            dd data-testid="card-amount" { (amount) }
        }
        form #card-form .stack method="post" action={ (base) "/confirm" } novalidate
            data-key=(stripe.publishable_key)
            data-locale=(stripe_locale(locale))
            data-csrf=(portal.csrf)
            data-setup-url={ (base) "/setup" }
            data-confirm-url={ (base) "/confirm" }
            data-processing=(t(locale, "card.processing"))
            data-failed=(t(locale, "card.failed"))
            data-unavailable=(t(locale, "card.unavailable")) {
            div {
                label #card-label { (t(locale, "card.details")) }
                div #card-element .card-element role="group" aria-labelledby="card-label" {}
                span.hint { (t(locale, "card.secure")) }
            }
            div {
                input #card-save type="checkbox" name="save" value="on";
                " " label.inline for="card-save" { (t(locale, "card.save")) }
                span.hint { (t(locale, "card.save_hint")) }
            }
            // Enabled once Stripe.js has mounted the card Element.
            button #card-pay type="submit" disabled { (tf(locale, "card.pay", &[("amount", &amount)])) }
            p #card-message role="alert" aria-live="assertive" {}
        }
        noscript { (super::super::layout::notice(&t(locale, "card.noscript"), true)) }
        p { a href={ "/orders/" (order.id) } { (t(locale, "card.back")) } }
        script src=(stripe.js_url) {}
        script { (PreEscaped(SCRIPT)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stripe.js's supported locales (docs.stripe.com/js/appendix/supported_locales)
    /// name Simplified Chinese `zh`; an unknown tag would leave its card form in the
    /// browser's language.
    #[test]
    fn the_card_form_speaks_each_language_by_a_tag_stripe_knows() {
        let stripe_knows = ["en", "zh", "zh-HK", "zh-TW"];
        for locale in Locale::ALL {
            assert!(stripe_knows.contains(&stripe_locale(locale)), "{locale:?}");
        }
        assert_eq!(stripe_locale(Locale::ZhCn), "zh");
    }
}
