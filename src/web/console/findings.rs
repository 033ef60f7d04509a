//! The watch's findings on the "needs a person" page: what was found, about whom,
//! the evidence, the case a dispute opened, and dismiss with a reason (support and
//! up; audited as `finding.dismiss`). Dismissing goes through the page's one dismiss
//! form with subject `finding`.

use maud::{Markup, html};

use crate::app::App;
use crate::error::Result;
use crate::i18n::t;
use crate::watch::{self, Finding};

use super::Console;
use super::forms::form;

/// The section, newest first.
pub async fn section(app: &App, console: &Console, may_act: bool) -> Result<Markup> {
    let findings = watch::open_findings(app).await?;
    let locale = console.locale;
    let zone = app.config.time_zone();
    Ok(html! {
        section aria-labelledby="findings-h" data-testid="findings" {
            h2 #findings-h { (t(locale, "watch.console.title")) }
            p.lead { (t(locale, "watch.console.lead")) }
            @if findings.is_empty() {
                p data-testid="findings-empty" { (t(locale, "watch.console.empty")) }
            }
            @for finding in &findings {
                (item(app, console, finding, may_act, zone))
            }
        }
    })
}

fn item(
    app: &App,
    console: &Console,
    finding: &Finding,
    may_act: bool,
    zone: chrono_tz::Tz,
) -> Markup {
    let locale = console.locale;
    let said = watch::alert::describe(app, finding, locale);
    html! {
        article.card data-subject="finding" data-id=(finding.id) data-kind=(finding.kind.as_str()) {
            h3 { (said.title) }
            p { (said.what) }
            dl.facts {
                dt { (t(locale, "watch.console.occurred")) }
                dd { (finding.occurred_at.with_timezone(&zone).format("%Y-%m-%d %H:%M")) }
                @if let Some(amount) = finding.amount {
                    dt { (t(locale, "watch.console.amount")) } dd { (amount) }
                }
                dt { (t(locale, "watch.console.customer")) }
                dd {
                    @if let Some(account) = &finding.account_id {
                        a href={ "/admin/customers/" (account) } { (t(locale, "console.attention.evidence")) }
                    } @else {
                        (t(locale, "watch.console.no_subscriber"))
                    }
                }
                @if let Some(order) = &finding.order_id {
                    dt { (t(locale, "console.attention.order")) } dd { code { (order) } }
                }
                @if let Some(ticket) = &finding.ticket_id {
                    dt { (t(locale, "watch.console.case")) }
                    dd { code { (ticket) } }
                }
            }
            details {
                summary { (t(locale, "watch.console.evidence")) }
                pre.evidence { (serde_json::to_string_pretty(&finding.evidence).unwrap_or_default()) }
            }
            @if may_act {
                details {
                    summary { (t(locale, "console.attention.dismiss")) }
                    (form(console, "/admin/attention/dismiss", html! {
                        input type="hidden" name="subject" value="finding";
                        input type="hidden" name="id" value=(finding.id);
                        div.field {
                            label for={ "f-reason-" (finding.id) } { (t(locale, "console.attention.reason")) }
                            input id={ "f-reason-" (finding.id) } name="reason" type="text" maxlength="500" autocomplete="off";
                        }
                        div { button.secondary type="submit" { (t(locale, "console.attention.dismiss_submit")) } }
                    }))
                }
            }
        }
    }
}
