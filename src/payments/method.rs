//! How a subscriber pays: the methods an order (or an auto-renewal) can use, with the
//! strings the API, the database and the configuration know them by.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Card,
    Alipay,
    WechatPay,
    Wallet,
}

impl Method {
    pub const ALL: [Method; 4] = [
        Method::Card,
        Method::Alipay,
        Method::WechatPay,
        Method::Wallet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Card => "card",
            Method::Alipay => "alipay",
            Method::WechatPay => "wechat_pay",
            Method::Wallet => "wallet",
        }
    }

    pub fn parse(text: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == text)
    }

    pub fn config(self, config: &crate::config::PaymentsConfig) -> &crate::config::MethodConfig {
        match self {
            Method::Card => &config.card,
            Method::Alipay => &config.alipay,
            Method::WechatPay => &config.wechat_pay,
            Method::Wallet => &config.wallet,
        }
    }
}
