//! **Demo and test machinery, and nothing else.** The built-in sandbox provider, the
//! local fakes of Stripe, Alipay and WeChat Pay, the `/dev/outbox` page and the demo
//! seeds live here, and only the composition root ([`crate::server`]) reaches in:
//! it mounts them when `demo = true` and otherwise refuses to start while any of
//! them would be in play. No production module imports this one.

mod back_office;
pub mod fakes;
mod outbox_page;
pub mod sandbox;
pub mod seed;
mod support_seed;

use std::time::Duration;

use anyhow::bail;
use axum::Router;
use axum::routing::get;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::config::Config;
use crate::payments::{ProviderName, Providers};

pub use back_office::seed_with_back_office;
pub use seed::{
    DEMO_EMAIL, DEMO_NETWORK_KEY, DEMO_OPERATOR_KEY, DEMO_PASSWORD, DEMO_PHONE, DEMO_STAFF,
    DEMO_STAFF_PASSWORD, DEMO_STAFF_TOTP, DemoLogin, demo_iccid, seed,
};

/// Demo mode's changes to the configuration: the fakes take the providers' places
/// when they are on; without them, a method whose provider has no credentials is
/// served by the sandbox. Outside demo mode nothing changes.
pub fn prepare(config: &mut Config) {
    if !config.demo {
        return;
    }
    if config.support.is_empty() {
        // A made-up contact, so the demo shows where subscribers find help.
        config.support = crate::config::SupportConfig {
            phone: "+852 3000 1234".into(),
            email: "help@datacard.example".into(),
            whatsapp: "+852 6000 1234".into(),
            hours: "09:00–18:00".into(),
            ..config.support.clone()
        };
    }
    if config.operator.legal_name.is_empty() {
        // A made-up company, so the demo's receipts show who issues them.
        config.operator = crate::config::OperatorConfig::demo();
    }
    fakes::wire(config);
    if config.payments.fakes {
        return;
    }
    let providers = config.payments.providers.clone();
    for method in [
        &mut config.payments.card,
        &mut config.payments.alipay,
        &mut config.payments.wechat_pay,
    ] {
        let configured = match method.provider {
            ProviderName::Stripe => !providers.stripe.secret_key.is_empty(),
            ProviderName::Alipay => !providers.alipay.app_id.is_empty(),
            ProviderName::WechatPay => !providers.wechat_pay.mch_id.is_empty(),
            ProviderName::Sandbox | ProviderName::Wallet => true,
        };
        if !configured {
            method.provider = ProviderName::Sandbox;
        }
    }
}

/// The demo's published credentials: outside demo mode they open nothing.
pub fn credentials() -> Vec<&'static str> {
    let mut credentials = vec![DEMO_PHONE, DEMO_EMAIL, DEMO_NETWORK_KEY, DEMO_OPERATOR_KEY];
    credentials.extend(seed::DEMO_STAFF.iter().map(|(email, _)| *email));
    credentials
}

/// The sandbox provider, in demo mode.
pub fn add_providers(app: &App, providers: &mut Providers) {
    if app.config.demo {
        providers.insert(std::sync::Arc::new(sandbox::SandboxProvider::new(app)));
    }
    if fakes::stripe::serves(app) {
        providers.hosted_card_page = Some(fakes::stripe::card_page_url);
    }
}

/// The sandbox's pay page and the fakes, in demo mode; nothing otherwise.
pub fn routes(app: &App) -> Router<App> {
    if !app.config.demo {
        return Router::new();
    }
    Router::new()
        .merge(sandbox::routes())
        .merge(fakes::routes(app))
}

/// The outbox page, a portal page (it needs the portal's request context), in demo
/// mode; nothing otherwise.
pub fn portal_routes(app: &App) -> Router<App> {
    if !app.config.demo {
        return Router::new();
    }
    Router::new().route("/dev/outbox", get(outbox_page::show))
}

/// The sandbox's outgoing notifications, in demo mode.
pub fn spawn_background(
    app: &App,
    webhook_url: String,
    stop: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    if !app.config.demo {
        return None;
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    let app = app.clone();
    Some(crate::background::every(
        Duration::from_millis(200),
        stop,
        move || {
            let app = app.clone();
            let client = client.clone();
            let url = webhook_url.clone();
            async move {
                if let Err(error) = sandbox::bank::deliver_due(&app, &client, &url).await {
                    tracing::warn!(%error, "sandbox notifications");
                }
            }
        },
    ))
}

/// Outside demo mode: refuses a configuration in which any demo machinery or
/// published secret would be in play, naming the setting.
pub fn refuse_in_production(config: &Config) -> anyhow::Result<()> {
    if config.demo {
        return Ok(());
    }
    let payments = &config.payments;
    let methods = [
        ("card", &payments.card),
        ("alipay", &payments.alipay),
        ("wechat_pay", &payments.wechat_pay),
    ];
    let uses = |provider: ProviderName| {
        methods
            .iter()
            .any(|(_, method)| method.enabled && method.provider == provider)
    };
    for (name, method) in methods {
        if method.enabled && method.provider == ProviderName::Sandbox {
            bail!(
                "payments.{name}.provider is sandbox, the demo's built-in provider; outside demo mode choose a real provider (stripe, alipay, wechat_pay) or set payments.{name}.enabled = false"
            );
        }
    }
    if payments.fakes {
        bail!("payments.fakes is a demo and test tool: it needs demo = true");
    }
    let stripe = &payments.providers.stripe;
    if uses(ProviderName::Stripe) {
        if stripe.webhook_secret.is_empty() {
            bail!(
                "payments.providers.stripe.webhook_secret is empty: set the whsec_… secret of the webhook endpoint, or no Stripe notification can be trusted"
            );
        }
        if stripe.webhook_secret.expose() == fakes::keys::STRIPE_WEBHOOK_SECRET
            || stripe.secret_key.expose() == fakes::keys::STRIPE_SECRET_KEY
        {
            bail!(
                "payments.providers.stripe.secret_key / webhook_secret are the demo fake's published test keys; set your own"
            );
        }
    }
    let alipay = &payments.providers.alipay;
    if uses(ProviderName::Alipay)
        && (alipay.app_private_key.expose() == fakes::keys::ALIPAY_APP_PRIVATE_KEY
            || alipay.alipay_public_key == fakes::keys::ALIPAY_PUBLIC_KEY)
    {
        bail!(
            "payments.providers.alipay.app_private_key / alipay_public_key are the demo fake's published test keys; set your own"
        );
    }
    let wechat = &payments.providers.wechat_pay;
    if uses(ProviderName::WechatPay)
        && (wechat.api_v3_key.expose() == fakes::keys::WECHAT_API_V3_KEY
            || wechat.merchant_private_key.expose() == fakes::keys::WECHAT_MERCHANT_PRIVATE_KEY
            || wechat
                .platform_public_keys
                .values()
                .any(|key| key == fakes::keys::WECHAT_PLATFORM_PUBLIC_KEY))
    {
        bail!(
            "payments.providers.wechat_pay keys are the demo fake's published test keys; set your own"
        );
    }
    for (name, transport) in [
        ("messages.sms_transport", &config.messages.sms_transport),
        ("messages.email_transport", &config.messages.email_transport),
    ] {
        if transport.is_empty() {
            bail!(
                "{name} is not set: outside demo mode choose a real transport (http for SMS, smtp for email), or \"outbox\" to keep messages in a file on purpose"
            );
        }
    }
    Ok(())
}

/// Whether the database holds the demo's seeds (its subscriber or its keys): a
/// database a demo ran on is not served outside demo mode.
pub async fn seeded(app: &App) -> crate::error::Result<bool> {
    use crate::api_keys::{NETWORK, OPERATOR, stored_name};
    if stored_name(app, &OPERATOR, DEMO_OPERATOR_KEY)
        .await?
        .is_some()
        || stored_name(app, &NETWORK, DEMO_NETWORK_KEY)
            .await?
            .is_some()
    {
        return Ok(true);
    }
    for (email, _) in seed::DEMO_STAFF {
        if crate::staff::find_by_email(app, email).await?.is_some() {
            return Ok(true);
        }
    }
    let phone = crate::accounts::Phone::parse(DEMO_PHONE)
        .map_err(|error| crate::error::Error::internal(anyhow::anyhow!("{error}")))?;
    crate::accounts::exists(app, &phone).await
}
