//! How subscribers pay: each method's provider, fee and settlement time, the sandbox
//! provider's behaviour, and the real providers' credentials.

use anyhow::bail;
use serde::{Deserialize, Serialize};

use super::Secret;
use crate::money::Currency;

/// How subscribers pay: one section per method, and the sandbox provider's behaviour.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentsConfig {
    /// Unpaid orders expire after this long (closed at the provider first), unless
    /// their method sets its own `expiry_secs`.
    pub order_expiry_secs: i64,
    pub card: MethodConfig,
    pub alipay: MethodConfig,
    pub wechat_pay: MethodConfig,
    pub wallet: MethodConfig,
    pub sandbox: SandboxConfig,
    /// Credentials and endpoints of the real providers.
    pub providers: ProvidersConfig,
    /// Demo mode only: serve the card, Alipay and WeChat Pay methods through the real
    /// Stripe, Alipay and WeChat Pay adapters against local fakes of those providers,
    /// mounted on this server under `/fake/…` with test-only keys (no real money; see
    /// `src/fakes/`). `serve --demo` turns it on unless `--sandbox-payments` is given.
    pub fakes: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProvidersConfig {
    pub stripe: StripeConfig,
    pub alipay: AlipayConfig,
    pub wechat_pay: WechatPayConfig,
}

/// Stripe PaymentIntents (cards, Alipay and WeChat Pay through Stripe).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StripeConfig {
    /// `https://api.stripe.com`; tests point it at localstripe.
    pub api_base: String,
    pub secret_key: Secret,
    /// `whsec_…`, for the `Stripe-Signature` header.
    pub webhook_secret: Secret,
    /// `pk_…`: not a secret; our card page gives it to Stripe.js.
    pub publishable_key: String,
    /// Where the card page loads Stripe.js from; tests point it at localstripe's.
    pub js_url: String,
    /// The `Stripe-Version` every API call pins, so that an upgrade of the account's
    /// default version does not change the objects we read. Webhook endpoints should
    /// be created with the same version.
    pub api_version: String,
    pub timeout_secs: u64,
}

/// The API version our reading of PaymentIntents, SetupIntents and events is checked
/// against (the fixtures in `tests/fixtures/stripe/`).
pub const STRIPE_API_VERSION: &str = "2024-06-20";

impl Default for StripeConfig {
    fn default() -> Self {
        Self {
            api_base: "https://api.stripe.com".into(),
            secret_key: Secret::default(),
            webhook_secret: Secret::default(),
            publishable_key: String::new(),
            js_url: "https://js.stripe.com/v3/".into(),
            api_version: STRIPE_API_VERSION.into(),
            timeout_secs: 15,
        }
    }
}

/// Alipay Open Platform, RSA2.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlipayConfig {
    pub gateway: String,
    pub app_id: String,
    /// The merchant's PID (`seller_id` in notifications).
    pub seller_id: String,
    /// PEM (PKCS#8 or PKCS#1) of the app's private key.
    pub app_private_key: Secret,
    /// PEM of Alipay's public key.
    pub alipay_public_key: String,
    /// How the payer is sent to Alipay: `qr` (`alipay.trade.precreate`, a QR code on
    /// our page), `page` (Alipay's desktop cashier), `wap` (its mobile cashier), or
    /// `auto` (the mobile cashier on phones, the QR code elsewhere).
    pub product: String,
    pub timeout_secs: u64,
}

impl Default for AlipayConfig {
    fn default() -> Self {
        Self {
            gateway: "https://openapi.alipay.com/gateway.do".into(),
            app_id: String::new(),
            seller_id: String::new(),
            app_private_key: Secret::default(),
            alipay_public_key: String::new(),
            product: "qr".into(),
            timeout_secs: 15,
        }
    }
}

/// WeChat Pay API v3, mainland or Hong Kong cross-border.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WechatPayConfig {
    pub api_base: String,
    /// `mainland` (`/v3/pay/transactions/…`) or `hongkong` (`/v3/global/transactions/…`).
    pub surface: String,
    pub mch_id: String,
    pub app_id: String,
    /// Serial number of the merchant's API certificate.
    pub merchant_serial: String,
    /// PEM of the merchant's API private key.
    pub merchant_private_key: Secret,
    /// The APIv3 key (32 bytes) that decrypts notifications.
    pub api_v3_key: Secret,
    /// Platform public keys (PEM) by serial, chosen by `Wechatpay-Serial`.
    pub platform_public_keys: std::collections::BTreeMap<String, String>,
    /// Mainland only: send payers on a phone's browser to H5 pay (`/v3/pay/transactions/h5`,
    /// which opens the WeChat app and needs the payer's IP) instead of showing a QR code.
    pub h5: bool,
    pub timeout_secs: u64,
}

impl Default for WechatPayConfig {
    fn default() -> Self {
        Self {
            api_base: "https://api.mch.weixin.qq.com".into(),
            surface: "mainland".into(),
            mch_id: String::new(),
            app_id: String::new(),
            merchant_serial: String::new(),
            merchant_private_key: Secret::default(),
            api_v3_key: Secret::default(),
            platform_public_keys: std::collections::BTreeMap::new(),
            h5: false,
            timeout_secs: 15,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MethodConfig {
    pub enabled: bool,
    /// Which provider serves the method: `stripe` (card, and Alipay / WeChat Pay
    /// through Stripe), `alipay`, `wechat_pay`; `sandbox` in demo mode only. Each
    /// method defaults to its own provider.
    pub provider: ProviderName,
    /// Fee added to the order, in minor units, plus a share in basis points (1/100 %).
    pub fee_fixed: i64,
    pub fee_basis_points: i64,
    /// How long the money takes to settle, shown to the subscriber.
    pub settlement_secs: i64,
    /// Unpaid orders by this method expire (and are closed at the provider) after
    /// this long; 0: `payments.order_expiry_secs`. QR methods default to 15 min.
    pub expiry_secs: i64,
    /// The currencies the provider account takes for this method; empty: any. The
    /// server refuses to start when an enabled method cannot take the currency
    /// prices are in (`locale.currency`).
    pub currencies: Vec<Currency>,
}

/// The built-in sandbox provider: a fake bank that behaves like a real one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxConfig {
    /// Key for the HMAC signature on its notifications; empty (the default): one
    /// derived from `security.secret`, so that no one outside knows it.
    pub webhook_secret: Secret,
    /// Delay before a notification is delivered.
    pub notify_delay_ms: i64,
    /// Every notification is sent this many times (duplicates).
    pub notify_copies: i64,
    /// Drop every notification (lost webhooks; reconciliation must repair).
    pub lose_notifications: bool,
    /// Deliver copies in reverse order of their events.
    pub reorder_notifications: bool,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        let method = |provider, fee_fixed, fee_basis_points, settlement_secs| MethodConfig {
            provider,
            fee_fixed,
            fee_basis_points,
            settlement_secs,
            ..MethodConfig::default()
        };
        let qr = |method: MethodConfig| MethodConfig {
            expiry_secs: QR_EXPIRY_SECS,
            ..method
        };
        Self {
            order_expiry_secs: 30 * 60,
            card: method(ProviderName::Stripe, 0, 250, 0),
            alipay: qr(method(ProviderName::Alipay, 0, 150, 60)),
            wechat_pay: qr(method(ProviderName::WechatPay, 0, 150, 60)),
            wallet: method(ProviderName::Wallet, 0, 0, 0),
            sandbox: SandboxConfig::default(),
            providers: ProvidersConfig::default(),
            fakes: false,
        }
    }
}

impl Default for MethodConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            provider: ProviderName::Wallet,
            fee_fixed: 0,
            fee_basis_points: 0,
            settlement_secs: 0,
            expiry_secs: 0,
            currencies: Vec::new(),
        }
    }
}

/// How long a QR payment (Alipay, WeChat Pay) stays payable by default.
pub const QR_EXPIRY_SECS: i64 = 15 * 60;

impl PaymentsConfig {
    /// The checks of [`super::Config::validate`] on payments: every enabled method's
    /// provider configured, fees, expiry and currencies (`currency`: what prices are
    /// in) sane, the fakes only in a demo.
    pub fn validate(&self, currency: Currency, demo: bool) -> anyhow::Result<()> {
        let stripe = &self.providers.stripe;
        for (name, method) in [
            ("card", &self.card),
            ("alipay", &self.alipay),
            ("wechat_pay", &self.wechat_pay),
        ] {
            let (own, others) = match name {
                "card" => (ProviderName::Stripe, "sandbox or stripe"),
                "alipay" => (ProviderName::Alipay, "sandbox, stripe or alipay"),
                _ => (ProviderName::WechatPay, "sandbox, stripe or wechat_pay"),
            };
            match method.provider {
                _ if !method.enabled => {}
                ProviderName::Sandbox => {}
                // Cards are typed into Stripe.js on our page, which needs the publishable
                // key (the demo's fake Stripe serves its own card page instead).
                ProviderName::Stripe
                    if name == "card"
                        && !self.fakes
                        && !stripe.secret_key.is_empty()
                        && !stripe.publishable_key.starts_with("pk_") =>
                {
                    bail!(
                        "payments.card.provider is stripe but payments.providers.stripe.publishable_key (pk_…) is not set; the card page needs it"
                    )
                }
                ProviderName::Stripe if !stripe.secret_key.is_empty() => {}
                ProviderName::Stripe => bail!(
                    "payments.{name}.provider is stripe but payments.providers.stripe.secret_key is empty (or set payments.{name}.enabled = false)"
                ),
                // Their keys are parsed, and refused with the setting named, when the
                // composition root builds the adapters (`server::build_providers`).
                ProviderName::Alipay if own == ProviderName::Alipay => {}
                ProviderName::WechatPay if own == ProviderName::WechatPay => {}
                other => {
                    bail!("payments.{name}.provider {other:?} is not available; use {others}")
                }
            }
        }
        for (name, method) in [
            ("card", &self.card),
            ("alipay", &self.alipay),
            ("wechat_pay", &self.wechat_pay),
            ("wallet", &self.wallet),
        ] {
            if method.fee_fixed < 0
                || !(0..=5000).contains(&method.fee_basis_points)
                || method.settlement_secs < 0
            {
                bail!("payment fees must be at least 0 and fee_basis_points at most 5000 (50 %)");
            }
            if method.expiry_secs != 0 && !(60..=7 * 24 * 3600).contains(&method.expiry_secs) {
                bail!(
                    "payments.{name}.expiry_secs must be 0 (the default) or 60 to 604800 (7 days)"
                );
            }
            if method.enabled
                && !method.currencies.is_empty()
                && !method.currencies.contains(&currency)
            {
                bail!(
                    "payments.{name} is enabled but its currencies do not include {}, the currency prices are in (locale.currency); disable the method or add the currency",
                    currency.as_str()
                );
            }
        }
        if !matches!(
            self.providers.alipay.product.as_str(),
            "qr" | "page" | "wap" | "auto"
        ) {
            bail!("payments.providers.alipay.product must be qr, page, wap or auto");
        }
        if self.providers.wechat_pay.h5 && self.providers.wechat_pay.surface != "mainland" {
            bail!("payments.providers.wechat_pay.h5 is a mainland surface feature");
        }
        if self.fakes && !demo {
            bail!("payments.fakes is a demo and test tool: it needs demo = true");
        }
        if self.order_expiry_secs < 60 || !(1..=10).contains(&self.sandbox.notify_copies) {
            bail!(
                "payments.order_expiry_secs must be at least 60 and payments.sandbox.notify_copies 1 to 10"
            );
        }
        Ok(())
    }

    /// How long an unpaid order by `method` stays payable.
    pub fn expiry_secs(&self, method: &MethodConfig) -> i64 {
        match method.expiry_secs {
            0 => self.order_expiry_secs,
            own => own,
        }
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            // Empty: derived from the server's secret (see `demo::sandbox`).
            webhook_secret: Secret::default(),
            notify_delay_ms: 300,
            notify_copies: 1,
            lose_notifications: false,
            reorder_notifications: false,
        }
    }
}

/// Who serves a payment method, and who may speak about its payments. Parsed once,
/// from configuration or a webhook's path; stored as [`ProviderName::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderName {
    /// The built-in sandbox: demo mode and tests only.
    Sandbox,
    Stripe,
    Alipay,
    WechatPay,
    /// The subscriber's own wallet: settled inside our books, no adapter.
    Wallet,
}

impl ProviderName {
    pub const ALL: [ProviderName; 5] = [
        ProviderName::Sandbox,
        ProviderName::Stripe,
        ProviderName::Alipay,
        ProviderName::WechatPay,
        ProviderName::Wallet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderName::Sandbox => "sandbox",
            ProviderName::Stripe => "stripe",
            ProviderName::Alipay => "alipay",
            ProviderName::WechatPay => "wechat_pay",
            ProviderName::Wallet => "wallet",
        }
    }

    pub fn parse(name: &str) -> Option<ProviderName> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl std::fmt::Display for ProviderName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
