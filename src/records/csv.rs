//! A month's statement as CSV, one row per receipt, credit note, line and movement:
//! times in the operator's time zone with its offset, amounts as plain decimals beside
//! their currency, text that a spreadsheet would run as a formula prefixed with `'`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::error::{Error, Result};
use crate::money::Money;
use crate::reports::export::neutralise;

use super::statement::Statement;

const HEADER: [&str; 8] = [
    "section",
    "at",
    "number",
    "description",
    "method",
    "amount",
    "currency",
    "balance_after",
];

fn at(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).to_rfc3339()
}

fn amount(money: &Money) -> [String; 2] {
    [money.decimal(), money.currency.as_str().to_owned()]
}

pub fn statement(statement: &Statement) -> Result<Vec<u8>> {
    let zone: Tz = statement
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::Asia::Hong_Kong);
    let mut out = ::csv::Writer::from_writer(Vec::new());
    let mut write = |row: [String; 8]| out.write_record(&row).map_err(Error::internal);
    write(HEADER.map(str::to_owned))?;
    for (section, money) in [
        ("opening_balance", &statement.opening_balance),
        ("closing_balance", &statement.closing_balance),
        ("total_paid", &statement.total_paid),
        ("total_refunded", &statement.total_refunded),
    ] {
        let [value, currency] = amount(money);
        write([
            section.into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            value,
            currency,
            String::new(),
        ])?;
    }
    for receipt in &statement.receipts {
        let [value, currency] = amount(&receipt.total);
        write([
            "receipt".into(),
            at(receipt.issued_at, zone),
            receipt.number.clone(),
            neutralise(&receipt.description),
            receipt.method.as_str().into(),
            value,
            currency,
            String::new(),
        ])?;
    }
    for note in &statement.credit_notes {
        let [value, currency] = amount(&Money::new(-note.amount.amount, note.amount.currency));
        write([
            "credit_note".into(),
            at(note.issued_at, zone),
            note.number.clone(),
            neutralise(&note.description),
            note.destination.clone(),
            value,
            currency,
            String::new(),
        ])?;
    }
    for line in &statement.lines {
        for period in &line.periods {
            write([
                "period".into(),
                at(period.starts_at, zone),
                line.iccid.clone(),
                neutralise(&format!("{} → {}", period.plan, at(period.ends_at, zone))),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ])?;
        }
        write([
            "data_used".into(),
            String::new(),
            line.iccid.clone(),
            line.data_used.to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ])?;
    }
    for entry in &statement.movements {
        let [value, currency] = amount(&entry.amount);
        write([
            entry.kind.clone(),
            at(entry.at, zone),
            entry.id.clone(),
            neutralise(&entry.description),
            String::new(),
            value,
            currency,
            entry.balance_after.map(|b| b.decimal()).unwrap_or_default(),
        ])?;
    }
    out.into_inner()
        .map_err(|e| Error::internal(anyhow::anyhow!("{e}")))
}
