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

/// `7 Dec` / `12月7日`: the day, for titles.
pub fn day(locale: Locale, at: DateTime<Utc>, zone: Tz) -> String {
    let local = at.with_timezone(&zone);
    match locale {
        Locale::En => local.format("%-d %b").to_string(),
        Locale::ZhHk | Locale::ZhCn => local.format("%-m月%-d日").to_string(),
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

/// A wait, for people: `45 seconds`, `1 minute`, `3 分鐘` (minutes rounded up from a
/// minute on).
pub fn wait(locale: Locale, secs: i64) -> String {
    let secs = secs.max(1);
    let (unit, count) = if secs < 60 {
        ("seconds", secs)
    } else {
        ("minutes", (secs + 59) / 60)
    };
    let form = if count == 1 { "one" } else { "other" };
    tf(
        locale,
        &format!("wait.{unit}.{form}"),
        &[("count", &count.to_string())],
    )
}

/// A number as people read it: `+852 9123 4567`, `+86 138 0013 8000`; anything
/// else as it is.
pub fn phone(e164: &str) -> String {
    let digits = e164.strip_prefix('+').unwrap_or_default();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return e164.to_owned();
    }
    for code in ["852", "853", "65"] {
        if let Some(national) = digits.strip_prefix(code).filter(|n| n.len() == 8) {
            return format!("+{code} {} {}", &national[..4], &national[4..]);
        }
    }
    if let Some(national) = digits.strip_prefix("86").filter(|n| n.len() == 11) {
        return format!(
            "+86 {} {} {}",
            &national[..3],
            &national[3..7],
            &national[7..]
        );
    }
    e164.to_owned()
}

/// An ICCID in groups of four digits, for reading and for wrapping between groups
/// only: a last group of one digit joins the one before, so no digit stands alone.
pub fn iccid_groups(iccid: &str) -> Vec<&str> {
    let mut groups = Vec::new();
    let mut rest = iccid;
    // Taking four off more than five leaves at least two.
    while rest.len() > 5 && rest.is_char_boundary(4) {
        let (head, tail) = rest.split_at(4);
        groups.push(head);
        rest = tail;
    }
    if !rest.is_empty() {
        groups.push(rest);
    }
    groups
}

/// The ICCID for the page: its groups, each kept whole on a line.
pub fn iccid(iccid: &str) -> maud::Markup {
    maud::html! {
        span.iccid {
            @for (i, group) in iccid_groups(iccid).into_iter().enumerate() {
                @if i > 0 { " " }
                span.nowrap { (group) }
            }
        }
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
    }

    #[test]
    fn waits_read_in_seconds_then_minutes() {
        assert_eq!(wait(Locale::En, 1), "1 second");
        assert_eq!(wait(Locale::En, 45), "45 seconds");
        assert_eq!(wait(Locale::En, 60), "1 minute");
        assert_eq!(wait(Locale::En, 61), "2 minutes");
        assert_eq!(wait(Locale::ZhHk, 45), "45 秒");
    }

    #[test]
    fn phones_read_in_groups() {
        assert_eq!(phone("+85298765432"), "+852 9876 5432");
        assert_eq!(phone("+8613800138000"), "+86 138 0013 8000");
        assert_eq!(phone("+4420794609"), "+4420794609");
        assert_eq!(phone("9876 5432"), "9876 5432");
        assert_eq!(phone("+852９８７６５４３２"), "+852９８７６５４３２");
    }

    #[test]
    fn iccids_group_by_four_and_never_leave_one_digit() {
        assert_eq!(
            iccid_groups("89852079000000000010"),
            ["8985", "2079", "0000", "0000", "0010"]
        );
        assert_eq!(
            iccid_groups("8985207900000000001"),
            ["8985", "2079", "0000", "0000", "001"]
        );
        assert_eq!(
            iccid_groups("898520790000000000101"),
            ["8985", "2079", "0000", "0000", "00101"]
        );
        assert_eq!(iccid_groups("12345"), ["12345"]);
        for len in 1..30 {
            let digits = "1".repeat(len);
            let groups = iccid_groups(&digits);
            assert_eq!(groups.concat(), digits);
            assert!(groups.iter().all(|g| g.len() >= 2 || len < 2), "{groups:?}");
        }
        assert_eq!(speed(1024), "1 Mbps");
    }
}
