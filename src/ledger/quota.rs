//! Quota postings: data moves by double entry too, in bytes. A period's data is
//! credited to its quota account (a liability: what we still owe the subscriber) when
//! the period is made; what the network reports used is debited from it and credited
//! to the network's consumption account.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::db::{Backend, Tx};
use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::money::Currency;
use crate::volume::DataVolume;

use super::{AccountKind, Header, HouseAccount, Posting, house, post, post_bulk};

/// The quota ledger's unit: bytes, kept in the ledger's currency column as `BYT`.
pub fn unit() -> Currency {
    Currency::parse("BYT").unwrap_or(Currency::HKD)
}

/// The quota account of one period.
pub fn period_account(period_id: &str, amount: i64) -> Posting {
    Posting {
        code: format!("quota:{period_id}"),
        kind: AccountKind::Liability,
        owner: None,
        amount,
    }
}

fn amount(volume: DataVolume) -> Result<i64> {
    volume.to_stored()
}

/// A new period's data enters the ledger: `quota` credited to its quota account;
/// `already_used` (at most `quota`) debited at once. Nothing for a period without data.
pub async fn open_period(
    tx: &mut Tx,
    period_id: &str,
    quota: DataVolume,
    already_used: DataVolume,
    now: DateTime<Utc>,
) -> Result<()> {
    if quota.is_zero() {
        return Ok(());
    }
    let quota_amount = amount(quota)?;
    let unit = unit();
    let credit = [
        house(HouseAccount::QuotaIssued, unit, quota_amount),
        period_account(period_id, -quota_amount),
    ];
    post(
        tx,
        now,
        "quota",
        &format!("period:{period_id}:quota"),
        "Data allowance",
        unit,
        &credit,
    )
    .await?;
    let used = amount(already_used.min(quota))?;
    if used > 0 {
        let debit = [
            period_account(period_id, used),
            house(HouseAccount::UsageConsumed, unit, -used),
        ];
        post(
            tx,
            now,
            "usage",
            &format!("period:{period_id}:opening_use"),
            "Data used before import",
            unit,
            &debit,
        )
        .await?;
    }
    Ok(())
}

/// One usage batch: each period's quota account debited what was charged to it, the
/// network's consumption account credited the sum, in one bulk transaction.
pub async fn post_usage(
    tx: &mut Tx,
    backend: Backend,
    charged: &BTreeMap<String, DataVolume>,
    now: DateTime<Utc>,
) -> Result<()> {
    let unit = unit();
    let mut postings = Vec::with_capacity(charged.len() + 1);
    let mut total: i64 = 0;
    for (period_id, volume) in charged.iter().filter(|(_, v)| !v.is_zero()) {
        let amount = amount(*volume)?;
        total = total
            .checked_add(amount)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("usage batch total overflows")))?;
        postings.push(period_account(period_id, amount));
    }
    if total == 0 {
        return Ok(());
    }
    postings.push(house(HouseAccount::UsageConsumed, unit, -total));
    let header = Header {
        kind: "usage",
        reference: &new_id("usage", now),
        description: "Data used",
        currency: unit,
    };
    post_bulk(tx, backend, now, &header, &postings).await?;
    Ok(())
}
