//! What buying periods does to a line, inside the fulfilment's transaction: a new
//! line with its periods, or a renewal that stacks periods behind the last one (after
//! ending a running period whose data has run out) and resumes the line if it now has
//! data to use.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::catalog::Period;
use crate::config::ValidityStart;
use crate::db::{Backend, Tx};
use crate::error::Result;
use crate::network::Action;
use crate::volume::DataVolume;

use super::periods::{self, NewPeriod};
use super::rules::PeriodData;
use super::{Iccid, LineStatus, enforce, store};

/// Periods bought by one order.
pub struct Purchase<'a> {
    pub order_id: &'a str,
    pub plan_version_id: &'a str,
    pub period: Period,
    pub count: u32,
    pub data_allowance: Option<DataVolume>,
    pub fair_use_cap: Option<DataVolume>,
}

/// A new line for `account_id`, not yet installed, with the periods bought: starting
/// now, or (`at_install`) placed from the latest start until the first use opens them
/// (see [`super::opening`]).
#[allow(clippy::too_many_arguments)]
pub async fn open_line(
    tx: &mut Tx,
    iccid: &Iccid,
    account_id: &str,
    activation_code: &str,
    purchase: &Purchase<'_>,
    validity_start: ValidityStart,
    zone: Tz,
    now: DateTime<Utc>,
) -> Result<()> {
    let opens_by = super::opening::latest_start(validity_start, now);
    store::insert_line(
        tx,
        iccid,
        Some(account_id),
        LineStatus::PendingInstall,
        Some(activation_code),
        now,
    )
    .await?;
    if let Some(opens_by) = opens_by {
        store::set_opens_by(tx, iccid, opens_by).await?;
    }
    add_periods(tx, iccid, opens_by, purchase, zone, now).await?;
    Ok(())
}

/// Renews the line with the periods bought.
pub async fn renew(
    tx: &mut Tx,
    backend: Backend,
    iccid: &Iccid,
    purchase: &Purchase<'_>,
    zone: Tz,
    now: DateTime<Utc>,
) -> Result<()> {
    // Two renewals of one line fulfilled at once must not both stack after the same
    // last period: hold the line until this transaction ends.
    store::lock(tx, backend, iccid).await?;
    let mut ahead = periods::ahead(&mut **tx, iccid, now).await?;
    let data: Vec<PeriodData> = ahead.iter().map(|(_, period)| *period).collect();
    for i in super::stacking::ending_on_renewal(&data, now) {
        if periods::end_exhausted(tx, &ahead[i].0, now).await? {
            ahead[i].1.ends_at = now;
        }
    }
    let last_end = ahead.iter().map(|(_, p)| p.ends_at).max();
    let added = add_periods(tx, iccid, last_end, purchase, zone, now).await?;
    // A line slowed, stopped or lapsed comes back by itself once it has data to use;
    // if the renewal is queued, the period-start sweep resumes it.
    let usable = ahead
        .iter()
        .map(|(_, p)| p)
        .chain(&added)
        .any(|p| p.has_usable_data(now));
    if usable {
        enforce(tx, iccid, Action::Resume, "renewed", now).await?;
    }
    Ok(())
}

async fn add_periods(
    tx: &mut Tx,
    iccid: &Iccid,
    last_end: Option<DateTime<Utc>>,
    purchase: &Purchase<'_>,
    zone: Tz,
    now: DateTime<Utc>,
) -> Result<Vec<PeriodData>> {
    let mut added = Vec::new();
    for (starts_at, ends_at) in
        super::stacking::stack(last_end, now, purchase.period, purchase.count, zone)
    {
        periods::insert_period(
            tx,
            &NewPeriod {
                iccid,
                plan_version_id: purchase.plan_version_id,
                order_id: Some(purchase.order_id),
                starts_at,
                ends_at,
                data_allowance: purchase.data_allowance,
                fair_use_cap: purchase.fair_use_cap,
                data_used: DataVolume::ZERO,
            },
            now,
        )
        .await?;
        added.push(PeriodData {
            starts_at,
            ends_at,
            allowance: purchase.data_allowance,
            fair_use_cap: purchase.fair_use_cap,
            used: DataVolume::ZERO,
        });
    }
    Ok(added)
}
