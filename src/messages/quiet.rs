//! Quiet hours: no non-urgent SMS from 22:00 until 08:00 local time (`locale.time_zone`).

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

const QUIET_FROM: u32 = 22;
const QUIET_UNTIL: u32 = 8;

/// When a non-urgent SMS may go: `now`, or 08:00 local when `now` is in quiet hours.
pub fn quiet_until(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let local = now.with_timezone(&zone);
    let day = match local.hour() {
        h if h >= QUIET_FROM => local.date_naive() + Duration::days(1),
        h if h < QUIET_UNTIL => local.date_naive(),
        _ => return now,
    };
    let eight = day.and_time(NaiveTime::from_hms_opt(QUIET_UNTIL, 0, 0).unwrap_or_default());
    zone.from_local_datetime(&eight)
        .earliest()
        .map_or(now, |at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hk(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|at| at.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn quiet_hours_defer_to_eight_in_the_morning() {
        let zone = chrono_tz::Asia::Hong_Kong;
        let day = hk("2026-11-25T10:00:00+08:00");
        assert_eq!(quiet_until(day, zone), day);
        assert_eq!(
            quiet_until(hk("2026-11-25T21:59:59+08:00"), zone),
            hk("2026-11-25T21:59:59+08:00")
        );
        assert_eq!(
            quiet_until(hk("2026-11-25T22:00:00+08:00"), zone),
            hk("2026-11-26T08:00:00+08:00")
        );
        assert_eq!(
            quiet_until(hk("2026-11-26T03:30:00+08:00"), zone),
            hk("2026-11-26T08:00:00+08:00")
        );
        assert_eq!(
            quiet_until(hk("2026-11-26T08:00:00+08:00"), zone),
            hk("2026-11-26T08:00:00+08:00")
        );
    }
}
