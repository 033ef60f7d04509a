//! The eSIM stock in the console, `/admin/inventory`: free, sold and in all, by SM-DP+
//! address, with a warning while it is at or below `[inventory] low_stock_threshold`.
//! Admins import more from a CSV file, read as `datacard inventory import` reads it
//! (bad rows are reported by line, the good ones added), audited with them as actor.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use crate::app::App;
use crate::error::Result;
use crate::i18n::{Locale, t, tf};
use crate::inventory::{self, ImportReport, Stock};
use crate::staff::Permission;
use crate::web::portal::format::datetime;

use super::upload::ConsoleUpload;
use super::{Console, error_page, render};

/// The warning the console's home page and this page show while stock is low.
pub async fn low_stock_warning(app: &App, console: &Console) -> Result<Markup> {
    let stock = inventory::stock(app).await?;
    Ok(warning(app, console, &stock))
}

fn warning(app: &App, console: &Console, stock: &Stock) -> Markup {
    let threshold = app.config.inventory.low_stock_threshold;
    let locale = console.locale;
    html! {
        @if stock.is_low(threshold) {
            div.notice.error role="alert" data-testid="low-stock" {
                p {
                    strong { (t(locale, "console.inventory.low_title")) } " "
                    (tf(locale, "console.inventory.low", &[("free", &stock.counts.free.to_string()), ("threshold", &threshold.to_string())]))
                }
                @if console.path != "/admin/inventory" { p { a href="/admin/inventory" { (t(locale, "console.inventory.open")) } } }
            }
        }
    }
}

pub async fn show(State(app): State<App>, console: Console) -> Response {
    if let Err(response) = console.require(Permission::Read) {
        return *response;
    }
    page(&app, &console, None, StatusCode::OK).await
}

/// What an upload came to: the import's report, or why the file was not read.
enum Uploaded {
    Report(ImportReport),
    Unreadable(&'static str),
}

pub async fn upload(State(app): State<App>, console: Console, form: ConsoleUpload) -> Response {
    let actor = match console.require(Permission::EditCatalog) {
        Ok(member) => member.actor(),
        Err(response) => return *response,
    };
    let file = form.part("file").filter(|part| !part.data.is_empty());
    let text = match file.map(|part| std::str::from_utf8(&part.data)) {
        None => {
            return page(
                &app,
                &console,
                Some(Uploaded::Unreadable("console.inventory.no_file")),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
        Some(Err(_)) => {
            return page(
                &app,
                &console,
                Some(Uploaded::Unreadable("console.inventory.not_text")),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
        Some(Ok(text)) => text,
    };
    match inventory::import_csv(&app, text, &actor).await {
        Ok(report) => {
            tracing::info!(
                added = report.added,
                rejected = report.rejected.len(),
                "inventory imported in the console"
            );
            let status = if report.added == 0 && !report.rejected.is_empty() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            page(&app, &console, Some(Uploaded::Report(report)), status).await
        }
        Err(error) => error_page(&console, &error),
    }
}

fn report(console: &Console, uploaded: &Uploaded) -> Markup {
    let locale = console.locale;
    html! {
        @match uploaded {
            Uploaded::Unreadable(key) => { p.notice.error role="alert" data-testid="import-refused" { (t(locale, key)) } }
            Uploaded::Report(report) => {
                div.notice role="status" data-testid="import-report" {
                    p { (tf(locale, "console.inventory.imported", &[("added", &report.added.to_string()), ("already", &report.already_there.to_string()), ("refused", &report.rejected.len().to_string())])) }
                }
                @if !report.rejected.is_empty() {
                    section.card aria-labelledby="refused-h" {
                        h2 #refused-h { (t(locale, "console.inventory.refused_rows")) }
                        table data-testid="refused-rows" {
                            thead { tr { th scope="col" { (t(locale, "console.inventory.line")) } th scope="col" { (t(locale, "console.inventory.problem")) } } }
                            tbody {
                                @for (line, problem) in &report.rejected {
                                    tr data-line=(line) {
                                        td { (line) }
                                        // The import's own words, as `datacard inventory import` prints them.
                                        td lang=[(locale != Locale::En).then_some("en")] { (problem) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn page(
    app: &App,
    console: &Console,
    uploaded: Option<Uploaded>,
    status: StatusCode,
) -> Response {
    let locale = console.locale;
    let loaded = async {
        Ok::<_, crate::error::Error>((
            inventory::stock(app).await?,
            inventory::low_stock::raised_at(app).await?,
        ))
    }
    .await;
    let (stock, raised_at) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return error_page(console, &error),
    };
    let may_import = console
        .member
        .as_ref()
        .is_some_and(|m| m.role.may(Permission::EditCatalog));
    let threshold = app.config.inventory.low_stock_threshold;
    let zone = app.config.time_zone();
    let body = html! {
        h1 { (t(locale, "console.inventory.title")) }
        @if let Some(uploaded) = &uploaded { (report(console, uploaded)) }
        (warning(app, console, &stock))
        @if let Some(at) = raised_at { p.hint data-testid="alerted" { (tf(locale, "console.inventory.alerted", &[("time", &datetime(locale, at, zone))])) } }
        section.card aria-labelledby="stock-h" {
            h2 #stock-h { (t(locale, "console.inventory.stock")) }
            dl.facts data-testid="stock" {
                dt { (t(locale, "console.inventory.free")) } dd data-count="free" { (stock.counts.free) }
                dt { (t(locale, "console.inventory.sold")) } dd data-count="sold" { (stock.counts.sold) }
                dt { (t(locale, "console.inventory.total")) } dd data-count="total" { (stock.counts.total()) }
            }
            p.hint { (tf(locale, "console.inventory.threshold", &[("threshold", &threshold.to_string())])) }
            @if !stock.by_address.is_empty() {
                div.scroll tabindex="0" role="region" aria-label=(t(locale, "console.inventory.by_address")) { table data-testid="by-address" {
                    caption { (t(locale, "console.inventory.by_address")) }
                    thead { tr {
                        th scope="col" { (t(locale, "console.inventory.address")) }
                        th scope="col" { (t(locale, "console.inventory.free")) }
                        th scope="col" { (t(locale, "console.inventory.sold")) }
                        th scope="col" { (t(locale, "console.inventory.total")) }
                    } }
                    tbody {
                        @for (address, counts) in &stock.by_address {
                            tr data-address=(address) { td { code { (address) } } td { (counts.free) } td { (counts.sold) } td { (counts.total()) } }
                        }
                    }
                } }
            }
        }
        @if may_import {
            section.card aria-labelledby="import-h" {
                h2 #import-h { (t(locale, "console.inventory.import_title")) }
                p.hint #f-file-hint { (t(locale, "console.inventory.import_hint")) }
                form.stack method="post" action="/admin/inventory" enctype="multipart/form-data" {
                    input type="hidden" name="csrf" value=(console.csrf);
                    div.field {
                        label for="f-file" { (t(locale, "console.inventory.file")) }
                        input #f-file type="file" name="file" accept=".csv,text/csv" aria-describedby="f-file-hint";
                    }
                    div { button type="submit" { (t(locale, "console.inventory.import")) } }
                }
            }
        }
    };
    let mut response = render(console, &t(locale, "console.inventory.title"), body);
    *response.status_mut() = status;
    response
}
