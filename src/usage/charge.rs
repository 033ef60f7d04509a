//! Charging usage to periods: pure arithmetic, so that any interleaving of
//! duplicate, late and concurrent batches gives the same balances as applying each
//! unique record once in order.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

pub use crate::lines::PeriodQuota;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: String,
    pub iccid: String,
    pub bytes: u64,
    pub started_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Charged in full or in part (the rest is overage).
    Charged { charged: u64, overage: u64 },
    /// The line had no period at that time: kept, not charged.
    NoPeriod,
    /// The period it belongs to has ended: kept and reported, never moved to another.
    PeriodClosed,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Charges {
    /// Per record id, with the period it was charged to.
    pub outcomes: Vec<(String, Option<String>, Outcome)>,
    /// Per period: bytes charged and overage added.
    pub periods: BTreeMap<String, (u64, u64)>,
}

/// Charges `records` (new, unique ids) to `periods`, updating their `used` in place.
/// A record belongs to the period containing its start; an ended period takes no more.
pub fn charge(periods: &mut [PeriodQuota], records: &[Record], now: DateTime<Utc>) -> Charges {
    let mut out = Charges::default();
    for record in records {
        let period = periods.iter_mut().find(|p| {
            p.iccid == record.iccid
                && p.starts_at <= record.started_at
                && record.started_at < p.ends_at
        });
        let Some(period) = period else {
            out.outcomes
                .push((record.id.clone(), None, Outcome::NoPeriod));
            continue;
        };
        if period.ends_at <= now {
            out.outcomes.push((
                record.id.clone(),
                Some(period.id.clone()),
                Outcome::PeriodClosed,
            ));
            continue;
        }
        let charged = match period.remaining() {
            Some(remaining) => record.bytes.min(remaining),
            // Unlimited plans count everything; the fair-use cap only slows the line.
            None => record.bytes,
        };
        let overage = record.bytes - charged;
        period.used = period.used.saturating_add(charged);
        let entry = out.periods.entry(period.id.clone()).or_default();
        entry.0 += charged;
        entry.1 += overage;
        out.outcomes.push((
            record.id.clone(),
            Some(period.id.clone()),
            Outcome::Charged { charged, overage },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(hours)
    }

    fn period(id: &str, from: i64, to: i64, allowance: Option<u64>) -> PeriodQuota {
        PeriodQuota {
            id: id.into(),
            iccid: "L".into(),
            starts_at: at(from),
            ends_at: at(to),
            allowance,
            fair_use_cap: allowance.is_none().then_some(1000),
            used: 0,
        }
    }

    fn record(id: &str, bytes: u64, hour: i64) -> Record {
        Record {
            id: id.into(),
            iccid: "L".into(),
            bytes,
            started_at: at(hour),
        }
    }

    #[test]
    fn charges_the_right_period_and_never_goes_below_zero() {
        let mut periods = vec![
            period("old", -48, -24, Some(100)),
            period("now", -24, 24, Some(100)),
        ];
        let charges = charge(
            &mut periods,
            &[
                record("a", 60, -1),
                record("b", 60, 0),
                record("c", 5, -30),
                record("d", 5, 30),
            ],
            at(0),
        );
        assert_eq!(
            charges.outcomes[0].2,
            Outcome::Charged {
                charged: 60,
                overage: 0
            }
        );
        assert_eq!(
            charges.outcomes[1].2,
            Outcome::Charged {
                charged: 40,
                overage: 20
            }
        );
        assert_eq!(charges.outcomes[2].2, Outcome::PeriodClosed);
        assert_eq!(charges.outcomes[3].2, Outcome::NoPeriod);
        assert_eq!(periods[1].remaining(), Some(0));
        assert_eq!(charges.periods["now"], (100, 20));
    }

    #[test]
    fn unlimited_counts_everything() {
        let mut periods = vec![period("u", -1, 1, None)];
        charge(&mut periods, &[record("a", 1500, 0)], at(0));
        assert_eq!(periods[0].used, 1500);
        assert_eq!(periods[0].percent_used(), Some(100));
    }

    proptest! {
        /// Splitting the records into batches in any way, with duplicates removed
        /// first, gives the same balances as one pass in order.
        #[test]
        fn batches_give_the_same_balances(
            sizes in proptest::collection::vec((1u64..80, -30i64..30), 1..60),
            split in proptest::collection::vec(0usize..60, 0..6),
        ) {
            let records: Vec<Record> = sizes.iter().enumerate().map(|(i, (b, h))| record(&format!("r{i}"), *b, *h)).collect();
            let fresh = || vec![period("p1", -30, 0, Some(500)), period("p2", 0, 30, Some(300))];
            let mut whole = fresh();
            let once = charge(&mut whole, &records, at(-40));
            let mut cuts: Vec<usize> = split.into_iter().map(|c| c.min(records.len())).collect();
            cuts.sort_unstable();
            let mut pieces = fresh();
            let mut start = 0;
            let mut total = BTreeMap::<String, (u64, u64)>::new();
            for cut in cuts.into_iter().chain([records.len()]) {
                let part = charge(&mut pieces, &records[start..cut.max(start)], at(-40));
                for (id, (c, o)) in part.periods { let e = total.entry(id).or_default(); e.0 += c; e.1 += o; }
                start = cut.max(start);
            }
            prop_assert_eq!(&whole, &pieces);
            prop_assert_eq!(once.periods, total);
            for p in &whole { prop_assert!(p.used <= p.allowance.unwrap_or(u64::MAX)); }
        }
    }
}
