//! `datacard serve`: bind, build, seed the demo if asked, serve until a signal.

use std::sync::Arc;

use anyhow::Context;

use crate::clock::SystemClock;
use crate::config::Config;

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let bind = config.server.bind.clone();
    let demo = config.demo;
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let mut config = config;
    if config.server.public_url.is_empty() {
        config.server.public_url = format!("http://{}", listener.local_addr()?);
    }
    let url = config.public_url();
    let app = crate::server::build(config, Arc::new(SystemClock)).await?;
    println!("datacard is running: open {url}");
    if demo {
        let login = crate::demo::seed_with_back_office(&app).await?;
        println!(
            "demo subscriber: {} / {} (password {})",
            login.phone, login.email, login.password
        );
        println!("demo outbox (SMS and email): {url}/dev/outbox");
        println!(
            "demo back office: {url}/admin — staff {} (password {}); TOTP key {} in any authenticator app (the login page shows the current code in demo mode)",
            crate::demo::DEMO_STAFF
                .iter()
                .map(|(email, role)| format!("{email} ({})", role.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
            crate::demo::DEMO_STAFF_PASSWORD,
            crate::staff::base32(crate::demo::DEMO_STAFF_TOTP)
        );
        println!(
            "demo back office: the subscriber has a card payment stuck by a lost notification ({url}/admin/payments/attention) and a paid order to refund half of (above the approval amount)"
        );
        if crate::demo::fakes::active(&app.config) {
            let payments = &app.config.payments;
            println!(
                "demo payments: card → {}, alipay → {}, wechat_pay → {}, each a local FAKE of the provider at {url}/fake/… with test-only keys (no real money; --sandbox-payments for the sandbox provider)",
                payments.card.provider, payments.alipay.provider, payments.wechat_pay.provider
            );
        } else {
            println!("demo payments: the built-in sandbox provider ({url}/sandbox/pay/…)");
        }
        println!(
            "post usage for the demo line (1 GB now):\n  curl -s {url}/api/v1/usage -H 'authorization: Bearer {}' -H 'content-type: application/json' \\\n    -d '{{\"records\":[{{\"id\":\"demo-'$(date +%s)'\",\"iccid\":\"{}\",\"bytes\":1073741824,\"started_at\":\"'$(date -u +%FT%TZ)'\",\"ended_at\":\"'$(date -u +%FT%TZ)'\"}}]}}'",
            crate::demo::DEMO_NETWORK_KEY,
            crate::demo::demo_iccid()
        );
        println!(
            "operator API (plans, promotions, coupons, audit log; see README):\n  curl -s {url}/api/v1/admin/plans -H 'authorization: Bearer {}'",
            crate::demo::DEMO_OPERATOR_KEY
        );
    }
    crate::server::serve(app, listener, crate::server::shutdown_signal()).await
}
