//! `/orders/{id}/receipt`: the receipt on a phone, printable, with its PDF.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{PreEscaped, html};

use crate::app::App;
use crate::i18n::{t, tf};
use crate::records::receipt::{self, method_name};
use crate::records::{ReceiptView, pdf};

use super::super::{Portal, error_page, render, require_account};
use super::{PRINT, download};

pub async fn show(State(app): State<App>, portal: Portal, Path(id): Path<String>) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let locale = portal.locale;
    let view = match receipt::for_account(&app, &account.id, &id).await {
        Ok(found) => match ReceiptView::build(&app, &found, locale).await {
            Ok(view) => view,
            Err(error) => return error_page(&portal, &error),
        },
        Err(error) => return error_page(&portal, &error),
    };
    let title = tf(locale, "records.receipt_title", &[("number", &view.number)]);
    let issuer = &view.issuer;
    let body = html! {
        style { (PreEscaped(PRINT)) }
        article.card.receipt data-testid="receipt" {
            @if !issuer.legal_name.is_empty() {
                p data-testid="issuer" {
                    strong { (issuer.legal_name) }
                    @if !issuer.address.is_empty() { span.hint { (issuer.address) } }
                    @if !issuer.business_registration.is_empty() {
                        span.hint { (tf(locale, "records.business_registration", &[("number", &issuer.business_registration)])) }
                    }
                }
            }
            // The number is not broken at its hyphen on a narrow screen.
            @let (before, after) = title.split_once(&view.number).unwrap_or((&title, ""));
            h1 data-testid="receipt-number" { (before) span.nowrap { (view.number) } (after) }
            dl.facts {
                dt { (t(locale, "records.paid")) } dd data-testid="paid-at" { (view.paid_at_local) }
                dt { (t(locale, "order.reference")) } dd { a href={ "/orders/" (view.order_id) } { (view.order_id) } }
                dt { (t(locale, "order.method")) } dd data-testid="receipt-method" { (method_name(view.method, locale)) }
                @if let Some(reference) = &view.provider_reference {
                    dt { (t(locale, "records.reference")) } dd data-testid="provider-reference" { (reference) }
                }
            }
            table.breakdown {
                caption.hint { (t(locale, "records.items")) }
                tbody {
                    @for item in &view.items {
                        tr.item { th scope="row" { (item.description) } td { (item.amount) } }
                    }
                    @for discount in &view.discounts {
                        tr.discount {
                            th scope="row" {
                                (discount.description)
                                @if let Some(reason) = &discount.reason { span.hint { (reason) } }
                            }
                            td { "−" (discount.amount) }
                        }
                    }
                    tr { th scope="row" { (t(locale, "checkout.fee_line")) } td data-testid="receipt-fee" { (view.fee) } }
                    tr.total { th scope="row" { (t(locale, "checkout.total")) } td data-testid="receipt-total" { strong { (view.total) } } }
                }
            }
            @for note in &view.credit_notes {
                p.notice data-testid="credit-note" {
                    (tf(locale, "records.credited_by", &[("number", &note.number), ("reason", &note.reason)]))
                    " −" (note.amount)
                }
            }
            p.hint { (tf(locale, "records.times_in", &[("zone", &view.time_zone)])) }
        }
        p.no-print {
            a.button href={ "/orders/" (view.order_id) "/receipt.pdf?lang=" (locale.tag()) } data-testid="receipt-pdf" download {
                (t(locale, "records.download_pdf"))
            }
        }
        p.no-print { a href="/history" { (t(locale, "records.history_title")) } " · " a href="/statements" { (t(locale, "records.statements_title")) } }
    };
    render(&portal, &title, body)
}

pub async fn pdf(State(app): State<App>, portal: Portal, Path(id): Path<String>) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let locale = portal.locale;
    let built = match receipt::for_account(&app, &account.id, &id).await {
        Ok(found) => ReceiptView::build(&app, &found, locale).await,
        Err(error) => Err(error),
    };
    match built.and_then(|view| pdf::receipt(&view, locale).map(|bytes| (view, bytes))) {
        Ok((view, bytes)) => download("application/pdf", &format!("{}.pdf", view.number), bytes),
        Err(error) => error_page(&portal, &error),
    }
}
