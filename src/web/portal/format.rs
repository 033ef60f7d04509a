//! How the portal writes dates, data volumes and periods for people.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::catalog::Period;
use crate::i18n::{Locale, tf};

/// `15 Dec 2026, 02:34` / `2026年12月15日 02:34`, in the subscriber's time zone.
pub fn datetime(locale: Locale, at: DateTime<Utc>, zone: Tz) -> String {
    let local = at.with_timezone(&zone);
    match locale {
        Locale::En => local.format("%-d %b %Y, %H:%M").to_string(),
        Locale::ZhHk | Locale::ZhCn => local.format("%Y年%-m月%-d日 %H:%M").to_string(),
    }
}

pub fn period(locale: Locale, period: Period) -> String {
    let form = if period.count == 1 { "one" } else { "other" };
    let key = format!("period.{}.{form}", period.unit.as_str());
    tf(locale, &key, &[("count", &period.count.to_string())])
}

/// `384 kbps`, `1 Mbps`.
pub fn speed(kbps: u32) -> String {
    if kbps >= 1000 && kbps.is_multiple_of(1024) {
        format!("{} Mbps", kbps / 1024)
    } else if kbps >= 1000 {
        format!("{:.1} Mbps", f64::from(kbps) / 1000.0)
    } else {
        format!("{kbps} kbps")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::PeriodUnit;

    #[test]
    fn dates_read_naturally_in_hong_kong_time() {
        let at = DateTime::parse_from_rfc3339("2026-12-14T18:34:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let hk = chrono_tz::Asia::Hong_Kong;
        assert_eq!(datetime(Locale::En, at, hk), "15 Dec 2026, 02:34");
        assert_eq!(datetime(Locale::ZhHk, at, hk), "2026年12月15日 02:34");
        assert_eq!(datetime(Locale::ZhCn, at, hk), "2026年12月15日 02:34");
    }

    #[test]
    fn periods_and_speeds() {
        assert_eq!(
            period(Locale::En, Period::new(PeriodUnit::Day, 1).unwrap()),
            "1 day"
        );
        assert_eq!(
            period(Locale::En, Period::new(PeriodUnit::Day, 30).unwrap()),
            "30 days"
        );
        assert_eq!(
            period(Locale::ZhHk, Period::new(PeriodUnit::Month, 1).unwrap()),
            "1 個月"
        );
        assert_eq!(
            period(Locale::ZhCn, Period::new(PeriodUnit::Week, 2).unwrap()),
            "2 周"
        );
        assert_eq!(speed(384), "384 kbps");
        assert_eq!(speed(1024), "1 Mbps");
    }
}
