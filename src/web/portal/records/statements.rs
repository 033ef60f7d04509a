//! `/statements`: the months with a statement; `/statements/{YYYY-MM}`: one month on
//! the page, `….pdf` and `….csv` as files.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{PreEscaped, html};

use crate::app::App;
use crate::i18n::{t, tf};
use crate::records::receipt::method_name;
use crate::records::statement::{self, Statement};
use crate::records::{Month, format, pdf};

use super::super::{Portal, error_page, render, require_account};
use super::{PRINT, download};

pub async fn list(State(app): State<App>, portal: Portal) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let locale = portal.locale;
    let summaries = match statement::summaries(&app, &account).await {
        Ok(summaries) => summaries,
        Err(error) => return error_page(&portal, &error),
    };
    let body = html! {
        h1 { (t(locale, "records.statements_title")) }
        p.lead { (t(locale, "records.statements_lead")) }
        ul.orders data-testid="statements" {
            @for summary in &summaries {
                @let month = Month::parse(&summary.month).ok();
                li.card data-month=(summary.month) {
                    p.order-top {
                        strong { (month.map(|m| format::month(locale, m)).unwrap_or_else(|| summary.month.clone())) }
                        span { (t(locale, "records.total_paid")) " " (summary.total_paid) }
                    }
                    p.hint { (t(locale, "records.closing_balance")) " " (summary.closing_balance) }
                    p { a.button.secondary href={ "/statements/" (summary.month) } { (t(locale, "records.open_statement")) } }
                }
            }
        }
        p { a href="/history" { (t(locale, "records.history_title")) } " · " a href="/account" { (t(locale, "nav.account")) } }
    };
    render(&portal, &t(locale, "records.statements_title"), body)
}

pub async fn show(State(app): State<App>, portal: Portal, Path(month): Path<String>) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let locale = portal.locale;
    let (month, suffix) = match month.rsplit_once('.') {
        Some((month, suffix)) => (month.to_owned(), Some(suffix.to_owned())),
        None => (month, None),
    };
    let built = match statement::check_month(&app, &account, &month) {
        Ok(month) => statement::build(&app, &account, month, locale).await,
        Err(error) => Err(error),
    };
    let built = match built {
        Ok(built) => built,
        Err(error) => return error_page(&portal, &error),
    };
    match suffix.as_deref() {
        None => page(&app, &portal, &built),
        Some("pdf") => match pdf::statement(&built, locale) {
            Ok(bytes) => download("application/pdf", &format!("statement-{month}.pdf"), bytes),
            Err(error) => error_page(&portal, &error),
        },
        Some("csv") => match crate::records::csv::statement(&built) {
            Ok(bytes) => download(
                "text/csv; charset=utf-8",
                &format!("statement-{month}.csv"),
                bytes,
            ),
            Err(error) => error_page(&portal, &error),
        },
        Some(_) => error_page(
            &portal,
            &crate::error::Error::invalid(crate::error::Code::InvalidMonth),
        ),
    }
}

fn page(app: &App, portal: &Portal, statement: &Statement) -> Response {
    let locale = portal.locale;
    let zone = app.config.time_zone();
    let month = Month::parse(&statement.month).ok();
    let title = tf(
        locale,
        "records.statement_title",
        &[(
            "month",
            &month.map(|m| format::month(locale, m)).unwrap_or_default(),
        )],
    );
    let body = html! {
        style { (PreEscaped(PRINT)) }
        h1 { (title) }
        @if !statement.issuer.legal_name.is_empty() { p.hint { (statement.issuer.legal_name) } }
        dl.facts data-testid="statement-totals" {
            dt { (t(locale, "records.opening_balance")) } dd data-testid="opening-balance" { (statement.opening_balance) }
            dt { (t(locale, "records.closing_balance")) } dd data-testid="closing-balance" { (statement.closing_balance) }
            dt { (t(locale, "records.total_paid")) } dd data-testid="total-paid" { (statement.total_paid) }
            dt { (t(locale, "records.total_refunded")) } dd { (statement.total_refunded) }
        }
        p.no-print {
            a.button href={ "/statements/" (statement.month) ".pdf?lang=" (locale.tag()) } data-testid="statement-pdf" download { (t(locale, "records.download_pdf")) }
            " "
            a.button.secondary href={ "/statements/" (statement.month) ".csv" } data-testid="statement-csv" download { (t(locale, "records.download_csv")) }
        }
        section aria-labelledby="receipts-h" {
            h2 #receipts-h { (t(locale, "records.receipts")) }
            @if statement.receipts.is_empty() && statement.credit_notes.is_empty() {
                p { (t(locale, "records.none")) }
            }
            ul.orders {
                @for receipt in &statement.receipts {
                    li.card data-testid="statement-receipt" {
                        p.order-top { span { (format::date(locale, receipt.issued_at, zone)) } strong { (receipt.total) } }
                        p.order-what { (receipt.description) " · " (method_name(receipt.method, locale)) }
                        p { a href={ "/orders/" (receipt.order_id) "/receipt" } { (receipt.number) } }
                    }
                }
                @for note in &statement.credit_notes {
                    li.card data-testid="statement-credit-note" {
                        p.order-top { span { (format::date(locale, note.issued_at, zone)) } strong { "−" (note.amount) } }
                        p.order-what { (note.number) " · " (note.description) " · " (note.reason) }
                    }
                }
            }
        }
        @if !statement.totals_by_method.is_empty() {
            section aria-labelledby="methods-h" {
                h2 #methods-h { (t(locale, "records.by_method")) }
                dl.facts {
                    @for total in &statement.totals_by_method {
                        dt { (method_name(total.method, locale)) }
                        dd { (total.paid) @if total.refunded.amount > 0 { " (−" (total.refunded) ")" } }
                    }
                }
            }
        }
        @if !statement.lines.is_empty() {
            section aria-labelledby="lines-h" {
                h2 #lines-h { (t(locale, "records.lines")) }
                @for line in &statement.lines {
                    div.card data-testid="statement-line" {
                        p { strong { (tf(locale, "records.line_used", &[("line", &line.iccid[line.iccid.len().saturating_sub(4)..])])) } " " (line.data_used_text) }
                        @for period in &line.periods {
                            p.hint { (period.plan) " · " (format::period(locale, period.starts_at, period.ends_at, zone)) }
                        }
                    }
                }
            }
        }
        p.hint { (tf(locale, "records.times_in", &[("zone", &statement.time_zone)])) }
        p.no-print { a href="/statements" { (t(locale, "records.statements_title")) } " · " a href="/history" { (t(locale, "records.history_title")) } }
    };
    render(portal, &title, body)
}
