//! Plans as the catalog sells them: pure types, no storage.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Days, Months, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Code, Error};
use crate::i18n::Locale;
use crate::money::{Currency, Money};

/// The most periods one order may put on a line, free periods included.
pub const MAX_PERIODS: u32 = 36;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlanCode(String);

impl PlanCode {
    /// 2–40 characters of `A–Z`, `0–9` and inner `-`; lower case is raised.
    pub fn parse(input: &str) -> Result<PlanCode, Error> {
        let code = input.trim().to_ascii_uppercase();
        let ok = (2..=40).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            && !code.starts_with('-')
            && !code.ends_with('-');
        if ok {
            Ok(PlanCode(code))
        } else {
            Err(Error::invalid(Code::InvalidPlanCode).on_field("plan_code"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PlanCode {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PlanCode::parse(&value)
    }
}

impl From<PlanCode> for String {
    fn from(value: PlanCode) -> Self {
        value.0
    }
}

impl fmt::Display for PlanCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PeriodUnit {
    Day,
    Week,
    Month,
    Year,
}

impl PeriodUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodUnit::Day => "day",
            PeriodUnit::Week => "week",
            PeriodUnit::Month => "month",
            PeriodUnit::Year => "year",
        }
    }

    pub fn parse(text: &str) -> Option<PeriodUnit> {
        match text {
            "day" => Some(PeriodUnit::Day),
            "week" => Some(PeriodUnit::Week),
            "month" => Some(PeriodUnit::Month),
            "year" => Some(PeriodUnit::Year),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Period {
    pub unit: PeriodUnit,
    pub count: u32,
}

impl Period {
    pub const MAX_DAYS: u32 = 3 * 366;

    pub fn new(unit: PeriodUnit, count: u32) -> Result<Period, Error> {
        let days = match unit {
            PeriodUnit::Day => count,
            PeriodUnit::Week => count.saturating_mul(7),
            PeriodUnit::Month => count.saturating_mul(31),
            PeriodUnit::Year => count.saturating_mul(366),
        };
        if count == 0 || days > Self::MAX_DAYS {
            return Err(Error::invalid(Code::InvalidPeriod));
        }
        Ok(Period { unit, count })
    }

    /// Where a period that starts at `start` ends: calendar months and years are
    /// counted in the subscriber's time zone (31 Jan + 1 month = 28/29 Feb).
    pub fn end_from(&self, start: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
        let local = start.with_timezone(&zone);
        let end = match self.unit {
            PeriodUnit::Day => local.checked_add_days(Days::new(u64::from(self.count))),
            PeriodUnit::Week => local.checked_add_days(Days::new(7 * u64::from(self.count))),
            PeriodUnit::Month => local.checked_add_months(Months::new(self.count)),
            PeriodUnit::Year => local.checked_add_months(Months::new(12 * self.count)),
        };
        end.map(|end| end.with_timezone(&Utc))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// How long a plan runs, as the plans page groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Length {
    /// Under a week.
    DayPass,
    /// A week up to four weeks.
    Weekly,
    /// About a month, up to a year.
    Monthly,
    /// A year or more.
    Yearly,
}

impl Length {
    pub const ALL: [Length; 4] = [
        Length::DayPass,
        Length::Weekly,
        Length::Monthly,
        Length::Yearly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Length::DayPass => "day_pass",
            Length::Weekly => "weekly",
            Length::Monthly => "monthly",
            Length::Yearly => "yearly",
        }
    }
}

impl Period {
    /// The group a plan of this period is listed in: 1–6 days a day pass, 7–27 days
    /// (or weeks) weekly, 28–364 days (or months) monthly, a year or 365 days on yearly.
    pub fn length(&self) -> Length {
        let days = match self.unit {
            PeriodUnit::Day => self.count,
            PeriodUnit::Week => self.count * 7,
            PeriodUnit::Month if self.count >= 12 => 365,
            PeriodUnit::Month => 28,
            PeriodUnit::Year => 365,
        };
        match days {
            0..=6 => Length::DayPass,
            7..=27 => Length::Weekly,
            28..=364 => Length::Monthly,
            _ => Length::Yearly,
        }
    }
}

/// What a period gives in data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Allowance {
    Capped {
        bytes: u64,
    },
    /// No hard cap: past `fair_use_cap` bytes the line is slowed to `throttle_kbps`.
    Unlimited {
        fair_use_cap: u64,
        throttle_kbps: u32,
    },
}

impl Allowance {
    /// The bytes credited per period; `None` for unlimited plans.
    pub fn bytes(&self) -> Option<u64> {
        match self {
            Allowance::Capped { bytes } => Some(*bytes),
            Allowance::Unlimited { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Zone {
    /// Hong Kong only.
    #[serde(rename = "hk")]
    Hk,
    /// Hong Kong and Macau.
    #[serde(rename = "hk_mo")]
    HkMo,
    /// Mainland China, Hong Kong and Macau.
    #[serde(rename = "cn_hk_mo")]
    CnHkMo,
}

impl Zone {
    pub fn as_str(self) -> &'static str {
        match self {
            Zone::Hk => "hk",
            Zone::HkMo => "hk_mo",
            Zone::CnHkMo => "cn_hk_mo",
        }
    }

    pub fn parse(text: &str) -> Option<Zone> {
        match text {
            "hk" => Some(Zone::Hk),
            "hk_mo" => Some(Zone::HkMo),
            "cn_hk_mo" => Some(Zone::CnHkMo),
            _ => None,
        }
    }
}

/// One version of a plan: terms and prices as sold from `effective_from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub code: PlanCode,
    pub version_id: String,
    pub version: i64,
    pub effective_from: DateTime<Utc>,
    pub names: BTreeMap<String, String>,
    pub zone: Zone,
    pub period: Period,
    pub allowance: Allowance,
    pub prices: BTreeMap<Currency, i64>,
}

impl Plan {
    /// The name in the reader's language, else its fallbacks', else the code.
    pub fn name(&self, locale: Locale) -> &str {
        crate::i18n::name_in(&self.names, locale).unwrap_or(self.code.as_str())
    }

    pub fn price(&self, currency: Currency) -> Option<Money> {
        self.prices
            .get(&currency)
            .map(|amount| Money::new(*amount, currency))
    }
}

/// `21474836480` → `20 GB` (binary multiples, as operators sell them).
pub fn format_bytes(bytes: u64) -> String {
    crate::volume::DataVolume::bytes(bytes).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn plan_codes() {
        assert_eq!(
            PlanCode::parse("hk-30d-20g").unwrap().as_str(),
            "HK-30D-20G"
        );
        for bad in [
            "",
            "A",
            "-HK",
            "HK-",
            "HK 30D",
            "HK_30D",
            "香港",
            &"A".repeat(41),
        ] {
            assert!(PlanCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn periods_end_on_the_calendar_in_hong_kong() {
        let hk = chrono_tz::Asia::Hong_Kong;
        let start = hk
            .with_ymd_and_hms(2026, 1, 31, 10, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let month = Period::new(PeriodUnit::Month, 1).unwrap();
        let end = month.end_from(start, hk).with_timezone(&hk);
        assert_eq!(end.to_string(), "2026-02-28 10:00:00 HKT");
        let days = Period::new(PeriodUnit::Day, 30)
            .unwrap()
            .end_from(start, hk);
        assert_eq!(days - start, chrono::Duration::days(30));
        let year = Period::new(PeriodUnit::Year, 1)
            .unwrap()
            .end_from(start, hk)
            .with_timezone(&hk);
        assert_eq!(year.to_string(), "2027-01-31 10:00:00 HKT");
    }

    #[test]
    fn plans_are_grouped_by_how_long_they_run() {
        let length = |unit, count| Period::new(unit, count).unwrap().length();
        assert_eq!(length(PeriodUnit::Day, 1), Length::DayPass);
        assert_eq!(length(PeriodUnit::Day, 6), Length::DayPass);
        assert_eq!(length(PeriodUnit::Day, 7), Length::Weekly);
        assert_eq!(length(PeriodUnit::Week, 2), Length::Weekly);
        assert_eq!(length(PeriodUnit::Day, 30), Length::Monthly);
        assert_eq!(length(PeriodUnit::Week, 4), Length::Monthly);
        assert_eq!(length(PeriodUnit::Month, 1), Length::Monthly);
        assert_eq!(length(PeriodUnit::Month, 12), Length::Yearly);
        assert_eq!(length(PeriodUnit::Day, 365), Length::Yearly);
        assert_eq!(length(PeriodUnit::Year, 1), Length::Yearly);
    }

    #[test]
    fn periods_have_bounds() {
        assert!(Period::new(PeriodUnit::Day, 0).is_err());
        assert!(Period::new(PeriodUnit::Year, 4).is_err());
        assert!(Period::new(PeriodUnit::Year, 3).is_ok());
    }

    #[test]
    fn bytes_read_like_an_operator_writes_them() {
        assert_eq!(format_bytes(21_474_836_480), "20 GB");
        assert_eq!(format_bytes(1_610_612_736), "1.5 GB");
        assert_eq!(format_bytes(512 * 1024 * 1024), "512 MB");
        assert_eq!(format_bytes(0), "0 B");
    }
}
