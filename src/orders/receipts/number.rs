//! Receipt and credit-note numbers: one counter row per series and year, moved by the
//! issuing transaction. A rolled-back transaction takes its number back (no gaps);
//! the row lock the upsert takes keeps two transactions from sharing one (on SQLite
//! the single writer does).

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::db::Tx;
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    Receipt,
    CreditNote,
}

impl Series {
    pub fn prefix(self) -> &'static str {
        match self {
            Series::Receipt => "R",
            Series::CreditNote => "CN",
        }
    }

    /// The series of `at`'s year in the operator's time zone: `R2026`.
    pub fn name(self, at: DateTime<Utc>, zone: Tz) -> String {
        format!("{}{}", self.prefix(), at.with_timezone(&zone).year())
    }
}

/// `R2026` and 1 → `R2026-000001`.
pub fn format_number(series: &str, n: i64) -> String {
    format!("{series}-{n:06}")
}

/// The next number of `series` for a document issued at `at`, taken in `tx`.
pub async fn next_number(
    tx: &mut Tx,
    series: Series,
    at: DateTime<Utc>,
    zone: Tz,
) -> Result<String> {
    let name = series.name(at, zone);
    let last: i64 = sqlx::query_scalar(
        "INSERT INTO receipt_series (series, last) VALUES ($1, 1) \
         ON CONFLICT (series) DO UPDATE SET last = receipt_series.last + 1 RETURNING last",
    )
    .bind(&name)
    .fetch_one(&mut **tx)
    .await?;
    Ok(format_number(&name, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_carry_the_series_and_six_digits() {
        assert_eq!(format_number("R2026", 1), "R2026-000001");
        assert_eq!(format_number("CN2026", 123_456), "CN2026-123456");
        assert_eq!(format_number("R2026", 1_234_567), "R2026-1234567");
    }

    #[test]
    fn the_year_is_the_operators() {
        let new_year_in_hong_kong = "2026-12-31T16:30:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            Series::Receipt.name(new_year_in_hong_kong, chrono_tz::Asia::Hong_Kong),
            "R2027"
        );
        assert_eq!(
            Series::CreditNote.name(new_year_in_hong_kong, chrono_tz::UTC),
            "CN2026"
        );
    }
}
