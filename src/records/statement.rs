//! Monthly statements, per account, in the operator's time zone: the wallet's opening
//! and closing balance, every receipt and credit note, each line's periods and the
//! data it used (from usage's hourly totals), totals by method, and every movement.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::accounts::Account;
use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::i18n::{Locale, name_in};
use crate::ledger::history as ledger_history;
use crate::money::Money;
use crate::orders::receipts;
use crate::payments::Method;

use super::history::{self, Entry};
use super::receipt::{CreditNoteView, Issuer, what};
use super::{Month, format};

/// One month in the list of statements (`GET /api/v1/me/statements`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatementSummary {
    /// `2026-12`.
    pub month: String,
    pub opening_balance: Money,
    pub closing_balance: Money,
    /// What the month's receipts came to.
    pub total_paid: Money,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatementReceipt {
    pub number: String,
    pub order_id: String,
    pub issued_at: DateTime<Utc>,
    pub description: String,
    pub method: Method,
    pub total: Money,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatementPeriod {
    pub plan: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Bytes; none for unlimited.
    pub data_allowance: Option<u64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatementLine {
    pub iccid: String,
    /// The periods that ran (some of) the month.
    pub periods: Vec<StatementPeriod>,
    /// Bytes used in the month, from the hourly totals.
    pub data_used: u64,
    /// `data_used` as people read it: `1.5 GB`.
    pub data_used_text: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MethodTotal {
    pub method: Method,
    /// The month's receipts paid with it.
    pub paid: Money,
    /// The month's credit notes against its receipts.
    pub refunded: Money,
}

/// A month's statement (`GET /api/v1/me/statements/{YYYY-MM}`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Statement {
    pub month: String,
    pub from: DateTime<Utc>,
    /// Exclusive: the next month's first instant.
    pub to: DateTime<Utc>,
    pub time_zone: String,
    pub issuer: Issuer,
    /// The wallet's balance when the month began and ended (or now, for this month).
    pub opening_balance: Money,
    pub closing_balance: Money,
    pub receipts: Vec<StatementReceipt>,
    pub credit_notes: Vec<CreditNoteView>,
    pub lines: Vec<StatementLine>,
    pub totals_by_method: Vec<MethodTotal>,
    pub total_paid: Money,
    pub total_refunded: Money,
    /// Every movement of the month, oldest first.
    pub movements: Vec<Entry>,
}

/// The months `account` has statements for, newest first: from the month it was made
/// to this one.
pub fn months(app: &App, account: &Account) -> Vec<Month> {
    let zone = app.config.time_zone();
    let first = Month::of(account.created_at, zone);
    let mut month = Month::of(app.now(), zone);
    let mut out = Vec::new();
    while month >= first && out.len() < 1200 {
        out.push(month);
        month = month.previous();
    }
    out
}

/// `month` parsed, refused when it is malformed (400), in the future or before the
/// account existed (404).
pub fn check_month(app: &App, account: &Account, month: &str) -> Result<Month> {
    let month = Month::parse(month)?;
    let zone = app.config.time_zone();
    if month > Month::of(app.now(), zone) || month < Month::of(account.created_at, zone) {
        return Err(Error::not_found(Code::StatementNotFound));
    }
    Ok(month)
}

/// The list of statements with their figures.
pub async fn summaries(app: &App, account: &Account) -> Result<Vec<StatementSummary>> {
    let zone = app.config.time_zone();
    let currency = app.config.locale.currency;
    let mut out = Vec::new();
    for month in months(app, account) {
        let (from, to) = month.bounds(zone);
        let to = to.min(app.now() + chrono::Duration::milliseconds(1));
        let paid: i64 = receipts::receipts_between(app, &account.id, from, to)
            .await?
            .iter()
            .map(|r| r.body.breakdown.total)
            .sum();
        out.push(StatementSummary {
            month: month.to_string(),
            opening_balance: ledger_history::balance_at(app, &account.id, currency, from).await?,
            closing_balance: ledger_history::balance_at(app, &account.id, currency, to).await?,
            total_paid: Money::new(paid, currency),
        });
    }
    Ok(out)
}

/// `account`'s statement for `month` (checked with [`check_month`]), in `locale`.
pub async fn build(
    app: &App,
    account: &Account,
    month: Month,
    locale: Locale,
) -> Result<Statement> {
    let zone = app.config.time_zone();
    let currency = app.config.locale.currency;
    let (from, to) = month.bounds(zone);
    // This month's statement runs to now (a movement stamped this very instant counts).
    let until = to.min(app.now() + chrono::Duration::milliseconds(1));
    let receipts = receipts::receipts_between(app, &account.id, from, until).await?;
    let notes = receipts::credit_notes_between(app, &account.id, from, until).await?;
    let mut by_method: BTreeMap<&'static str, (Method, i64, i64)> = BTreeMap::new();
    for receipt in &receipts {
        let entry =
            by_method
                .entry(receipt.body.method.as_str())
                .or_insert((receipt.body.method, 0, 0));
        entry.1 += receipt.body.breakdown.total;
    }
    for note in &notes {
        let entry = by_method
            .entry(note.body.method.as_str())
            .or_insert((note.body.method, 0, 0));
        entry.2 += note.amount.amount;
    }
    let transactions = ledger_history::between(app, &account.id, currency, from, until).await?;
    let movements = history::describe(app, &account.id, &transactions, locale).await?;
    Ok(Statement {
        month: month.to_string(),
        from,
        to,
        time_zone: zone.name().to_owned(),
        issuer: Issuer::of(app),
        opening_balance: ledger_history::balance_at(app, &account.id, currency, from).await?,
        closing_balance: ledger_history::balance_at(app, &account.id, currency, until).await?,
        total_paid: Money::new(
            receipts.iter().map(|r| r.body.breakdown.total).sum(),
            currency,
        ),
        total_refunded: Money::new(notes.iter().map(|n| n.amount.amount).sum(), currency),
        receipts: receipts
            .iter()
            .map(|r| StatementReceipt {
                number: r.number.clone(),
                order_id: r.order_id.clone(),
                issued_at: r.issued_at,
                description: what(r, locale),
                method: r.body.method,
                total: r.body.breakdown.money(r.body.breakdown.total),
            })
            .collect(),
        credit_notes: notes
            .iter()
            .map(|n| CreditNoteView::of(n, locale))
            .collect(),
        // Periods queued to start later this month are shown too; use runs to now.
        lines: lines(app, account, from, to, until, locale).await?,
        totals_by_method: by_method
            .into_values()
            .map(|(method, paid, refunded)| MethodTotal {
                method,
                paid: Money::new(paid, currency),
                refunded: Money::new(refunded, currency),
            })
            .collect(),
        movements,
    })
}

async fn lines(
    app: &App,
    account: &Account,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    used_until: DateTime<Utc>,
    locale: Locale,
) -> Result<Vec<StatementLine>> {
    let periods = crate::lines::of_account_between(app, &account.id, from, to).await?;
    let version_ids: Vec<&str> = periods.iter().map(|p| p.plan_version_id.as_str()).collect();
    let versions = crate::catalog::versions(app.db.reader(), &version_ids).await?;
    let mut iccids: BTreeSet<String> = periods.iter().map(|p| p.iccid.clone()).collect();
    for line in crate::lines::for_account(app, &account.id).await? {
        iccids.insert(line.iccid.as_str().to_owned());
    }
    let mut out = Vec::new();
    for iccid in iccids {
        let used = crate::usage::view::used_between(app, &iccid, from, used_until).await?;
        let line_periods: Vec<StatementPeriod> = periods
            .iter()
            .filter(|p| p.iccid == iccid)
            .map(|p| StatementPeriod {
                plan: versions
                    .get(&p.plan_version_id)
                    .map(|v| {
                        name_in(&v.names, locale)
                            .unwrap_or(v.plan_code.as_str())
                            .to_owned()
                    })
                    .unwrap_or_default(),
                starts_at: p.starts_at,
                ends_at: p.ends_at,
                data_allowance: p.allowance.map(|a| a.as_bytes()),
            })
            .collect();
        if line_periods.is_empty() && used == 0 {
            continue;
        }
        out.push(StatementLine {
            iccid,
            periods: line_periods,
            data_used: used,
            data_used_text: format::bytes(used),
        });
    }
    Ok(out)
}
