//! The books at a glance (`/admin/books`): a range of days in the operator's time zone
//! (the last 30 by default) with its revenue by day and by method, fees, refunds,
//! renewals against new eSIMs and top-ups, auto-renew's success rate, lines by status
//! and the payments waiting for a person; each chart followed by its figures as a
//! table. Finance and admins also get the range's CSV exports.

use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::i18n::{Locale, t, tf};
use crate::money::Money;
use crate::payments::Method;
use crate::reports::export::Export;
use crate::reports::{self, Range, Summary};
use crate::staff::Permission;
use crate::web::error::status_of;

use super::charts::{self, Bars, Columns, colour};
use super::{Console, error_page, render};

#[derive(Deserialize)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

fn method_name(locale: Locale, method: &str) -> String {
    match Method::parse(method) {
        Some(m) => t(locale, &format!("plans.method_{}", m.as_str())),
        None => method.to_owned(),
    }
}

fn range_form(
    console: &Console,
    from: &str,
    to: &str,
    error: Option<&crate::error::Error>,
) -> Markup {
    let locale = console.locale;
    let invalid = |name: &str| error.is_some_and(|e| e.field == Some(name) || e.field.is_none());
    html! {
        form.range method="get" action="/admin/books" {
            div.field {
                label for="f-from" { (t(locale, "console.books.from")) }
                input #f-from type="date" name="from" value=(from) aria-invalid=[invalid("from").then_some("true")];
            }
            div.field {
                label for="f-to" { (t(locale, "console.books.to")) }
                input #f-to type="date" name="to" value=(to) aria-invalid=[invalid("to").then_some("true")];
            }
            button type="submit" { (t(locale, "console.books.show")) }
        }
    }
}

pub async fn show(
    State(app): State<App>,
    console: Console,
    Query(query): Query<RangeQuery>,
) -> Response {
    let member = match console.require(Permission::Read) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let locale = console.locale;
    let zone = app.config.time_zone();
    let today = app.now().with_timezone(&zone).date_naive();
    let title = t(locale, "console.books.title");
    let range = match Range::parse(query.from.as_deref(), query.to.as_deref(), today) {
        Ok(range) => range,
        Err(error) => {
            let body = html! {
                h1 { (title) }
                (super::layout::error_notice(&console, &error))
                (range_form(&console, query.from.as_deref().unwrap_or(""), query.to.as_deref().unwrap_or(""), Some(&error)))
            };
            let mut response = render(&console, &title, body);
            *response.status_mut() = status_of(&error);
            return response;
        }
    };
    let summary = match reports::summary(&app, range).await {
        Ok(summary) => summary,
        Err(error) => return error_page(&console, &error),
    };
    let from = range.from.to_string();
    let to = range.to.to_string();
    let body = html! {
        h1 { (title) }
        (range_form(&console, &from, &to, None))
        p.hint { (tf(locale, "console.books.zone", &[("zone", zone.name())])) }
        (totals(&console, &summary))
        (by_day(&console, &summary))
        (by_method(&console, &summary))
        (by_kind(&console, &summary))
        (lines(&console, &summary))
        @if member.role.may(Permission::Export) {
            section.card aria-labelledby="exports-h" {
                h2 #exports-h { (t(locale, "console.books.exports")) }
                p { (t(locale, "console.books.exports_hint")) }
                ul.exports {
                    @for export in Export::ALL {
                        li { a href={ "/api/v1/admin/exports/" (export.as_str()) ".csv?from=" (from) "&to=" (to) } download=(export.file_name(&range)) data-export=(export.as_str()) {
                            (t(locale, &format!("console.books.export_{}", export.as_str())))
                        } }
                    }
                }
            }
        }
    };
    render(&console, &title, body)
}

fn totals(console: &Console, s: &Summary) -> Markup {
    let locale = console.locale;
    html! {
        section.card aria-labelledby="totals-h" {
            h2 #totals-h { (tf(locale, "console.books.totals", &[("from", &s.range.from.to_string()), ("to", &s.range.to.to_string())])) }
            dl.facts data-testid="totals" {
                dt { (t(locale, "console.books.revenue")) } dd data-figure="revenue" { (s.revenue) }
                dt { (t(locale, "console.books.fees")) } dd data-figure="fees" { (s.fees) }
                dt { (t(locale, "console.books.orders")) } dd data-figure="orders" { (s.orders) }
                dt { (t(locale, "console.books.refunds")) } dd data-figure="refunds" { (s.refunds) " " span.hint { (tf(locale, "console.books.refund_count", &[("count", &s.refund_count.to_string())])) } }
                dt { (t(locale, "console.books.auto_renew")) }
                dd data-figure="auto-renew" {
                    @match s.auto_renew_rate() {
                        Some(rate) => { (tf(locale, "console.books.auto_renew_rate", &[("rate", &rate.to_string()), ("renewed", &s.auto_renew_renewed.to_string()), ("tried", &s.auto_renew_tried.to_string())])) }
                        None => { (t(locale, "console.books.auto_renew_none")) }
                    }
                }
                dt { (t(locale, "console.books.attention")) }
                dd data-figure="attention" { a href="/admin/payments/attention" { (tf(locale, "console.books.attention_count", &[("count", &s.attention.to_string())])) } }
            }
        }
    }
}

fn legend(names: &[String]) -> Markup {
    html! {
        ul.legend {
            @for (i, name) in names.iter().enumerate() {
                li { span.swatch style={ "background:" (colour(i)) } {} (name) }
            }
        }
    }
}

fn by_day(console: &Console, s: &Summary) -> Markup {
    let locale = console.locale;
    let names: Vec<String> = s.methods.iter().map(|m| method_name(locale, m)).collect();
    let every = (s.days.len() / 7).max(1);
    let max = s.days.iter().map(|d| d.revenue.amount).max().unwrap_or(0);
    let chart = Columns {
        id: "chart-days",
        title: &t(locale, "console.books.by_day"),
        description: &tf(
            locale,
            "console.books.by_day_desc",
            &[
                ("total", &s.revenue.to_string()),
                ("days", &s.days.len().to_string()),
            ],
        ),
        labels: s
            .days
            .iter()
            .enumerate()
            .map(|(i, d)| (i % every == 0).then(|| short_day(locale, d.date)))
            .collect(),
        values: s
            .days
            .iter()
            .map(|d| d.by_method.iter().map(|m| m.amount).collect())
            .collect(),
        max_label: Money::new(max, s.currency).to_string(),
    };
    html! {
        section.card aria-labelledby="days-h" {
            h2 #days-h { (t(locale, "console.books.by_day")) }
            (charts::columns(&chart))
            (legend(&names))
            details {
                summary { (t(locale, "console.books.figures")) }
                div.scroll {
                    table data-testid="days" {
                        thead { tr {
                            th scope="col" { (t(locale, "console.books.day")) }
                            @for name in &names { th scope="col" { (name) } }
                            th scope="col" { (t(locale, "console.books.total")) }
                        } }
                        tbody {
                            @for day in &s.days {
                                tr data-day=(day.date) {
                                    th scope="row" { (day.date) }
                                    @for money in &day.by_method { td { (money) } }
                                    td data-total=(day.revenue.amount) { (day.revenue) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn short_day(locale: Locale, date: chrono::NaiveDate) -> String {
    match locale {
        Locale::En => date.format("%-d %b").to_string(),
        Locale::ZhHk | Locale::ZhCn => date.format("%-m月%-d日").to_string(),
    }
}

fn figures_table(locale: Locale, id: &str, head: &str, rows: &[(String, String)]) -> Markup {
    html! {
        table data-testid=(id) {
            thead { tr { th scope="col" { (head) } th scope="col" { (t(locale, "console.books.value")) } } }
            tbody { @for (label, value) in rows { tr { th scope="row" { (label) } td { (value) } } } }
        }
    }
}

fn by_method(console: &Console, s: &Summary) -> Markup {
    let locale = console.locale;
    let rows: Vec<(String, i64, String)> = s
        .methods
        .iter()
        .zip(&s.by_method)
        .map(|(m, money)| (method_name(locale, m), money.amount, money.to_string()))
        .collect();
    let title = t(locale, "console.books.by_method");
    html! {
        section.card aria-labelledby="methods-h" {
            h2 #methods-h { (title) }
            @if rows.is_empty() { p { (t(locale, "console.books.no_revenue")) } } @else {
                (charts::bars(&Bars { id: "chart-methods", title: &title, description: &t(locale, "console.books.by_method_desc"), rows: rows.clone() }))
                (figures_table(locale, "methods", &t(locale, "console.books.method"), &rows.into_iter().map(|(l, _, v)| (l, v)).collect::<Vec<_>>()))
            }
        }
    }
}

fn by_kind(console: &Console, s: &Summary) -> Markup {
    let locale = console.locale;
    let kinds = [
        ("renewal", s.renewals),
        ("new_esim", s.new_esims),
        ("wallet_topup", s.top_ups),
    ];
    let rows: Vec<(String, i64, String)> = kinds
        .iter()
        .map(|(kind, f)| {
            (
                t(locale, &format!("console.books.kind_{kind}")),
                f.revenue.amount,
                tf(
                    locale,
                    "console.books.kind_value",
                    &[
                        ("count", &f.count.to_string()),
                        ("amount", &f.revenue.to_string()),
                    ],
                ),
            )
        })
        .collect();
    let title = t(locale, "console.books.by_kind");
    html! {
        section.card aria-labelledby="kinds-h" {
            h2 #kinds-h { (title) }
            (charts::bars(&Bars { id: "chart-kinds", title: &title, description: &t(locale, "console.books.by_kind_desc"), rows: rows.clone() }))
            (figures_table(locale, "kinds", &t(locale, "console.books.kind"), &rows.into_iter().map(|(l, _, v)| (l, v)).collect::<Vec<_>>()))
        }
    }
}

fn lines(console: &Console, s: &Summary) -> Markup {
    let locale = console.locale;
    let rows: Vec<(String, i64, String)> = s
        .lines
        .iter()
        .map(|(status, count)| {
            (
                t(locale, &format!("status.{}", status.as_str())),
                *count,
                count.to_string(),
            )
        })
        .collect();
    let title = t(locale, "console.books.lines");
    html! {
        section.card aria-labelledby="lines-h" {
            h2 #lines-h { (title) }
            (charts::bars(&Bars { id: "chart-lines", title: &title, description: &t(locale, "console.books.lines_desc"), rows: rows.clone() }))
            (figures_table(locale, "lines", &t(locale, "console.books.status"), &rows.into_iter().map(|(l, _, v)| (l, v)).collect::<Vec<_>>()))
        }
    }
}
