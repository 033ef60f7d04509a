//! Receipts and statements as PDF, drawn with krilla in the subscriber's language:
//! the text is shaped and set in Noto Sans CJK HK, a subset committed under
//! `assets/fonts` (Latin, punctuation and the common Traditional and Simplified
//! characters; see `scripts/fonts/subset_cjk.py`), of which only the glyphs a document
//! uses are embedded in it. A4, one column; amounts in a column of their own.

mod sheet;

use crate::error::Result;
use crate::i18n::{Locale, t, tf};

use super::format;
use super::receipt::{ReceiptView, method_name, reason_text};
use super::statement::Statement;
use sheet::Sheet;

fn issuer(sheet: &mut Sheet, issuer: &super::Issuer, locale: Locale) {
    if !issuer.legal_name.is_empty() {
        sheet.line(11.0, &issuer.legal_name);
    }
    if !issuer.address.is_empty() {
        sheet.line(9.0, &issuer.address);
    }
    if !issuer.business_registration.is_empty() {
        sheet.line(
            9.0,
            &tf(
                locale,
                "records.business_registration",
                &[("number", &issuer.business_registration)],
            ),
        );
    }
}

/// The receipt as PDF.
pub fn receipt(view: &ReceiptView, locale: Locale) -> Result<Vec<u8>> {
    let mut sheet = Sheet::new()?;
    issuer(&mut sheet, &view.issuer, locale);
    sheet.gap(10.0);
    let title = tf(locale, "records.receipt_title", &[("number", &view.number)]);
    sheet.line(18.0, &title);
    sheet.line(
        10.0,
        &tf(locale, "records.paid_at", &[("at", &view.paid_at_local)]),
    );
    sheet.line(
        10.0,
        &tf(locale, "records.order_ref", &[("order", &view.order_id)]),
    );
    sheet.rule();
    for item in &view.items {
        sheet.row(10.0, &item.description, &item.amount.to_string());
    }
    for discount in &view.discounts {
        let label = match &discount.reason {
            Some(reason) => format!("{} ({reason})", discount.description),
            None => discount.description.clone(),
        };
        sheet.row(10.0, &label, &format!("−{}", discount.amount));
    }
    sheet.row(10.0, &t(locale, "checkout.fee_line"), &view.fee.to_string());
    sheet.rule();
    sheet.row(13.0, &t(locale, "checkout.total"), &view.total.to_string());
    sheet.gap(6.0);
    sheet.line(
        10.0,
        &tf(
            locale,
            "records.paid_with",
            &[("method", &method_name(view.method, locale))],
        ),
    );
    if let Some(reference) = &view.provider_reference {
        sheet.line(
            10.0,
            &tf(
                locale,
                "records.provider_reference",
                &[("reference", reference)],
            ),
        );
    }
    for note in &view.credit_notes {
        sheet.gap(6.0);
        sheet.row(
            10.0,
            &tf(
                locale,
                "records.credited_by",
                &[("number", &note.number), ("reason", &note.reason)],
            ),
            &format!("−{}", note.amount),
        );
    }
    sheet.gap(10.0);
    sheet.line(
        8.0,
        &tf(locale, "records.times_in", &[("zone", &view.time_zone)]),
    );
    sheet.finish(&title, locale)
}

/// The month's statement as PDF.
pub fn statement(statement: &Statement, locale: Locale) -> Result<Vec<u8>> {
    let month = super::Month::parse(&statement.month)?;
    let zone: chrono_tz::Tz = statement
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::Asia::Hong_Kong);
    let mut sheet = Sheet::new()?;
    issuer(&mut sheet, &statement.issuer, locale);
    sheet.gap(10.0);
    let title = tf(
        locale,
        "records.statement_title",
        &[("month", &format::month(locale, month))],
    );
    sheet.line(18.0, &title);
    sheet.rule();
    sheet.row(
        10.0,
        &t(locale, "records.opening_balance"),
        &statement.opening_balance.to_string(),
    );
    sheet.row(
        10.0,
        &t(locale, "records.closing_balance"),
        &statement.closing_balance.to_string(),
    );
    sheet.row(
        10.0,
        &t(locale, "records.total_paid"),
        &statement.total_paid.to_string(),
    );
    sheet.row(
        10.0,
        &t(locale, "records.total_refunded"),
        &statement.total_refunded.to_string(),
    );
    sheet.gap(8.0);
    sheet.line(13.0, &t(locale, "records.receipts"));
    if statement.receipts.is_empty() && statement.credit_notes.is_empty() {
        sheet.line(10.0, &t(locale, "records.none"));
    }
    for receipt in &statement.receipts {
        let label = format!(
            "{} · {} · {} · {}",
            format::date(locale, receipt.issued_at, zone),
            receipt.number,
            receipt.description,
            method_name(receipt.method, locale)
        );
        sheet.row(10.0, &label, &receipt.total.to_string());
    }
    for note in &statement.credit_notes {
        let label = format!(
            "{} · {} · {} · {}",
            format::date(locale, note.issued_at, zone),
            note.number,
            note.description,
            reason_text(&note.reason, locale)
        );
        sheet.row(10.0, &label, &format!("−{}", note.amount));
    }
    sheet.gap(8.0);
    sheet.line(13.0, &t(locale, "records.by_method"));
    for total in &statement.totals_by_method {
        let label = method_name(total.method, locale);
        let value = if total.refunded.amount > 0 {
            format!("{} (−{})", total.paid, total.refunded)
        } else {
            total.paid.to_string()
        };
        sheet.row(10.0, &label, &value);
    }
    sheet.gap(8.0);
    sheet.line(13.0, &t(locale, "records.lines"));
    for line in &statement.lines {
        let tail = &line.iccid[line.iccid.len().saturating_sub(4)..];
        sheet.row(
            10.0,
            &tf(locale, "records.line_used", &[("line", tail)]),
            &line.data_used_text,
        );
        for period in &line.periods {
            sheet.line(
                9.0,
                &format!(
                    "  {} · {}",
                    period.plan,
                    format::period(locale, period.starts_at, period.ends_at, zone)
                ),
            );
        }
    }
    sheet.gap(8.0);
    sheet.line(13.0, &t(locale, "records.movements"));
    for entry in &statement.movements {
        let label = format!(
            "{} · {}",
            format::datetime(locale, entry.at, zone),
            entry.description
        );
        let value = match &entry.balance_after {
            Some(balance) => format!("{} → {}", entry.amount, balance),
            None => entry.amount.to_string(),
        };
        sheet.row(9.0, &label, &value);
    }
    sheet.gap(10.0);
    sheet.line(
        8.0,
        &tf(
            locale,
            "records.times_in",
            &[("zone", &statement.time_zone)],
        ),
    );
    sheet.finish(&title, locale)
}
