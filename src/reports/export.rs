//! The accountant's CSV exports of a range: orders, payments, refunds and the ledger
//! (one row per entry). Streamed: rows are read a page at a time ([`super::PAGE`]) and
//! each page is written out before the next is read, so a year of rows never sits in
//! memory. Times are written in the operator's time zone with its offset, amounts as
//! plain decimals with the currency beside them. A text cell that a spreadsheet would
//! read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return)
//! is written with a leading `'`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use futures_util::StreamExt;
use futures_util::stream::{self, Stream};

use crate::app::App;
use crate::clock::to_millis;
use crate::error::{Error, Result};
use crate::money::{Currency, Money};

use super::Range;

/// The ledger kind of money returned to a payer (the provider confirmed the refund).
pub const REFUND_RETURNED: &str = "refund";
/// The ledger kind of a sale the operator reversed when asking for a refund.
pub const REFUND_REQUESTED: &str = "sale_reversal";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    Orders,
    Payments,
    Refunds,
    Ledger,
}

impl Export {
    pub const ALL: [Export; 4] = [
        Export::Orders,
        Export::Payments,
        Export::Refunds,
        Export::Ledger,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Export::Orders => "orders",
            Export::Payments => "payments",
            Export::Refunds => "refunds",
            Export::Ledger => "ledger",
        }
    }

    /// `orders`, `payments`, `refunds` or `ledger`, with or without `.csv`.
    pub fn parse(text: &str) -> Option<Export> {
        let name = text.strip_suffix(".csv").unwrap_or(text);
        Export::ALL.into_iter().find(|e| e.as_str() == name)
    }

    /// The file's first line.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Export::Orders => &[
                "order_id",
                "created_at",
                "account_id",
                "kind",
                "state",
                "plan",
                "periods",
                "currency",
                "list_price",
                "fee",
                "total",
                "method",
                "paid_at",
                "fulfilled_at",
                "attention",
            ],
            Export::Payments => &[
                "payment_id",
                "order_id",
                "created_at",
                "provider",
                "method",
                "currency",
                "amount",
                "state",
                "provider_reference",
                "attention",
            ],
            Export::Refunds => &[
                "at",
                "event",
                "transaction_id",
                "payment_id",
                "order_id",
                "provider",
                "method",
                "currency",
                "amount",
                "payment_state",
            ],
            Export::Ledger => &[
                "transaction_id",
                "created_at",
                "kind",
                "reference",
                "description",
                "seq",
                "account",
                "currency",
                "amount",
            ],
        }
    }

    /// The file name offered for `range`.
    pub fn file_name(self, range: &Range) -> String {
        format!("{}-{}-{}.csv", self.as_str(), range.from, range.to)
    }
}

/// A text cell a spreadsheet will not run: one starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return gets a leading `'`.
pub fn neutralise(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// One cell: text is neutralised, numbers and our own times are written as they are.
enum Cell {
    Text(String),
    Plain(String),
}

fn text(value: impl AsRef<str>) -> Cell {
    Cell::Text(value.as_ref().to_owned())
}

fn amount(minor: i64, currency: &str) -> Cell {
    match Currency::parse(currency) {
        Ok(currency) => Cell::Plain(Money::new(minor, currency).decimal()),
        Err(_) => Cell::Plain(minor.to_string()),
    }
}

fn time(at: DateTime<Utc>, zone: Tz) -> Cell {
    Cell::Plain(
        at.with_timezone(&zone)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
    )
}

fn optional_time(at: Option<DateTime<Utc>>, zone: Tz) -> Cell {
    at.map_or(Cell::Plain(String::new()), |at| time(at, zone))
}

fn write_rows(rows: &[Vec<Cell>]) -> Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| match cell {
                Cell::Text(value) => neutralise(value),
                Cell::Plain(value) => value.clone(),
            }))
            .map_err(|e| Error::internal(anyhow::anyhow!("csv: {e}")))?;
    }
    writer
        .into_inner()
        .map_err(|e| Error::internal(anyhow::anyhow!("csv: {e}")))
}

/// Where the next page starts: after this (time in millis, id).
type Cursor = Option<(i64, String)>;

/// One page of `export`'s rows after `cursor`, as CSV lines, and the next cursor (none
/// when this was the last page).
async fn page(
    app: &App,
    export: Export,
    range: &Range,
    cursor: Cursor,
    size: i64,
) -> Result<(Vec<u8>, Cursor)> {
    let zone = app.config.time_zone();
    let (from, to) = range.bounds(zone);
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut next: Cursor = None;
    let fetched = match export {
        Export::Orders => {
            let page = crate::orders::reports::made_between(app, from, to, cursor, size).await?;
            for o in &page {
                rows.push(vec![
                    text(&o.id),
                    time(o.created_at, zone),
                    text(&o.account_id),
                    text(&o.kind),
                    text(&o.state),
                    text(o.plan_code.as_deref().unwrap_or("")),
                    Cell::Plain(o.periods.to_string()),
                    text(&o.currency),
                    amount(o.list_price, &o.currency),
                    amount(o.fee, &o.currency),
                    amount(o.total, &o.currency),
                    text(&o.method),
                    optional_time(o.paid_at, zone),
                    optional_time(o.fulfilled_at, zone),
                    text(o.attention.as_deref().unwrap_or("")),
                ]);
                next = Some((to_millis(o.created_at), o.id.clone()));
            }
            page.len()
        }
        Export::Payments => {
            let page = crate::payments::reports::made_between(app, from, to, cursor, size).await?;
            for p in &page {
                rows.push(vec![
                    text(&p.id),
                    text(&p.order_id),
                    time(p.created_at, zone),
                    text(&p.provider),
                    text(&p.method),
                    text(&p.currency),
                    amount(p.amount, &p.currency),
                    text(&p.state),
                    text(p.provider_ref.as_deref().unwrap_or("")),
                    text(p.attention.as_deref().unwrap_or("")),
                ]);
                next = Some((to_millis(p.created_at), p.id.clone()));
            }
            page.len()
        }
        Export::Refunds => {
            let page = crate::ledger::reports::transactions_between(
                app,
                from,
                to,
                &[REFUND_REQUESTED, REFUND_RETURNED],
                cursor,
                size,
            )
            .await?;
            let payment_of = |reference: &str| {
                reference
                    .strip_prefix("payment:")
                    .and_then(|rest| rest.split(':').next())
                    .unwrap_or("")
                    .to_owned()
            };
            let ids: Vec<String> = page.iter().map(|t| payment_of(&t.reference)).collect();
            let payments = crate::payments::reports::by_ids(app, &ids).await?;
            for (t, id) in page.iter().zip(&ids) {
                let payment = payments.get(id);
                let currency = t.entries.first().map_or("", |e| e.currency.as_str());
                let event = if t.kind == REFUND_RETURNED {
                    "returned"
                } else {
                    "requested"
                };
                rows.push(vec![
                    time(t.created_at, zone),
                    text(event),
                    text(&t.id),
                    text(id),
                    text(payment.map_or("", |p| p.order_id.as_str())),
                    text(payment.map_or("", |p| p.provider.as_str())),
                    text(payment.map_or("", |p| p.method.as_str())),
                    text(currency),
                    amount(t.moved(), currency),
                    text(payment.map_or("", |p| p.state.as_str())),
                ]);
                next = Some((to_millis(t.created_at), t.id.clone()));
            }
            page.len()
        }
        Export::Ledger => {
            let page =
                crate::ledger::reports::transactions_between(app, from, to, &[], cursor, size)
                    .await?;
            for t in &page {
                for e in &t.entries {
                    rows.push(vec![
                        text(&t.id),
                        time(t.created_at, zone),
                        text(&t.kind),
                        text(&t.reference),
                        text(&t.description),
                        Cell::Plain(e.seq.to_string()),
                        text(&e.account),
                        text(&e.currency),
                        amount(e.amount, &e.currency),
                    ]);
                }
                next = Some((to_millis(t.created_at), t.id.clone()));
            }
            page.len()
        }
    };
    let next = if (fetched as i64) < size { None } else { next };
    Ok((write_rows(&rows)?, next))
}

enum State {
    Header,
    Page(Cursor),
    Done,
}

/// `export`'s rows in `range` as a stream of CSV chunks: the header, then one chunk per
/// page of `page_size` rows read ([`super::PAGE`] for the server), until a page comes
/// back short. An error ends the stream with that error. Fused: polled again after its
/// end (as the response's compression does) it stays ended.
pub fn stream(
    app: App,
    export: Export,
    range: Range,
    page_size: i64,
) -> impl Stream<Item = Result<Vec<u8>>> + Send + 'static {
    stream::unfold(State::Header, move |state| {
        let app = app.clone();
        async move {
            match state {
                State::Header => {
                    let header: Vec<Cell> = export.header().iter().map(text).collect();
                    Some((write_rows(&[header]), State::Page(None)))
                }
                State::Page(cursor) => match page(&app, export, &range, cursor, page_size).await {
                    Ok((chunk, Some(next))) => Some((Ok(chunk), State::Page(Some(next)))),
                    Ok((chunk, None)) => Some((Ok(chunk), State::Done)),
                    Err(error) => Some((Err(error), State::Done)),
                },
                State::Done => None,
            }
        }
    })
    .fuse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for hostile in ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"] {
            assert!(neutralise(hostile).starts_with('\''), "{hostile:?}");
        }
        assert_eq!(neutralise("ord_123"), "ord_123");
        let bytes = write_rows(&[vec![text("=cmd|' /C calc'!A0"), amount(-1250, "HKD")]]).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "'=cmd|' /C calc'!A0,-12.50\r\n"
        );
    }

    #[test]
    fn export_names_are_parsed_with_or_without_the_suffix() {
        assert_eq!(Export::parse("ledger.csv"), Some(Export::Ledger));
        assert_eq!(Export::parse("orders"), Some(Export::Orders));
        assert_eq!(Export::parse("customers.csv"), None);
    }
}
