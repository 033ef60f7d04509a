//! The double-entry ledger: every movement of money is one transaction whose entries
//! sum to zero, written in the same database transaction as the business action.
//!
//! Signs: a positive amount is a debit, a negative one a credit. Assets and expenses
//! carry debit balances; liabilities (the subscribers' wallets) and revenue carry credit
//! balances, shown to people with the sign turned.

mod accounts;
mod bulk;
pub mod history;
pub mod movements;
pub mod quota;
pub mod reports;
mod store;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::money::{Currency, Money};

pub use accounts::HouseAccount;
pub use bulk::{Header, post_bulk};
pub use store::{
    CheckReport, RefundedTopUp, check, post, post_for, reverse, wallet_balance, wallet_credit_in,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Asset,
    Liability,
    Revenue,
    Expense,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Asset => "asset",
            AccountKind::Liability => "liability",
            AccountKind::Revenue => "revenue",
            AccountKind::Expense => "expense",
        }
    }

    pub fn parse(text: &str) -> Option<AccountKind> {
        [
            AccountKind::Asset,
            AccountKind::Liability,
            AccountKind::Revenue,
            AccountKind::Expense,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    /// Stable name of the ledger account, e.g. `wallet:acc_…:HKD`.
    pub code: String,
    pub kind: AccountKind,
    /// The subscriber the ledger account belongs to, if any.
    pub owner: Option<String>,
    /// Debit positive, credit negative.
    pub amount: i64,
}

pub fn wallet_code(account_id: &str, currency: Currency) -> String {
    format!("wallet:{account_id}:{currency}")
}

/// A subscriber's wallet: what we owe them.
pub fn wallet(account_id: &str, currency: Currency, amount: i64) -> Posting {
    Posting {
        code: wallet_code(account_id, currency),
        kind: AccountKind::Liability,
        owner: Some(account_id.to_owned()),
        amount,
    }
}

/// An operator-side account such as `revenue:plans:HKD`.
pub fn house(account: HouseAccount, currency: Currency, amount: i64) -> Posting {
    Posting {
        code: format!("{}:{currency}", account.code()),
        kind: account.kind(),
        owner: None,
        amount,
    }
}

/// A transaction must have at least two entries, no zero entry, and balance.
pub fn validate(postings: &[Posting]) -> Result<()> {
    let unbalanced = || Error::internal(anyhow::anyhow!("ledger transaction does not balance"));
    if postings.len() < 2 || postings.iter().any(|p| p.amount == 0) {
        return Err(unbalanced());
    }
    let mut sum: i64 = 0;
    for posting in postings {
        sum = sum.checked_add(posting.amount).ok_or_else(unbalanced)?;
    }
    if sum == 0 { Ok(()) } else { Err(unbalanced()) }
}

/// What a person reads for a balance of this kind.
pub fn shown_balance(kind: AccountKind, balance: i64, currency: Currency) -> Money {
    match kind {
        AccountKind::Asset | AccountKind::Expense => Money::new(balance, currency),
        AccountKind::Liability | AccountKind::Revenue => Money::new(-balance, currency),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_balanced_transactions_pass() {
        let hkd = Currency::HKD;
        let ok = [
            house(HouseAccount::Promotions, hkd, 500),
            wallet("acc_1", hkd, -500),
        ];
        assert!(validate(&ok).is_ok());
        assert!(validate(&ok[..1]).is_err());
        let off = [
            house(HouseAccount::Promotions, hkd, 500),
            wallet("acc_1", hkd, -499),
        ];
        assert!(validate(&off).is_err());
        let zero = [
            house(HouseAccount::Clearing("a".into()), hkd, 0),
            wallet("acc_1", hkd, 0),
        ];
        assert!(validate(&zero).is_err());
        let overflow = [
            house(HouseAccount::Clearing("a".into()), hkd, i64::MAX),
            house(HouseAccount::Clearing("b".into()), hkd, 1),
            wallet("acc_1", hkd, i64::MIN),
        ];
        assert!(validate(&overflow).is_err());
    }

    proptest! {
        #[test]
        fn any_split_that_sums_to_zero_balances(amounts in proptest::collection::vec(1i64..1_000_000, 1..8)) {
            let hkd = Currency::HKD;
            let total: i64 = amounts.iter().sum();
            let mut postings: Vec<Posting> = amounts.iter().map(|a| house(HouseAccount::Clearing("x".into()), hkd, *a)).collect();
            postings.push(wallet("acc_1", hkd, -total));
            prop_assert!(validate(&postings).is_ok());
            prop_assert_eq!(shown_balance(AccountKind::Liability, -total, hkd).amount, total);
        }
    }
}
