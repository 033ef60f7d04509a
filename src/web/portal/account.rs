//! The account page: wallet balance, and each line with its plan, validity and data.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::auto_renew;
use crate::i18n::{t, tf};
use crate::ledger;
use crate::lines::{self, Line, LinePeriod};

use super::format::datetime;
use super::layout::notice;
use super::{Portal, error_page, render, require_account};

#[derive(Deserialize)]
pub struct AccountQuery {
    welcome: Option<String>,
    phone_changed: Option<String>,
    auto_renew: Option<String>,
    card_removed: Option<String>,
}

pub async fn show(
    State(app): State<App>,
    portal: Portal,
    Query(query): Query<AccountQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let locale = portal.locale;
    let savable = super::stripe_card::saves_cards(&app);
    let loaded = async {
        let balance = ledger::wallet_balance(&app, &account.id, app.config.locale.currency).await?;
        let lines = lines::for_account(&app, &account.id).await?;
        let cards = crate::payments::saved_cards::list(&app, &account.id).await?;
        let mut renewals = Vec::with_capacity(lines.len());
        for line in &lines {
            let settings = auto_renew::settings(&app, line.iccid.as_str()).await?;
            let next = auto_renew::next_charge_of_line(&app, &account.id, &settings, line).await;
            renewals.push((settings, next));
        }
        Ok::<_, crate::error::Error>((balance, lines, renewals, cards))
    }
    .await;
    let (balance, lines, renewals, cards) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&portal, &error),
    };
    let body = html! {
        h1 { (t(locale, "account.title")) }
        @if query.welcome.is_some() { (notice(&t(locale, "login.registered"), false)) }
        @if query.phone_changed.is_some() { (notice(&t(locale, "phone.changed"), false)) }
        @if query.auto_renew.is_some() { (notice(&t(locale, "autorenew.saved"), false)) }
        @if query.card_removed.is_some() { (notice(&t(locale, "cards.removed"), false)) }
        section.card.wallet aria-labelledby="wallet-h" {
            h2 #wallet-h { (t(locale, "account.wallet")) }
            p.amount data-testid="wallet-balance" { (balance) }
            p { a.button.secondary href="/checkout?topup=100" { (t(locale, "account.top_up")) } }
        }
        section aria-labelledby="lines-h" {
            h2 #lines-h { (t(locale, "account.lines")) }
            @if lines.is_empty() {
                p { (t(locale, "account.no_lines")) " " a href="/plans" { (t(locale, "nav.plans")) } }
            }
            @for (line, (settings, next)) in lines.iter().zip(&renewals) {
                (line_card(&app, &portal, line, super::install::platform(&headers), super::auto_renew::section(&app, &portal, settings, next.as_ref(), !cards.is_empty(), savable, balance)))
            }
        }
        (super::cards::section(&portal, &cards, savable))
        section.card aria-labelledby="alerts-h" {
            h2 #alerts-h { (t(locale, "watch.account_link")) }
            p { (t(locale, "watch.account_lead")) }
            p { a.button.secondary href="/alerts" data-testid="alerts-link" { (t(locale, "watch.account_link")) } }
        }
        section.card aria-labelledby="details-h" {
            h2 #details-h { (t(locale, "account.details")) }
            dl.facts {
                dt { (t(locale, "account.phone")) } dd { (super::format::phone(account.phone.as_str())) " · " a href="/account/phone" { (t(locale, "account.change_phone")) } }
                dt { (t(locale, "account.email")) } dd { (account.email) }
            }
            p.actions {
                a.button.secondary href="/preferences" data-testid="preferences-link" { (t(locale, "preferences.account_link")) }
                a.button.secondary href="/announcements" { (t(locale, "announcements.title")) }
            }
        }
    };
    render(&portal, &t(locale, "account.title"), body)
}

fn line_card(
    app: &App,
    portal: &Portal,
    line: &Line,
    platform: lines::Platform,
    auto_renew: Markup,
) -> Markup {
    let locale = portal.locale;
    let status = line.status.as_str();
    let zone = app.config.time_zone();
    html! {
        article.card data-iccid=(line.iccid) {
            h3 {
                @if let Some(period) = line.current.as_ref().or(line.queued.first().filter(|_| line.opens_by.is_some())) { (period.plan_name(locale)) } @else { (t(locale, "account.no_period")) }
            }
            dl.facts {
                dt { (t(locale, "account.status")) }
                dd {
                    span class={ "status " (status) } { (t(locale, &format!("status.{status}"))) }
                    // Sold to start at payment: the period runs before the eSIM is on a phone.
                    @if line.status == lines::LineStatus::PendingInstall && line.current.is_some() && line.opens_by.is_none() {
                        br; span.hint data-testid="running-not-installed" { (t(locale, "account.running_not_installed")) }
                    }
                    @if let Some(reason) = line.status_reason.as_deref().filter(|r| crate::network::is_known_reason(r)) {
                        br; span.hint data-testid="status-reason" { (t(locale, &format!("reason.{reason}"))) }
                    }
                }
                dt { (t(locale, "account.iccid")) } dd { (super::format::iccid(line.iccid.as_str())) }
                @if let Some(period) = &line.current {
                    dt { (t(locale, "account.this_period")) }
                    dd { span.nowrap { (datetime(locale, period.starts_at, zone)) } " – " span.nowrap { (datetime(locale, period.ends_at, zone)) } }
                }
                @if let Some(until) = line.valid_until() {
                    dt { (t(locale, "account.valid_until_term")) }
                    dd data-testid="valid-until" { strong { (datetime(locale, until, zone)) } }
                }
                @if let Some(period) = &line.current {
                    (data_fact(portal, period))
                }
                @if let Some(opens_by) = line.opens_by {
                    dt { (t(locale, "account.validity")) }
                    dd { (super::install::starts_at_install(locale, opens_by, app.config.time_zone())) }
                }
            }
            @if let Some(code) = line.activation_code.as_ref().filter(|_| line.status == lines::LineStatus::PendingInstall) {
                (super::install::section(portal, code, platform, 4, html! {}))
            }
            @let plan = line.current.as_ref().or(line.queued.last()).map(|p| p.plan_code.clone()).unwrap_or_default();
            p.actions {
                a.button href={ "/checkout?plan=" (plan) "&iccid=" (line.iccid) } { (t(locale, "account.renew")) }
                a.button.secondary href={ "/lines/" (line.iccid) "/usage" } { (t(locale, "usage.link")) }
            }
            // A line waiting for its install shows its first period above, not as queued.
            @let queued = &line.queued[usize::from(line.opens_by.is_some()).min(line.queued.len())..];
            @if !queued.is_empty() {
                @let count = queued.len();
                @let form = if count == 1 { "one" } else { "other" };
                details.queued data-testid="queued" {
                    summary { (tf(locale, &format!("account.queued_count.{form}"), &[("count", &count.to_string())])) }
                    ul aria-label=(t(locale, "account.queued")) {
                        @for period in queued {
                            li { (period.plan_name(locale)) ": " span.nowrap { (datetime(locale, period.starts_at, zone)) } " – " span.nowrap { (datetime(locale, period.ends_at, zone)) } }
                        }
                    }
                }
            }
            (auto_renew)
        }
    }
}

/// The period's data, labelled as what it is: on a capped plan the data left (the
/// bar full when nothing is used), on an unlimited one the data used against the
/// fair-use cap (the bar filling up as it is used). The text is what screen readers
/// get; the bar says the same.
fn data_fact(portal: &Portal, period: &LinePeriod) -> Markup {
    let locale = portal.locale;
    let (term, text, bar, low) = match (
        period.data_remaining(),
        period.data_allowance,
        period.fair_use_cap,
    ) {
        (Some(left), Some(total), _) => {
            let percent = period.percent_left().unwrap_or(0);
            (
                t(locale, "account.data_left"),
                tf(
                    locale,
                    "account.data_left_of",
                    &[("left", &left.to_string()), ("total", &total.to_string())],
                ),
                Some(percent),
                percent < 20,
            )
        }
        (_, _, Some(cap)) => {
            let percent = period.percent_used_of_fair_use().unwrap_or(0);
            (
                t(locale, "account.data_used"),
                tf(
                    locale,
                    "account.unlimited_used",
                    &[
                        ("used", &period.data_used.to_string()),
                        ("cap", &cap.to_string()),
                    ],
                ),
                Some(percent),
                percent > 80,
            )
        }
        _ => (
            t(locale, "account.data_used"),
            t(locale, "plans.unlimited"),
            None,
            false,
        ),
    };
    let kind = if period.data_allowance.is_some() {
        "left"
    } else {
        "used"
    };
    html! {
        dt data-testid="data-term" { (term) }
        dd {
            span data-testid="data-left" data-kind=(kind) { (text) }
            @if let Some(percent) = bar {
                div class=(if low { "data-bar low" } else { "data-bar" }) data-kind=(kind) data-percent=(percent) aria-hidden="true" {
                    span style={ "width:" (percent) "%" } {}
                }
            }
        }
    }
}
