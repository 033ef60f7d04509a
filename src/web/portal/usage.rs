//! `/lines/{iccid}/usage`: daily use over 30 days as a server-drawn SVG bar chart,
//! and the forecast.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use crate::app::App;
use crate::catalog::format_bytes;
use crate::i18n::{t, tf};
use crate::usage::view::{self, UsageView};

use super::format::datetime;
use super::{Portal, error_page, render, require_account};

pub async fn show(State(app): State<App>, portal: Portal, Path(iccid): Path<String>) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let usage = match view::for_line(&app, &account.id, &iccid).await {
        Ok(usage) => usage,
        Err(error) => return error_page(&portal, &error),
    };
    let locale = portal.locale;
    let tail = &iccid[iccid.len().saturating_sub(4)..];
    let total: u64 = usage.days.iter().map(|(_, b)| b).sum();
    let forecast = &usage.forecast;
    let body = html! {
        h1 { (t(locale, "usage.title")) }
        p.lead { (tf(locale, "usage.lead", &[("line", tail)])) }
        @if total == 0 {
            p { (t(locale, "usage.no_data")) }
        } @else {
            (chart(&portal, &usage))
            p data-testid="usage-total" { (tf(locale, "usage.total", &[("total", &format_bytes(total))])) }
            p { (tf(locale, "usage.pace", &[("amount", &format_bytes(forecast.daily_average))])) }
            @if usage.line.current.as_ref().is_some_and(|p| p.data_allowance.is_some()) {
                p data-testid="forecast" {
                    @match forecast.runs_out_at {
                        Some(at) => { (tf(locale, "usage.runs_out", &[("date", &datetime(locale, at, app.config.time_zone()))])) }
                        None => { (t(locale, "usage.lasts")) }
                    }
                }
            }
            @if let Some(plan) = &forecast.fitting_plan {
                p {
                    (tf(locale, "usage.fits", &[("plan", plan.name(locale)), ("price", &plan.price(app.config.locale.currency).map(|p| p.to_string()).unwrap_or_default())]))
                    " " a href={ "/checkout?plan=" (plan.code) "&iccid=" (iccid) } { (t(locale, "plans.choose")) }
                }
            }
        }
        p { a href="/account" { (t(locale, "nav.account")) } }
    };
    render(&portal, &t(locale, "usage.title"), body)
}

/// 30 bars, scaled to the busiest day; each bar carries its figure as a title.
fn chart(portal: &Portal, usage: &UsageView) -> Markup {
    let (width, height, gap) = (300.0_f64, 120.0_f64, 2.0_f64);
    let most = usage.days.iter().map(|(_, b)| *b).max().unwrap_or(1).max(1) as f64;
    let bar = width / usage.days.len().max(1) as f64 - gap;
    html! {
        figure.chart {
            svg viewBox={ "0 0 " (width) " " (height + 14.0) } role="img" aria-label=(t(portal.locale, "usage.chart_label")) width="100%" {
                @for (index, (day, bytes)) in usage.days.iter().enumerate() {
                    @let h = (*bytes as f64 / most * height).max(if *bytes > 0 { 1.0 } else { 0.0 });
                    rect x=(format!("{:.1}", index as f64 * (bar + gap))) y=(format!("{:.1}", height - h)) width=(format!("{bar:.1}")) height=(format!("{h:.1}")) fill="#0a58a8" {
                        title { (day.format("%Y-%m-%d")) ": " (format_bytes(*bytes)) }
                    }
                }
                line x1="0" y1=(height) x2=(width) y2=(height) stroke="#4a5560" stroke-width="1" {}
                @if let (Some((first, _)), Some((last, _))) = (usage.days.first(), usage.days.last()) {
                    text x="0" y=(height + 12.0) font-size="9" fill="#4a5560" { (first.format("%m-%d")) }
                    text x=(width) y=(height + 12.0) font-size="9" fill="#4a5560" text-anchor="end" { (last.format("%m-%d")) }
                }
            }
        }
    }
}
