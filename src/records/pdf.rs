//! Receipts and statements as PDF, drawn with krilla in the subscriber's language:
//! the text is shaped and set in Noto Sans CJK HK, a subset committed under
//! `assets/fonts` (Latin, punctuation and the common Traditional and Simplified
//! characters; see `scripts/fonts/subset_cjk.py`), of which only the glyphs a document
//! uses are embedded in it. A4, one column; amounts in a column of their own.

use std::sync::OnceLock;

use krilla::Document;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::text::{Font, TextDirection};

use crate::error::{Error, Result};
use crate::i18n::{Locale, t, tf};

use super::format;
use super::receipt::{ReceiptView, method_name, reason_text};
use super::statement::Statement;

static FONT_DATA: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKhk-Regular.subset.otf");

fn font() -> Result<Font> {
    static FONT: OnceLock<Option<Font>> = OnceLock::new();
    FONT.get_or_init(|| Font::new(FONT_DATA.into(), 0))
        .clone()
        .ok_or_else(|| Error::internal(anyhow::anyhow!("the PDF font does not load")))
}

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;
/// Where the amounts column starts.
const AMOUNTS: f32 = 430.0;

/// Lines of text laid down a page at a time.
struct Sheet {
    font: Font,
    pages: Vec<Vec<Mark>>,
    y: f32,
}

enum Mark {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    Rule {
        y: f32,
    },
}

impl Sheet {
    fn new() -> Result<Sheet> {
        Ok(Sheet {
            font: font()?,
            pages: vec![Vec::new()],
            y: MARGIN,
        })
    }

    fn room(&mut self, height: f32) {
        if self.y + height > HEIGHT - MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn mark(&mut self, mark: Mark) {
        if let Some(page) = self.pages.last_mut() {
            page.push(mark);
        }
    }

    /// `text` at `size`, wrapped to `width` from `x`.
    fn text_at(&mut self, x: f32, width: f32, size: f32, text: &str) -> f32 {
        let lines = wrap(text, size, width);
        let start = self.y;
        for line in &lines {
            self.room(size * 1.5);
            self.y += size * 1.2;
            let y = self.y;
            self.mark(Mark::Text {
                x,
                y,
                size,
                text: line.clone(),
            });
            self.y += size * 0.3;
        }
        self.y - start
    }

    fn line(&mut self, size: f32, text: &str) {
        self.text_at(MARGIN, WIDTH - 2.0 * MARGIN, size, text);
    }

    /// A label and its amount on one row (the label wraps in its column).
    fn row(&mut self, size: f32, label: &str, amount: &str) {
        self.room(size * 1.5);
        let top = self.y;
        self.text_at(MARGIN, AMOUNTS - MARGIN - 10.0, size, label);
        let bottom = self.y;
        self.y = top;
        self.text_at(AMOUNTS, WIDTH - MARGIN - AMOUNTS, size, amount);
        self.y = self.y.max(bottom);
    }

    fn gap(&mut self, height: f32) {
        self.y += height;
    }

    fn rule(&mut self) {
        self.room(8.0);
        self.y += 4.0;
        let y = self.y;
        self.mark(Mark::Rule { y });
        self.y += 4.0;
    }

    fn finish(self, title: &str, locale: Locale) -> Result<Vec<u8>> {
        let mut document = Document::new();
        document.set_metadata(
            Metadata::new()
                .title(title.to_owned())
                .language(locale.tag().to_owned())
                .creator("datacard".to_owned()),
        );
        for marks in &self.pages {
            let settings = PageSettings::from_wh(WIDTH, HEIGHT)
                .ok_or_else(|| Error::internal(anyhow::anyhow!("page size")))?;
            let mut page = document.start_page_with(settings);
            let mut surface = page.surface();
            for mark in marks {
                match mark {
                    Mark::Text { x, y, size, text } => surface.draw_text(
                        Point::from_xy(*x, *y),
                        self.font.clone(),
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    ),
                    Mark::Rule { y } => {
                        let mut path = PathBuilder::new();
                        path.move_to(MARGIN, *y);
                        path.line_to(WIDTH - MARGIN, *y);
                        if let Some(path) = path.finish() {
                            surface.set_fill(None);
                            surface.set_stroke(Some(Stroke {
                                width: 0.6,
                                ..Stroke::default()
                            }));
                            surface.draw_path(&path);
                            surface.set_stroke(None);
                            surface.set_fill(Some(krilla::paint::Fill::default()));
                        }
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        document
            .finish()
            .map_err(|error| Error::internal(anyhow::anyhow!("PDF: {error:?}")))
    }
}

/// Roughly how wide `c` is in ems: Chinese characters and full-width forms a whole
/// em, the rest (Latin, digits) a little over half of one.
fn em(c: char) -> f32 {
    if c >= '\u{2E80}' {
        1.0
    } else if c == ' ' {
        0.25
    } else {
        0.6
    }
}

/// `text` broken into lines no wider than `width` at `size` (at spaces when there are
/// any in reach, anywhere between Chinese characters).
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0.0;
        for c in paragraph.chars() {
            let w = em(c) * size;
            if used + w > width && !line.is_empty() {
                let cut = line.rfind(' ').filter(|&at| at > line.len() / 2);
                match cut {
                    Some(at) => {
                        let rest = line[at + 1..].to_owned();
                        line.truncate(at);
                        lines.push(std::mem::take(&mut line));
                        used = rest.chars().map(|c| em(c) * size).sum();
                        line = rest;
                    }
                    None => {
                        lines.push(std::mem::take(&mut line));
                        used = 0.0;
                    }
                }
            }
            line.push(c);
            used += w;
        }
        lines.push(line);
    }
    lines
}

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
