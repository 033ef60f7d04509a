//! The operator's own ledger accounts, by what they hold. Their codes (stored in
//! `ledger_accounts.code`, followed by `:<currency>`) are written here and only here.

use super::AccountKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HouseAccount {
    /// Money a provider collected for us and has yet to settle (per provider name).
    Clearing(String),
    /// What a provider charged us for collecting (per provider name).
    ProviderFees(String),
    /// The payment-method fee the subscriber paid us.
    PaymentFees,
    /// Plans sold.
    Plans,
    /// Sales reversed for a refund.
    Refunds,
    /// Money received that we owe back to the payer.
    RefundsDue,
    /// A refunded top-up's credit that was already spent.
    RefundLosses,
    /// Credit given away (welcome credit, promotions).
    Promotions,
    /// Data allowance issued to periods (in the bytes unit).
    QuotaIssued,
    /// Data used (in the bytes unit).
    UsageConsumed,
}

impl HouseAccount {
    /// The stored code, without the currency.
    pub fn code(&self) -> String {
        match self {
            HouseAccount::Clearing(provider) => format!("asset:clearing:{provider}"),
            HouseAccount::ProviderFees(provider) => format!("expense:provider_fees:{provider}"),
            HouseAccount::PaymentFees => "revenue:payment_fees".to_owned(),
            HouseAccount::Plans => "revenue:plans".to_owned(),
            HouseAccount::Refunds => "revenue:refunds".to_owned(),
            HouseAccount::RefundsDue => "liability:refunds_due".to_owned(),
            HouseAccount::RefundLosses => REFUND_LOSSES.to_owned(),
            HouseAccount::Promotions => "expense:promotions".to_owned(),
            HouseAccount::QuotaIssued => "quota:issued".to_owned(),
            HouseAccount::UsageConsumed => "usage:consumed".to_owned(),
        }
    }

    pub fn kind(&self) -> AccountKind {
        match self {
            HouseAccount::Clearing(_) => AccountKind::Asset,
            HouseAccount::RefundsDue => AccountKind::Liability,
            HouseAccount::PaymentFees
            | HouseAccount::Plans
            | HouseAccount::Refunds
            | HouseAccount::UsageConsumed => AccountKind::Revenue,
            HouseAccount::ProviderFees(_)
            | HouseAccount::RefundLosses
            | HouseAccount::Promotions
            | HouseAccount::QuotaIssued => AccountKind::Expense,
        }
    }
}

/// [`HouseAccount::RefundLosses`]'s code, as the books check compares it.
pub(super) const REFUND_LOSSES: &str = "expense:refund_losses";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_stored_ones() {
        assert_eq!(
            HouseAccount::Clearing("stripe".into()).code(),
            "asset:clearing:stripe"
        );
        assert_eq!(
            HouseAccount::ProviderFees("alipay".into()).code(),
            "expense:provider_fees:alipay"
        );
        assert_eq!(HouseAccount::RefundsDue.code(), "liability:refunds_due");
        assert_eq!(HouseAccount::RefundLosses.code(), "expense:refund_losses");
        assert_eq!(HouseAccount::Refunds.kind(), AccountKind::Revenue);
        assert_eq!(HouseAccount::QuotaIssued.kind(), AccountKind::Expense);
    }
}
