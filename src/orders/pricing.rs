//! The price breakdown of an order, from pure arithmetic on minor units.
//!
//! Rounding: every percentage — the percentage part of a payment fee, and a
//! promotion's percentage off (see [`crate::promotions`]) — is rounded half up to the
//! minor unit (0.5 cent → 1 cent) by [`percent_half_up`], once, on the amount it is a
//! percentage of; nothing else is ever rounded. Discounts never exceed the list
//! price, totals are never negative, and a free order carries no fee.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Code, Error, Result};
use crate::money::{Currency, Money};
use crate::promotions::Reason;

pub const MAX_PERIODS: u32 = 36;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fee {
    pub fixed: i64,
    /// Hundredths of a percent: 250 is 2.5 %.
    pub basis_points: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discount {
    /// The promotion's code, e.g. `FIRST-MONTH-30`.
    pub promotion: String,
    pub amount: i64,
    /// The promotion's name by language, as it was when the order was priced.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, String>,
    /// Why the order got it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// Periods on the line at no charge; their price is in `amount`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub free_periods: u32,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

impl Discount {
    pub fn new(promotion: &str, amount: i64) -> Discount {
        Discount {
            promotion: promotion.to_owned(),
            amount,
            ..Discount::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakdown {
    pub currency: Currency,
    pub unit_price: i64,
    pub periods: u32,
    pub list_price: i64,
    pub discounts: Vec<Discount>,
    pub fee: i64,
    pub total: i64,
}

impl Breakdown {
    pub fn money(&self, amount: i64) -> Money {
        Money::new(amount, self.currency)
    }

    pub fn discount_total(&self) -> i64 {
        self.discounts.iter().map(|d| d.amount).sum()
    }
}

/// Prices `periods` of something that costs `unit_price`, less `discounts`, plus the
/// payment method's fee.
pub fn price(
    unit_price: Money,
    periods: u32,
    discounts: Vec<Discount>,
    fee: Fee,
) -> Result<Breakdown> {
    if periods == 0 || periods > MAX_PERIODS {
        return Err(Error::invalid(Code::InvalidPeriods).on_field("periods"));
    }
    if unit_price.amount <= 0 || fee.fixed < 0 || !(0..=10_000).contains(&fee.basis_points) {
        return Err(Error::invalid(Code::InvalidPrice));
    }
    let too_large = || Error::invalid(Code::AmountTooLarge);
    let list_price = unit_price
        .amount
        .checked_mul(i64::from(periods))
        .ok_or_else(too_large)?;
    // Each discount is clamped so that together they never exceed the list price.
    let mut remaining = list_price;
    let mut applied = Vec::with_capacity(discounts.len());
    for discount in discounts {
        let amount = discount.amount.clamp(0, remaining);
        remaining -= amount;
        if amount > 0 {
            applied.push(Discount { amount, ..discount });
        }
    }
    let subtotal = remaining;
    let fee_amount = if subtotal == 0 {
        0
    } else {
        fee.fixed
            .checked_add(percent_half_up(subtotal, fee.basis_points)?)
            .ok_or_else(too_large)?
    };
    let total = subtotal.checked_add(fee_amount).ok_or_else(too_large)?;
    Ok(Breakdown {
        currency: unit_price.currency,
        unit_price: unit_price.amount,
        periods,
        list_price,
        discounts: applied,
        fee: fee_amount,
        total,
    })
}

/// `amount × basis_points / 10 000`, rounded half up, for non-negative inputs.
pub fn percent_half_up(amount: i64, basis_points: i64) -> Result<i64> {
    let product = i128::from(amount) * i128::from(basis_points);
    let rounded = (product + 5_000) / 10_000;
    i64::try_from(rounded).map_err(|_| Error::invalid(Code::AmountTooLarge))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hkd(amount: i64) -> Money {
        Money::new(amount, Currency::HKD)
    }

    const NO_FEE: Fee = Fee {
        fixed: 0,
        basis_points: 0,
    };

    #[test]
    fn a_plain_renewal() {
        let b = price(
            hkd(8800),
            3,
            vec![],
            Fee {
                fixed: 100,
                basis_points: 250,
            },
        )
        .unwrap();
        assert_eq!(b.list_price, 26_400);
        // 2.5 % of 264.00 is 6.60, plus the fixed 1.00.
        assert_eq!(b.fee, 760);
        assert_eq!(b.total, 27_160);
    }

    #[test]
    fn fee_rounds_half_up() {
        // 1.5 % of 0.33 is 0.495 cents → 0; of 0.34 is 0.51 → 1.
        assert_eq!(
            price(
                hkd(33),
                1,
                vec![],
                Fee {
                    fixed: 0,
                    basis_points: 150
                }
            )
            .unwrap()
            .fee,
            0
        );
        assert_eq!(
            price(
                hkd(34),
                1,
                vec![],
                Fee {
                    fixed: 0,
                    basis_points: 150
                }
            )
            .unwrap()
            .fee,
            1
        );
        // 2.5 % of 0.20 is exactly 0.5 cent → 1.
        assert_eq!(
            price(
                hkd(20),
                1,
                vec![],
                Fee {
                    fixed: 0,
                    basis_points: 250
                }
            )
            .unwrap()
            .fee,
            1
        );
    }

    #[test]
    fn discounts_are_clamped_and_free_orders_have_no_fee() {
        let discounts = vec![Discount::new("a", 6000), Discount::new("b", 6000)];
        let b = price(
            hkd(8800),
            1,
            discounts,
            Fee {
                fixed: 100,
                basis_points: 250,
            },
        )
        .unwrap();
        assert_eq!(b.discount_total(), 8800);
        assert_eq!(b.discounts[1].amount, 2800);
        assert_eq!((b.fee, b.total), (0, 0));
    }

    #[test]
    fn refuses_impossible_inputs() {
        assert_eq!(
            price(hkd(8800), 0, vec![], NO_FEE).unwrap_err().code,
            Code::InvalidPeriods
        );
        assert_eq!(
            price(hkd(8800), 37, vec![], NO_FEE).unwrap_err().code,
            Code::InvalidPeriods
        );
        assert!(price(hkd(0), 1, vec![], NO_FEE).is_err());
        assert!(price(hkd(i64::MAX), 2, vec![], NO_FEE).is_err());
    }

    proptest! {
        #[test]
        fn totals_hold_together(
            unit in 1i64..10_000_000,
            periods in 1u32..=MAX_PERIODS,
            amounts in proptest::collection::vec(-1_000i64..50_000_000, 0..4),
            fixed in 0i64..10_000,
            bp in 0i64..=2_000,
        ) {
            let discounts: Vec<Discount> = amounts.iter().enumerate()
                .map(|(i, a)| Discount::new(&format!("p{i}"), *a)).collect();
            let b = price(hkd(unit), periods, discounts.clone(), Fee { fixed, basis_points: bp }).unwrap();
            prop_assert!(b.total >= 0);
            prop_assert!(b.discount_total() <= b.list_price);
            prop_assert!(b.discounts.iter().all(|d| d.amount > 0));
            prop_assert_eq!(b.total, b.list_price - b.discount_total() + b.fee);
            // The order of discounts does not change the total.
            let mut reversed = discounts;
            reversed.reverse();
            let r = price(hkd(unit), periods, reversed, Fee { fixed, basis_points: bp }).unwrap();
            prop_assert_eq!(r.total, b.total);
        }
    }
}
