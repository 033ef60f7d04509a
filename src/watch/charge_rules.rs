//! The rules about charges, pure: what is wrong with an order's price, whether an
//! order was paid twice, and when one card or wallet was charged too often.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::payments::PaymentState;

/// An order's price as it was stored, and what the catalog says its plan version costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPrice {
    pub periods: i64,
    pub list_price: i64,
    pub discounts: i64,
    pub fee: i64,
    pub total: i64,
    /// The version's price for one period in the order's currency; `None` for a
    /// wallet top-up (no plan) or a version without that currency.
    pub catalog_unit: Option<i64>,
}

/// Something that does not add up about what an order charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum PriceProblem {
    /// The list price is not the catalog's price of the version for that many periods.
    NotTheCatalogPrice { catalog: i64, list_price: i64 },
    /// The total is not the list price less the discounts plus the method fee.
    TotalDoesNotAddUp { expected: i64, total: i64 },
    /// A payment (as we asked for it, or as the provider says it took it) is not
    /// the order's total.
    ChargedAnotherAmount { charged: i64, total: i64 },
}

/// What is wrong with an order's price given the amounts its payments charged.
pub fn price_problems(price: &StoredPrice, charged: &[i64]) -> Vec<PriceProblem> {
    let mut out = Vec::new();
    if let Some(unit) = price.catalog_unit {
        let catalog = unit.saturating_mul(price.periods);
        if catalog != price.list_price {
            out.push(PriceProblem::NotTheCatalogPrice {
                catalog,
                list_price: price.list_price,
            });
        }
    }
    let expected = price.list_price - price.discounts + price.fee;
    if expected != price.total {
        out.push(PriceProblem::TotalDoesNotAddUp {
            expected,
            total: price.total,
        });
    }
    let mut seen = Vec::new();
    for &amount in charged {
        if amount != price.total && !seen.contains(&amount) {
            seen.push(amount);
            out.push(PriceProblem::ChargedAnotherAmount {
                charged: amount,
                total: price.total,
            });
        }
    }
    out
}

/// Whether money arrived for this payment (and may since have gone back).
pub fn took_money(state: PaymentState) -> bool {
    matches!(
        state,
        PaymentState::Succeeded | PaymentState::RefundPending | PaymentState::Refunded
    )
}

/// Whether an order with payments in `states` was paid more than once.
pub fn paid_twice(states: &[PaymentState]) -> bool {
    states.iter().filter(|s| took_money(**s)).count() >= 2
}

/// One charge on one card or wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub id: String,
    pub at: DateTime<Utc>,
}

/// The charges that took one card or wallet past `most` within `window`: each charge
/// whose trailing window `(at − window, at]` holds exactly `most + 1` charges (by time,
/// then id). It depends only on the charges near each one, so scanning any span
/// that covers them, in any order, finds the same ones.
pub fn bursts(charges: &[Charge], most: usize, window: Duration) -> Vec<Charge> {
    let mut sorted: Vec<&Charge> = charges.iter().collect();
    sorted.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    sorted.dedup_by(|a, b| a.id == b.id);
    let mut out = Vec::new();
    let mut first = 0;
    for (i, charge) in sorted.iter().enumerate() {
        while sorted[first].at <= charge.at - window {
            first += 1;
        }
        if i + 1 - first == most + 1 {
            out.push((*charge).clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn price(periods: i64, list: i64, discounts: i64, fee: i64, total: i64) -> StoredPrice {
        StoredPrice {
            periods,
            list_price: list,
            discounts,
            fee,
            total,
            catalog_unit: Some(list / periods.max(1)),
        }
    }

    #[test]
    fn an_ordinary_order_has_no_problem() {
        let ordinary = price(3, 26_400, 2_000, 610, 25_010);
        assert!(price_problems(&ordinary, &[25_010, 25_010]).is_empty());
        let top_up = StoredPrice {
            catalog_unit: None,
            ..price(1, 10_000, 0, 250, 10_250)
        };
        assert!(price_problems(&top_up, &[10_250]).is_empty());
    }

    #[test]
    fn each_problem_is_named_once() {
        let wrong = StoredPrice {
            catalog_unit: Some(9_900),
            ..price(1, 8_800, 0, 0, 8_000)
        };
        assert_eq!(
            price_problems(&wrong, &[8_000, 80_000, 80_000]),
            vec![
                PriceProblem::NotTheCatalogPrice {
                    catalog: 9_900,
                    list_price: 8_800
                },
                PriceProblem::TotalDoesNotAddUp {
                    expected: 8_800,
                    total: 8_000
                },
                PriceProblem::ChargedAnotherAmount {
                    charged: 80_000,
                    total: 8_000
                },
            ]
        );
    }

    #[test]
    fn paid_twice_counts_money_that_arrived() {
        use PaymentState::*;
        assert!(!paid_twice(&[Failed, Cancelled, Succeeded]));
        assert!(!paid_twice(&[Refunded]));
        assert!(paid_twice(&[Succeeded, RefundPending]));
        assert!(paid_twice(&[Succeeded, Refunded, Pending]));
    }

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    fn charges(minutes: &[i64]) -> Vec<Charge> {
        minutes
            .iter()
            .enumerate()
            .map(|(i, m)| Charge {
                id: format!("c{i:03}"),
                at: at(*m),
            })
            .collect()
    }

    #[test]
    fn a_burst_is_reported_at_the_charge_that_goes_over() {
        let hour = Duration::minutes(60);
        assert!(bursts(&charges(&[0, 10, 20]), 3, hour).is_empty());
        let found = bursts(&charges(&[0, 10, 20, 30, 40, 50]), 3, hour);
        assert_eq!(
            found.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["c003"]
        );
        // Spread over the day, the same charges are ordinary.
        assert!(bursts(&charges(&[0, 200, 400, 600, 800]), 3, hour).is_empty());
        // A second burst later is a second report.
        assert_eq!(
            bursts(&charges(&[0, 1, 2, 3, 500, 501, 502, 503]), 3, hour).len(),
            2
        );
    }

    proptest! {
        /// Whatever order the charges come in, and whatever span around them is read,
        /// the same charges are reported; each with exactly `most + 1` in its window.
        #[test]
        fn bursts_do_not_depend_on_order_or_span(
            minutes in proptest::collection::vec(0i64..600, 0..40),
            most in 1usize..5,
            rotate in 0usize..40,
        ) {
            let window = Duration::minutes(60);
            let all = charges(&minutes);
            let found = bursts(&all, most, window);
            let mut shuffled = all.clone();
            if !shuffled.is_empty() {
                let by = rotate % shuffled.len();
                shuffled.rotate_left(by);
                shuffled.reverse();
            }
            prop_assert_eq!(&bursts(&shuffled, most, window), &found);
            for charge in &found {
                let in_window = all
                    .iter()
                    .filter(|c| c.at > charge.at - window && (c.at, &c.id) <= (charge.at, &charge.id))
                    .count();
                prop_assert_eq!(in_window, most + 1);
                // Reading only the hour before it and after finds it too.
                let near: Vec<Charge> = all
                    .iter()
                    .filter(|c| c.at > charge.at - window && c.at <= charge.at + window)
                    .cloned()
                    .collect();
                prop_assert!(bursts(&near, most, window).contains(charge));
            }
            if all.len() <= most {
                prop_assert!(found.is_empty());
            }
        }
    }
}
