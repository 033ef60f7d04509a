//! A range of whole days in the operator's time zone, as a person picks it: from and
//! to (both included), written `YYYY-MM-DD`, at most [`MAX_DAYS`] days.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{Code, Error, Result};

/// The longest range a report or an export takes.
pub const MAX_DAYS: i64 = 366;
/// The days shown when none are picked: the last 30, today included.
const DEFAULT_DAYS: u64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

fn refused(field: &'static str, why: String) -> Error {
    Error::invalid(Code::InvalidRange)
        .on_field(field)
        .with_details(vec![why])
}

fn date(field: &'static str, text: &str) -> Result<NaiveDate> {
    let text = text.trim();
    if text.len() != 10 {
        return Err(refused(
            field,
            format!("{field} must be a date written YYYY-MM-DD"),
        ));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        refused(
            field,
            format!("{field} must be a real date written YYYY-MM-DD"),
        )
    })
}

impl Range {
    /// The range `from`–`to` (either may be missing or empty: the last 30 days up to
    /// `today`, or 30 days from `from`, or the 30 days up to `to`). Refused
    /// (`invalid_range`, naming the field) when a date is not a real `YYYY-MM-DD`
    /// date, when `from` is after `to`, or when the range is longer than 366 days.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<Range> {
        let from = from.filter(|s| !s.trim().is_empty());
        let to = to.filter(|s| !s.trim().is_empty());
        let span = Days::new(DEFAULT_DAYS - 1);
        let (from, to) = match (from, to) {
            (Some(f), Some(t)) => (date("from", f)?, date("to", t)?),
            (Some(f), None) => {
                let f = date("from", f)?;
                (f, f.checked_add_days(span).unwrap_or(f))
            }
            (None, Some(t)) => {
                let t = date("to", t)?;
                (t.checked_sub_days(span).unwrap_or(t), t)
            }
            (None, None) => (today.checked_sub_days(span).unwrap_or(today), today),
        };
        if from > to {
            return Err(refused("from", format!("from ({from}) is after to ({to})")));
        }
        let days = (to - from).num_days() + 1;
        if days > MAX_DAYS {
            return Err(refused(
                "to",
                format!("{days} days from {from} to {to}; at most {MAX_DAYS}"),
            ));
        }
        Ok(Range { from, to })
    }

    /// The instants the range covers: from the first day's midnight to the midnight
    /// after the last day, in `zone`.
    pub fn bounds(&self, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |day: NaiveDate| {
            let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
            zone.from_local_datetime(&midnight)
                .earliest()
                .unwrap_or_else(|| Utc.from_utc_datetime(&midnight).with_timezone(&zone))
                .with_timezone(&Utc)
        };
        let after = self.to.succ_opt().unwrap_or(self.to);
        (start(self.from), start(after))
    }

    /// Every day of the range, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let (from, to) = (self.from, self.to);
        from.iter_days().take_while(move |d| *d <= to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn no_dates_mean_the_last_thirty_days() {
        let range = Range::parse(None, Some(""), day("2026-12-07")).unwrap();
        assert_eq!(
            (range.from, range.to),
            (day("2026-11-08"), day("2026-12-07"))
        );
        assert_eq!(range.days().count(), 30);
    }

    #[test]
    fn bad_dates_and_ranges_are_refused() {
        let today = day("2026-12-07");
        for (from, to) in [
            ("2026-02-30", "2026-03-01"),
            ("2026-1-5", "2026-01-09"),
            ("yesterday", "2026-01-09"),
            ("2026-01-09", "2026-01-08"),
            ("2025-01-01", "2026-01-02"),
            ("2026-01-01'; drop table orders; --", "2026-01-02"),
        ] {
            let error = Range::parse(Some(from), Some(to), today).unwrap_err();
            assert_eq!(error.code, Code::InvalidRange, "{from} {to}");
        }
        assert!(Range::parse(Some("2025-01-01"), Some("2026-01-01"), today).is_ok());
    }

    #[test]
    fn a_day_runs_midnight_to_midnight_in_the_zone() {
        let range =
            Range::parse(Some("2026-12-07"), Some("2026-12-07"), day("2026-12-07")).unwrap();
        let (from, to) = range.bounds(chrono_tz::Asia::Hong_Kong);
        assert_eq!(from.to_rfc3339(), "2026-12-06T16:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-12-07T16:00:00+00:00");
    }
}
