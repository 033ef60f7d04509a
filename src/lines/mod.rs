//! Lines: one eSIM each, with its plan periods (one active, more queued) and data.

mod activation;
mod batch;
mod enforce;
mod events;
pub mod history;
mod iccid;
mod opening;
mod periods;
mod renewal;
pub mod reports;
pub mod review;
pub mod rules;
pub mod stacking;
mod store;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::Result;
use crate::i18n::Locale;
use crate::volume::DataVolume;

pub use activation::{ActivationCode, Platform};
pub use batch::{PeriodQuota, add_charges, load_quotas};
pub use enforce::{enforce, expire_lapsed};
pub use events::{DELIVER_JOB, deliver};
pub use iccid::Iccid;
pub use opening::{open_due, open_on_first_use};
pub use periods::{
    AccountPeriod, NewPeriod, PeriodOfLine, count_bought, ending_by, fair_use_kbps, insert_period,
    of_account_between, of_order, period_of_line, quota_totals, running_last,
};
pub use renewal::{Purchase, open_line, renew};
pub use stacking::Projection;
pub use store::{insert_line, lock_known, mark_installed, owner_of};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Sold, not yet installed on a device.
    PendingInstall,
    Active,
    /// Slowed down (fair use reached).
    Throttled,
    /// Data stopped (quota used up or stopped by the operator).
    Suspended,
    /// No period left.
    Expired,
}

impl LineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LineStatus::PendingInstall => "pending_install",
            LineStatus::Active => "active",
            LineStatus::Throttled => "throttled",
            LineStatus::Suspended => "suspended",
            LineStatus::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<LineStatus> {
        [
            LineStatus::PendingInstall,
            LineStatus::Active,
            LineStatus::Throttled,
            LineStatus::Suspended,
            LineStatus::Expired,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone)]
pub struct Line {
    pub iccid: Iccid,
    pub status: LineStatus,
    /// Why it is throttled, suspended or expired (`quota_exhausted`, `fair_use`, `no_period_left`).
    pub status_reason: Option<String>,
    pub activation_code: Option<String>,
    /// Sold to start at install and not used yet: its periods (in `queued`) start at
    /// the first use, at the latest then.
    pub opens_by: Option<DateTime<Utc>>,
    pub current: Option<LinePeriod>,
    pub queued: Vec<LinePeriod>,
}

#[derive(Debug, Clone)]
pub struct LinePeriod {
    pub plan_code: String,
    pub plan_names: BTreeMap<String, String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `None` for unlimited plans.
    pub data_allowance: Option<DataVolume>,
    pub fair_use_cap: Option<DataVolume>,
    pub data_used: DataVolume,
}

impl LinePeriod {
    /// Never below zero, whatever was used.
    pub fn data_remaining(&self) -> Option<DataVolume> {
        self.data_allowance
            .map(|allowance| allowance.saturating_sub(self.data_used))
    }

    /// Share of the allowance (or fair-use cap) still left, 0–100.
    pub fn percent_left(&self) -> Option<u8> {
        let total = self.data_allowance.or(self.fair_use_cap)?.as_bytes();
        if total == 0 {
            return Some(0);
        }
        let left = total.saturating_sub(self.data_used.as_bytes());
        u8::try_from(u128::from(left) * 100 / u128::from(total)).ok()
    }

    /// Share of the fair-use cap used so far, 0–100, on an unlimited plan.
    pub fn percent_used_of_fair_use(&self) -> Option<u8> {
        if self.data_allowance.is_some() {
            return None;
        }
        let cap = self.fair_use_cap?.as_bytes();
        if cap == 0 {
            return Some(100);
        }
        let used = self.data_used.as_bytes().min(cap);
        u8::try_from(u128::from(used) * 100 / u128::from(cap)).ok()
    }

    pub fn plan_name(&self, locale: Locale) -> &str {
        crate::i18n::name_in(&self.plan_names, locale).unwrap_or(&self.plan_code)
    }
}

impl Line {
    /// The end of the line's last period, queued ones included: its one "valid until".
    pub fn valid_until(&self) -> Option<DateTime<Utc>> {
        self.current
            .iter()
            .chain(&self.queued)
            .map(|period| period.ends_at)
            .max()
    }
}

/// The account's lines with their periods as of now.
pub async fn for_account(app: &App, account_id: &str) -> Result<Vec<Line>> {
    store::lines_of_account(app, account_id, app.now()).await
}

/// Where `count` periods of `period` bought now would go: on the line `iccid` (a
/// renewal: behind its periods, or from now, cutting short a running period whose
/// data has run out), or on a new line (`None`). The one projection the checkout
/// shows; fulfilment applies the same rules ([`stacking::project`]).
pub async fn projected_periods(
    app: &App,
    iccid: Option<&Iccid>,
    period: crate::catalog::Period,
    count: u32,
) -> Result<Projection> {
    let now = app.now();
    let ahead = match iccid {
        Some(iccid) => periods::ahead(app.db.reader(), iccid, now)
            .await?
            .into_iter()
            .map(|(_, period)| period)
            .collect(),
        None => Vec::new(),
    };
    // A new eSIM sold to start at install is counted from its latest start.
    let latest_start = match (iccid, app.config.lines.validity_start()) {
        (None, Ok(crate::config::ValidityStart::AtInstall { latest_days })) => {
            Some(now + chrono::Duration::days(i64::from(latest_days)))
        }
        _ => None,
    };
    let mut projection = stacking::project(
        &ahead,
        latest_start.unwrap_or(now),
        period,
        count,
        app.config.time_zone(),
    );
    projection.starts_at_install = latest_start;
    Ok(projection)
}

/// What the subscriber should see: a line whose time ran out reads `expired` even
/// before the background job has caught up with it.
pub fn effective_status(
    stored: LineStatus,
    has_current_period: bool,
    has_any_period: bool,
) -> LineStatus {
    if rules::lapses(stored) && !has_current_period && has_any_period {
        LineStatus::Expired
    } else {
        stored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(allowance: Option<u64>, used: u64) -> LinePeriod {
        LinePeriod {
            plan_code: "X".into(),
            plan_names: BTreeMap::new(),
            starts_at: Utc::now(),
            ends_at: Utc::now(),
            data_allowance: allowance.map(DataVolume::bytes),
            fair_use_cap: None,
            data_used: DataVolume::bytes(used),
        }
    }

    #[test]
    fn remaining_never_goes_negative() {
        assert_eq!(
            period(Some(100), 30).data_remaining(),
            Some(DataVolume::bytes(70))
        );
        assert_eq!(
            period(Some(100), 130).data_remaining(),
            Some(DataVolume::ZERO)
        );
        assert_eq!(period(None, 130).data_remaining(), None);
        assert_eq!(period(Some(200), 50).percent_left(), Some(75));
        assert_eq!(period(Some(200), 500).percent_left(), Some(0));
    }

    #[test]
    fn fair_use_is_measured_as_used_and_only_on_unlimited_plans() {
        let unlimited = |cap: u64, used: u64| LinePeriod {
            fair_use_cap: Some(DataVolume::bytes(cap)),
            ..period(None, used)
        };
        assert_eq!(unlimited(200, 50).percent_used_of_fair_use(), Some(25));
        assert_eq!(unlimited(200, 500).percent_used_of_fair_use(), Some(100));
        assert_eq!(period(Some(200), 50).percent_used_of_fair_use(), None);
    }

    #[test]
    fn a_line_is_valid_until_the_end_of_its_last_period() {
        let ending = |days: i64| LinePeriod {
            ends_at: DateTime::from_timestamp(1_800_000_000 + days * 86_400, 0).unwrap(),
            ..period(Some(1), 0)
        };
        let line = Line {
            iccid: Iccid::with_check_digit("898520000000000001").unwrap(),
            status: LineStatus::Active,
            status_reason: None,
            activation_code: None,
            current: Some(ending(5)),
            queued: vec![ending(35), ending(65)],
            opens_by: None,
        };
        assert_eq!(line.valid_until(), Some(ending(65).ends_at));
        let bare = Line {
            current: None,
            queued: Vec::new(),
            ..line
        };
        assert_eq!(bare.valid_until(), None);
    }

    #[test]
    fn status_reads_expired_once_time_is_up() {
        assert_eq!(
            effective_status(LineStatus::Active, false, true),
            LineStatus::Expired
        );
        assert_eq!(
            effective_status(LineStatus::Active, true, true),
            LineStatus::Active
        );
        assert_eq!(
            effective_status(LineStatus::PendingInstall, false, false),
            LineStatus::PendingInstall
        );
    }
}
