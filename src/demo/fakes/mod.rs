//! **Local fakes of Stripe, Alipay and WeChat Pay, for the demo and the browser tests
//! only.** They play the providers' part on our own server, under `/fake/stripe/…`,
//! `/fake/alipay/…` and `/fake/wechat_pay/…`, so that a payment runs the whole real
//! adapter path: our adapter → the fake's API (the provider's own wire format,
//! request signatures checked) → the fake's pay page or QR page → a notification
//! signed exactly as the provider signs it (`Stripe-Signature`, Alipay RSA2,
//! `WECHATPAY2-SHA256-RSA2048` with an `AEAD_AES_256_GCM` resource) → our webhook,
//! which verifies it with the adapter's own code → fulfilment.
//!
//! What the fakes are not: a test of the adapters' protocol details (those are
//! checked against localstripe and the providers' SDKs in `tests/`), nor anything
//! that may face real payers. They move no money, keep their books in memory (a
//! restart forgets them; reconciliation then sees unknown payments and the orders
//! expire), and every page they serve says "FAKE … for testing".
//!
//! **Turning them on.** `payments.fakes = true` (only together with `demo = true`;
//! `datacard serve --demo` sets it unless `--sandbox-payments` is given). Then
//! [`wire`] points each method the sandbox would serve at its own provider (card at
//! Stripe, Alipay at Alipay, WeChat Pay at WeChat Pay on the Hong Kong surface unless
//! prices are in CNY; a method set to another provider, such as `alipay.provider =
//! "stripe"`, keeps it), each provider's section at the fake on our own `public_url`
//! with the test-only identities and keys of [`keys`], and [`routes`] mounts the
//! fakes. Without the flag nothing here is reachable.
//!
//! **Where the fakes differ from the real thing, on purpose.**
//! - Stripe cards: a real deployment takes the card with Stripe.js on our card page
//!   `/pay/stripe/{payment_id}` (a SetupIntent, then the PaymentIntent confirmed by
//!   our server). With the fake, that page forwards to the fake's hosted card page
//!   ([`stripe::card_page_url`]), which plays Stripe.js's `confirmCardPayment` with
//!   the PaymentIntent's client secret; the fake has no SetupIntents or Customers,
//!   so cards cannot be saved and card auto-renew is not offered with it.
//! - WeChat Pay's `code_url` is `weixin://wxpay/bizpayurl?pr=…` for real; the fake's
//!   is an `http` link to its "scanned in the WeChat app" page, so that a browser (or
//!   a phone that scans it) can open it. Alipay's `qr_code` is an `https` link for
//!   real too, so the fake's only differs by host.
//! - After paying on a QR page (the "wallet app"), the fake goes back to the page
//!   that linked to it, when that page is on our own site: a real wallet app has no
//!   way back, and the payer looks at the shop's screen again.

pub mod alipay;
mod deliver;
pub mod keys;
mod page;
pub mod stripe;
pub mod wechat_pay;

use axum::Router;

use crate::app::App;
use crate::config::{AlipayConfig, Config, Secret, StripeConfig, WechatPayConfig};
use crate::payments::ProviderName;

/// Whether the fakes serve this configuration's payments.
pub fn active(config: &Config) -> bool {
    config.demo && config.payments.fakes
}

/// Where the fakes live: `<public_url>/fake`.
pub fn base(config: &Config) -> String {
    format!("{}/fake", config.public_url())
}

/// Points the card, Alipay and WeChat Pay methods at the fakes when they are
/// [`active`]; otherwise changes nothing. Running it twice changes nothing more.
pub fn wire(config: &mut Config) {
    if !active(config) {
        return;
    }
    let base = base(config);
    let payments = &mut config.payments;
    // The sandbox's methods move to their own provider's fake; a method already set to
    // a provider (say Alipay through Stripe) keeps it, now played by the fake.
    for (method, provider) in [
        (&mut payments.card, ProviderName::Stripe),
        (&mut payments.alipay, ProviderName::Alipay),
        (&mut payments.wechat_pay, ProviderName::WechatPay),
    ] {
        if method.provider == ProviderName::Sandbox {
            method.provider = provider;
        }
    }
    payments.providers.stripe = StripeConfig {
        api_base: format!("{base}/stripe"),
        secret_key: Secret::new(keys::STRIPE_SECRET_KEY),
        webhook_secret: Secret::new(keys::STRIPE_WEBHOOK_SECRET),
        ..StripeConfig::default()
    };
    payments.providers.alipay = AlipayConfig {
        gateway: format!("{base}/alipay/gateway.do"),
        app_id: keys::ALIPAY_APP_ID.into(),
        seller_id: keys::ALIPAY_SELLER_ID.into(),
        app_private_key: Secret::new(keys::ALIPAY_APP_PRIVATE_KEY),
        alipay_public_key: keys::ALIPAY_PUBLIC_KEY.into(),
        // Wap pay (Alipay's mobile cashier) for payers on a phone, the QR for others.
        product: "auto".into(),
        ..AlipayConfig::default()
    };
    let surface = if config.locale.currency.as_str() == "CNY" {
        "mainland"
    } else {
        "hongkong"
    };
    payments.providers.wechat_pay = WechatPayConfig {
        api_base: format!("{base}/wechat_pay"),
        surface: surface.into(),
        mch_id: keys::WECHAT_MCH_ID.into(),
        app_id: keys::WECHAT_APP_ID.into(),
        merchant_serial: keys::WECHAT_MERCHANT_SERIAL.into(),
        merchant_private_key: Secret::new(keys::WECHAT_MERCHANT_PRIVATE_KEY),
        api_v3_key: Secret::new(keys::WECHAT_API_V3_KEY),
        platform_public_keys: [(
            keys::WECHAT_PLATFORM_SERIAL.to_owned(),
            keys::WECHAT_PLATFORM_PUBLIC_KEY.to_owned(),
        )]
        .into(),
        ..WechatPayConfig::default()
    };
}

/// The fakes' pages and APIs, when they are [`active`]; an empty router otherwise.
pub fn routes(app: &App) -> Router<App> {
    if !active(&app.config) {
        return Router::new();
    }
    Router::new()
        .merge(stripe::routes(app))
        .merge(alipay::routes(app))
        .merge(wechat_pay::routes(app))
}

/// `n` random letters and digits, for the providers' ids.
fn random_id(n: usize) -> String {
    use rand::Rng;
    rand::rng()
        .sample_iter(&rand::distr::Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

/// The digits of a random id, for providers whose ids are numbers.
fn random_digits(n: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wiring_needs_demo_mode_and_the_flag() {
        let mut config = Config::default();
        config.payments.fakes = true;
        config.payments.card.provider = ProviderName::Sandbox;
        wire(&mut config);
        assert_eq!(
            config.payments.card.provider,
            ProviderName::Sandbox,
            "not in demo mode"
        );
        assert!(config.validate().is_err(), "the fakes need demo mode");

        config.demo = true;
        config.server.public_url = "http://127.0.0.1:9999/".into();
        wire(&mut config);
        wire(&mut config);
        assert_eq!(config.payments.card.provider, ProviderName::Stripe);
        assert_eq!(config.payments.alipay.provider, ProviderName::Alipay);
        assert_eq!(config.payments.wechat_pay.provider, ProviderName::WechatPay);
        assert_eq!(
            config.payments.providers.stripe.api_base,
            "http://127.0.0.1:9999/fake/stripe"
        );
        assert_eq!(config.payments.providers.wechat_pay.surface, "hongkong");
        // A method set to another provider keeps it, played by the fake.
        let mut config = Config {
            demo: true,
            ..Config::default()
        };
        config.payments.fakes = true;
        config.payments.alipay.provider = ProviderName::Stripe;
        wire(&mut config);
        assert_eq!(config.payments.alipay.provider, ProviderName::Stripe);
        assert_eq!(config.payments.wechat_pay.provider, ProviderName::WechatPay);
        config.validate().expect("the wired configuration is valid");
        let shown = format!("{config:?}");
        assert!(!shown.contains(keys::STRIPE_SECRET_KEY) && !shown.contains("PRIVATE KEY"));
    }
}
