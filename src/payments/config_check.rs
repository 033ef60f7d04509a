//! The payment configuration as the server checks it before serving.

use crate::config::{Config, ProviderName};

/// [`Config::validate`], then the keys of every provider an enabled method uses,
/// parsed as its adapter will parse them: a bad key stops the server at start, naming
/// the setting, rather than failing the first payment.
pub fn check_config(config: &Config) -> anyhow::Result<()> {
    config.validate()?;
    let payments = &config.payments;
    let used = |provider: ProviderName| {
        [&payments.card, &payments.alipay, &payments.wechat_pay]
            .iter()
            .any(|method| method.enabled && method.provider == provider)
    };
    if used(ProviderName::Alipay) {
        super::alipay::check_config(&payments.providers.alipay)?;
    }
    if used(ProviderName::WechatPay) {
        super::wechat_pay::check_config(
            &payments.providers.wechat_pay,
            config.locale.currency.as_str(),
        )?;
    }
    Ok(())
}
