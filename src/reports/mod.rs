//! The books at a glance: the figures of a range of days in the operator's time zone
//! (revenue by day and by method, fees, refunds, renewals against new eSIMs and
//! top-ups, how often auto-renew renewed, lines by status, payments waiting for a
//! person), assembled from what each table's owner reports; and the accountant's CSV
//! exports of orders, payments, refunds and the ledger (see [`export`]).

pub mod export;
mod range;

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::app::App;
use crate::error::Result;
use crate::lines::LineStatus;
use crate::money::{Currency, Money};

pub use range::{MAX_DAYS, Range};

/// Rows read from the database at a time, for the figures and the exports alike.
pub const PAGE: i64 = 500;

/// One day's takings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub revenue: Money,
    /// By payment method, in [`Summary::methods`] order; zero where none.
    pub by_method: Vec<Money>,
}

/// Orders of one kind paid in the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindFigures {
    pub count: i64,
    pub revenue: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub range: Range,
    pub currency: Currency,
    /// Every day of the range, oldest first.
    pub days: Vec<Day>,
    /// The payment methods that took money in the range, by name.
    pub methods: Vec<String>,
    /// What each method took in the range, in `methods` order.
    pub by_method: Vec<Money>,
    /// Everything paid in the range, method fees included.
    pub revenue: Money,
    /// The method fees in `revenue`.
    pub fees: Money,
    pub orders: i64,
    /// Money returned to payers in the range (the provider confirmed the refund).
    pub refunds: Money,
    pub refund_count: i64,
    pub renewals: KindFigures,
    pub new_esims: KindFigures,
    pub top_ups: KindFigures,
    /// Periods auto-renew charged for off-session in the range, and those it renewed.
    pub auto_renew_tried: i64,
    pub auto_renew_renewed: i64,
    /// Lines in each status now.
    pub lines: Vec<(LineStatus, i64)>,
    /// Orders, payments and notifications waiting for a person now.
    pub attention: i64,
}

impl Summary {
    /// Renewed of tried, in whole percent; none when nothing was tried.
    pub fn auto_renew_rate(&self) -> Option<i64> {
        (self.auto_renew_tried > 0).then(|| {
            (self.auto_renew_renewed * 100 + self.auto_renew_tried / 2) / self.auto_renew_tried
        })
    }
}

/// The figures of `range`, in the operator's currency, days in the operator's time zone.
pub async fn summary(app: &App, range: Range) -> Result<Summary> {
    let zone = app.config.time_zone();
    let currency = app.config.locale.currency;
    let (from, to) = range.bounds(zone);
    let money = |amount| Money::new(amount, currency);

    let mut per_day: BTreeMap<NaiveDate, BTreeMap<String, i64>> = BTreeMap::new();
    let mut kinds: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let (mut revenue, mut fees, mut orders) = (0i64, 0i64, 0i64);
    let mut after = None;
    loop {
        let page =
            crate::orders::reports::paid_between(app, from, to, currency, after.take(), PAGE)
                .await?;
        let full = page.len() as i64 == PAGE;
        for (at, id, order) in page {
            let date = order.paid_at.with_timezone(&zone).date_naive();
            *per_day
                .entry(date)
                .or_default()
                .entry(order.method.clone())
                .or_default() += order.total;
            let kind = kinds.entry(order.kind.clone()).or_default();
            kind.0 += 1;
            kind.1 += order.total;
            revenue += order.total;
            fees += order.fee;
            orders += 1;
            after = Some((at, id));
        }
        if !full {
            break;
        }
    }
    let methods: Vec<String> = {
        let mut all: Vec<String> = per_day.values().flat_map(|m| m.keys().cloned()).collect();
        all.sort();
        all.dedup();
        all
    };
    let days: Vec<Day> = range
        .days()
        .map(|date| {
            let taken = per_day.get(&date);
            let by_method: Vec<Money> = methods
                .iter()
                .map(|m| money(taken.and_then(|t| t.get(m)).copied().unwrap_or(0)))
                .collect();
            Day {
                date,
                revenue: money(by_method.iter().map(|m| m.amount).sum()),
                by_method,
            }
        })
        .collect();
    let by_method = methods
        .iter()
        .map(|m| money(per_day.values().filter_map(|t| t.get(m)).sum()))
        .collect();
    let kind = |name: &str| {
        let (count, amount) = kinds.get(name).copied().unwrap_or((0, 0));
        KindFigures {
            count,
            revenue: money(amount),
        }
    };

    let (mut refunds, mut refund_count) = (0i64, 0i64);
    let mut after = None;
    loop {
        let page = crate::ledger::reports::transactions_between(
            app,
            from,
            to,
            &[export::REFUND_RETURNED],
            after.take(),
            PAGE,
        )
        .await?;
        let full = page.len() as i64 == PAGE;
        for transaction in page {
            if transaction
                .entries
                .iter()
                .all(|e| e.currency == currency.as_str())
            {
                refunds += transaction.moved();
                refund_count += 1;
            }
            after = Some((
                crate::clock::to_millis(transaction.created_at),
                transaction.id,
            ));
        }
        if !full {
            break;
        }
    }

    let (auto_renew_tried, auto_renew_renewed) =
        crate::usage::alert_log::auto_renew_outcomes(app, from, to).await?;
    Ok(Summary {
        range,
        currency,
        days,
        methods,
        by_method,
        revenue: money(revenue),
        fees: money(fees),
        orders,
        refunds: money(refunds),
        refund_count,
        renewals: kind("renewal"),
        new_esims: kind("new_esim"),
        top_ups: kind("wallet_topup"),
        auto_renew_tried,
        auto_renew_renewed,
        lines: crate::lines::reports::count_by_status(app).await?,
        attention: crate::orders::attention::needing_attention(app)
            .await?
            .len() as i64,
    })
}
