//! How records write times, dates and amounts for people, in their language and the
//! operator's time zone (the same forms as the portal's).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::i18n::Locale;

/// `7 Dec 2026, 10:00` / `2026年12月7日 10:00`.
pub fn datetime(locale: Locale, at: DateTime<Utc>, zone: Tz) -> String {
    let local = at.with_timezone(&zone);
    match locale {
        Locale::En => local.format("%-d %b %Y, %H:%M").to_string(),
        Locale::ZhHk | Locale::ZhCn => local.format("%Y年%-m月%-d日 %H:%M").to_string(),
    }
}

/// `7 Dec 2026` / `2026年12月7日`.
pub fn date(locale: Locale, at: DateTime<Utc>, zone: Tz) -> String {
    let local = at.with_timezone(&zone);
    match locale {
        Locale::En => local.format("%-d %b %Y").to_string(),
        Locale::ZhHk | Locale::ZhCn => local.format("%Y年%-m月%-d日").to_string(),
    }
}

/// `December 2026` / `2026年12月`.
pub fn month(locale: Locale, month: super::Month) -> String {
    match locale {
        Locale::En => {
            const NAMES: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            let name = NAMES
                .get(month.month as usize - 1)
                .copied()
                .unwrap_or_default();
            format!("{name} {}", month.year)
        }
        Locale::ZhHk | Locale::ZhCn => format!("{}年{}月", month.year, month.month),
    }
}

/// A period's dates: `1 Dec 2026 – 31 Dec 2026` (its end is exclusive: the last day
/// shown is the day before it ends at midnight).
pub fn period(locale: Locale, starts: DateTime<Utc>, ends: DateTime<Utc>, zone: Tz) -> String {
    format!(
        "{} – {}",
        datetime(locale, starts, zone),
        datetime(locale, ends, zone)
    )
}

/// Bytes as people read them: `1.5 GB`.
pub fn bytes(value: u64) -> String {
    crate::catalog::format_bytes(value)
}
