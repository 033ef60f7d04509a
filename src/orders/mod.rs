//! Orders: renewals, new eSIMs and wallet top-ups, priced, paid and fulfilled once.

pub mod attention;
pub mod cancel;
pub mod card_checkout;
pub mod charges;
mod create;
pub mod expire;
pub mod fulfil;
pub mod lookup;
pub mod manual_fulfil;
pub mod pricing;
#[cfg(test)]
mod promotion_properties;
mod quote;
pub mod receipts;
pub mod reconcile;
pub mod refund;
mod refund_approval;
mod refund_reason;
mod refund_send;
pub mod refund_store;
pub mod reports;
mod row;
pub mod settle;
pub mod staff_refund;
pub mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::PlanCode;
use crate::ids::{AccountId, OrderId};
use crate::lines::Iccid;
use crate::money::Money;
use crate::payments::Method;
pub use crate::payments::store::PaymentSummary;

pub use create::{Opened, Opening, already_made, create, create_for, open, refresh};
pub use pricing::{Breakdown, Discount};
pub use quote::{PeriodOption, Quote, period_options, plan_prices, plan_prices_with_offer, quote};
pub use settle::{Applied, apply, apply_in, apply_notification};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    Renewal,
    NewEsim,
    WalletTopup,
}

impl OrderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::Renewal => "renewal",
            OrderKind::NewEsim => "new_esim",
            OrderKind::WalletTopup => "wallet_topup",
        }
    }

    pub fn parse(text: &str) -> Option<OrderKind> {
        [
            OrderKind::Renewal,
            OrderKind::NewEsim,
            OrderKind::WalletTopup,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    PendingPayment,
    Paid,
    Fulfilled,
    Expired,
    Cancelled,
    Failed,
    Refunded,
}

impl OrderState {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::PendingPayment => "pending_payment",
            OrderState::Paid => "paid",
            OrderState::Fulfilled => "fulfilled",
            OrderState::Expired => "expired",
            OrderState::Cancelled => "cancelled",
            OrderState::Failed => "failed",
            OrderState::Refunded => "refunded",
        }
    }

    pub fn parse(text: &str) -> Option<OrderState> {
        [
            OrderState::PendingPayment,
            OrderState::Paid,
            OrderState::Fulfilled,
            OrderState::Expired,
            OrderState::Cancelled,
            OrderState::Failed,
            OrderState::Refunded,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// What an order buys: a renewal always names its line and plan, a new eSIM its plan.
/// Built only by order creation (from a checked quote) and by the store reading a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Product {
    Renewal { iccid: Iccid, plan: PlanCode },
    NewEsim { plan: PlanCode },
    WalletTopup,
}

impl Product {
    pub fn kind(&self) -> OrderKind {
        match self {
            Product::Renewal { .. } => OrderKind::Renewal,
            Product::NewEsim { .. } => OrderKind::NewEsim,
            Product::WalletTopup => OrderKind::WalletTopup,
        }
    }

    /// The line a renewal tops up.
    pub fn iccid(&self) -> Option<&Iccid> {
        match self {
            Product::Renewal { iccid, .. } => Some(iccid),
            Product::NewEsim { .. } | Product::WalletTopup => None,
        }
    }

    /// The plan bought, but for a wallet top-up.
    pub fn plan(&self) -> Option<&PlanCode> {
        match self {
            Product::Renewal { plan, .. } | Product::NewEsim { plan } => Some(plan),
            Product::WalletTopup => None,
        }
    }
}

/// What the subscriber asks to buy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub kind: OrderKind,
    pub iccid: Option<String>,
    pub plan_code: Option<String>,
    pub periods: u32,
    pub payment_method: Method,
    /// For wallet top-ups.
    pub amount: Option<Money>,
    /// A coupon code as the subscriber typed it.
    #[serde(default)]
    pub coupon: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub id: OrderId,
    pub account_id: AccountId,
    pub product: Product,
    pub plan_version_id: Option<String>,
    pub breakdown: Breakdown,
    pub method: Method,
    pub state: OrderState,
    /// Why the operator should look at it (late success, second payment, refund).
    pub attention: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub fulfilled_at: Option<DateTime<Utc>>,
    pub payment: Option<PaymentSummary>,
    /// For a fulfilled new eSIM: the activation code to install.
    pub activation_code: Option<String>,
    /// The plan's names by language, as sold.
    pub plan_names: std::collections::BTreeMap<String, String>,
}

impl Order {
    pub fn kind(&self) -> OrderKind {
        self.product.kind()
    }

    pub fn iccid(&self) -> Option<&Iccid> {
        self.product.iccid()
    }

    pub fn plan_code(&self) -> Option<&PlanCode> {
        self.product.plan()
    }

    /// The plan's name in `locale`, else its fallbacks', else its code.
    pub fn plan_name(&self, locale: crate::i18n::Locale) -> Option<&str> {
        crate::i18n::name_in(&self.plan_names, locale).or(self.plan_code().map(PlanCode::as_str))
    }
}
