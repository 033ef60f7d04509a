//! The monthly spend cap a subscriber sets: auto-renew does not charge a renewal that
//! would take the calendar month's purchases (in the operator's time zone) past it,
//! and keeps what it refused, once per period, for the watch to tell the subscriber.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};

use crate::app::App;
use crate::audit;
use crate::clock::{from_millis, to_millis};
use crate::error::{Code, Error, Result};
use crate::money::{Currency, Money};
use crate::orders::OrderRequest;

/// The largest cap (minor units): ten million in the operator's currency.
pub const MAX_CAP: i64 = 1_000_000_000;

/// Whether a charge of `charge` may go when the month's purchases so far are `spent`:
/// always without a cap; with one, only in its currency and up to it.
pub fn allows(cap: Option<Money>, spent: i64, charge: Money) -> bool {
    match cap {
        None => true,
        Some(cap) => {
            cap.currency == charge.currency && spent.saturating_add(charge.amount) <= cap.amount
        }
    }
}

/// The calendar month `at` falls in, in `zone`, as `[from, to)`.
pub fn month_of(at: DateTime<Utc>, zone: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let local = at.with_timezone(&zone).date_naive();
    let first = NaiveDate::from_ymd_opt(local.year(), local.month(), 1).unwrap_or(local);
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    let start = |day: NaiveDate| {
        zone.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map_or(at, |t| t.with_timezone(&Utc))
    };
    (start(first), start(next))
}

/// A cap as the subscriber asks for it: more than zero, in the operator's currency,
/// at most [`MAX_CAP`]; `None` removes it.
pub fn check(monthly: Option<Money>, currency: Currency) -> Result<Option<Money>> {
    match monthly {
        None => Ok(None),
        Some(cap) if cap.amount > 0 && cap.amount <= MAX_CAP && cap.currency == currency => {
            Ok(Some(cap))
        }
        Some(_) => Err(Error::invalid(Code::InvalidSpendCap).on_field("monthly")),
    }
}

/// The account's cap, if set.
pub async fn get(app: &App, account_id: &str) -> Result<Option<Money>> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT amount, currency FROM spend_caps WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(app.db.reader())
            .await?;
    row.map(|(amount, currency)| {
        Currency::parse(&currency)
            .map(|currency| Money::new(amount, currency))
            .map_err(|_| Error::internal(anyhow::anyhow!("spend cap has a bad currency")))
    })
    .transpose()
}

/// Sets (or with `None` removes) the account's cap; checked first, audited as
/// `spend_cap.set` with the subscriber as actor.
pub async fn set(app: &App, account_id: &str, monthly: Option<Money>) -> Result<Option<Money>> {
    let cap = check(monthly, app.config.locale.currency)?;
    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    match cap {
        Some(cap) => {
            sqlx::query(
                "INSERT INTO spend_caps (account_id, amount, currency, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (account_id) DO UPDATE SET amount = EXCLUDED.amount, \
                 currency = EXCLUDED.currency, updated_at = EXCLUDED.updated_at",
            )
            .bind(account_id)
            .bind(cap.amount)
            .bind(cap.currency.as_str())
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM spend_caps WHERE account_id = $1")
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
        }
    }
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        &format!("account:{account_id}"),
        "spend_cap.set",
        account_id,
        &cap.map_or_else(|| "removed".to_owned(), |c| c.to_string()),
    )
    .await?;
    tx.commit().await?;
    Ok(cap)
}

/// A renewal auto-renew did not charge for the cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub period_id: String,
    pub iccid: String,
    pub account_id: String,
    /// What the renewal would have charged.
    pub amount: Money,
    /// The month's purchases before it.
    pub spent: Money,
    pub cap: Money,
    pub refused_at: DateTime<Utc>,
}

/// Before auto-renew charges `request` for the period: `true` (and the refusal kept,
/// once per period) when the charge would pass the account's cap. A renewal that
/// cannot be priced is left to the attempt, which reports why.
pub(super) async fn refuses(
    app: &App,
    account_id: &str,
    period_id: &str,
    iccid: &str,
    request: &OrderRequest,
) -> Result<bool> {
    let Some(cap) = get(app, account_id).await? else {
        return Ok(false);
    };
    let Ok(quote) = crate::orders::quote(app, account_id, request).await else {
        return Ok(false);
    };
    let charge = quote.total();
    let now = app.now();
    let (from, to) = month_of(now, app.config.time_zone());
    let spent =
        crate::orders::charges::spent_between(app, account_id, charge.currency, from, to).await?;
    if allows(Some(cap), spent, charge) {
        return Ok(false);
    }
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "INSERT INTO auto_renew_refusals (period_id, iccid, account_id, amount, spent, cap, currency, refused_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (period_id) DO NOTHING",
    )
    .bind(period_id)
    .bind(iccid)
    .bind(account_id)
    .bind(charge.amount)
    .bind(spent)
    .bind(cap.amount)
    .bind(charge.currency.as_str())
    .bind(to_millis(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(%iccid, period.id = %period_id, "auto-renew refused: over the spend cap");
    Ok(true)
}

/// Renewals refused for the cap since `since`, oldest first.
pub async fn refusals_since(app: &App, since: DateTime<Utc>) -> Result<Vec<Refusal>> {
    type Row = (String, String, String, i64, i64, i64, String, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT period_id, iccid, account_id, amount, spent, cap, currency, refused_at \
         FROM auto_renew_refusals WHERE refused_at >= $1 ORDER BY refused_at, period_id",
    )
    .bind(to_millis(since))
    .fetch_all(app.db.reader())
    .await?;
    rows.into_iter()
        .map(
            |(period_id, iccid, account_id, amount, spent, cap, currency, at)| {
                let currency = Currency::parse(&currency)
                    .map_err(|_| Error::internal(anyhow::anyhow!("refusal has a bad currency")))?;
                Ok(Refusal {
                    period_id,
                    iccid,
                    account_id,
                    amount: Money::new(amount, currency),
                    spent: Money::new(spent, currency),
                    cap: Money::new(cap, currency),
                    refused_at: from_millis(at),
                })
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hkd(amount: i64) -> Money {
        Money::new(amount, Currency::HKD)
    }

    #[test]
    fn the_cap_lets_through_up_to_itself() {
        assert!(allows(None, 1_000_000, hkd(50_000)));
        assert!(allows(Some(hkd(30_000)), 10_000, hkd(20_000)));
        assert!(!allows(Some(hkd(30_000)), 10_001, hkd(20_000)));
        let cny = Money::new(100, Currency::parse("CNY").unwrap());
        assert!(!allows(Some(hkd(30_000)), 0, cny));
    }

    #[test]
    fn a_cap_must_be_positive_in_our_currency() {
        assert_eq!(check(None, Currency::HKD).unwrap(), None);
        assert_eq!(check(Some(hkd(1)), Currency::HKD).unwrap(), Some(hkd(1)));
        for bad in [
            hkd(0),
            hkd(-100),
            hkd(MAX_CAP + 1),
            Money::new(100, Currency::parse("USD").unwrap()),
        ] {
            assert_eq!(
                check(Some(bad), Currency::HKD).unwrap_err().code,
                Code::InvalidSpendCap
            );
        }
    }

    #[test]
    fn the_month_is_the_operator_s() {
        let zone = chrono_tz::Asia::Hong_Kong;
        // 30 Nov 20:00 UTC is already 1 December in Hong Kong.
        let at = DateTime::parse_from_rfc3339("2026-11-30T20:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (from, to) = month_of(at, zone);
        assert_eq!(from.to_rfc3339(), "2026-11-30T16:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-12-31T16:00:00+00:00");
    }
}
