//! The parts of a customer's page: lines (with their marks for review and, for
//! support, the form to mark one), the wallet and its movements, and orders with
//! every payment and the provider's events (an open payment offers finance "fulfil by
//! hand").

use maud::{Markup, html};

use crate::customers::{OrderRecord, Profile};
use crate::i18n::{t, tf};

use super::Console;
use super::notices::Said;

type When<'a> = &'a dyn Fn(chrono::DateTime<chrono::Utc>) -> String;

pub fn lines(console: &Console, profile: &Profile, said: &Said, when: When<'_>) -> Markup {
    let locale = console.locale;
    html! {
        section.card #lines aria-labelledby="lines-h" {
            h2 #lines-h { (t(locale, "console.customer.lines")) }
            (said.notice(console, "lines"))
            @if profile.lines.is_empty() { p { (t(locale, "console.customer.none")) } } @else {
                table {
                    thead { tr {
                        th scope="col" { "ICCID" }
                        th scope="col" { (t(locale, "console.customer.status")) }
                        th scope="col" { (t(locale, "console.customer.plan")) }
                        th scope="col" { (t(locale, "console.customer.validity")) }
                        th scope="col" { (t(locale, "console.review.column")) }
                    } }
                    tbody {
                        @for line in &profile.lines {
                            tr data-iccid=(line.iccid) {
                                td { code { (line.iccid) } }
                                td { (t(locale, &format!("status.{}", line.status.as_str()))) @if let Some(reason) = &line.status_reason { br; span.hint { (reason) } } }
                                td { @if let Some(period) = &line.current { (period.plan_name(locale)) } }
                                td {
                                    @if let Some(period) = &line.current { (when(period.starts_at)) " – " (when(period.ends_at)) }
                                    @if !line.queued.is_empty() { br; span.hint { (tf(locale, "console.customer.queued", &[("count", &line.queued.len().to_string()), ("until", &line.queued.last().map(|p| when(p.ends_at)).unwrap_or_default())])) } }
                                }
                                td {
                                    (super::reviews::cell(console, line.iccid.as_str(), profile.reviews.iter().find(|r| r.iccid == line.iccid.as_str()), &profile.account.id))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn wallet(console: &Console, profile: &Profile, when: When<'_>) -> Markup {
    let locale = console.locale;
    html! {
        section.card aria-labelledby="wallet-h" {
            h2 #wallet-h { (t(locale, "console.customer.wallet")) }
            p data-testid="wallet-balance" { strong { (profile.wallet) } }
            @if !profile.movements.is_empty() {
                table {
                    thead { tr {
                        th scope="col" { (t(locale, "console.audit_at")) }
                        th scope="col" { (t(locale, "console.customer.movement")) }
                        th scope="col" { (t(locale, "console.customer.amount")) }
                    } }
                    tbody {
                        @for movement in &profile.movements {
                            tr { td { (when(movement.at)) } td { (movement.description) br; code.hint { (movement.reference) } } td { (movement.amount) } }
                        }
                    }
                }
            }
        }
    }
}

/// Orders and payments; `now` tells an open payment the provider has been silent about
/// for a while (as the attention list does).
pub fn orders(
    console: &Console,
    profile: &Profile,
    said: &Said,
    when: When<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Markup {
    let locale = console.locale;
    html! {
        section.card #orders aria-labelledby="orders-h" {
            h2 #orders-h { (t(locale, "console.customer.orders")) }
            (said.notice(console, "orders"))
            @if profile.orders.is_empty() { p { (t(locale, "console.customer.none")) } }
            @for record in &profile.orders { (order_block(console, record, &profile.account.id, when, now)) }
        }
    }
}

fn order_block(
    console: &Console,
    record: &OrderRecord,
    account: &str,
    when: When<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Markup {
    let silent_since =
        now - chrono::Duration::minutes(crate::orders::attention::NO_WORD_AFTER_MINUTES);
    let locale = console.locale;
    let order = &record.order;
    let b = &order.breakdown;
    html! {
        article.order data-order=(order.id) {
            h3 {
                (t(locale, &format!("order.kind.{}", order.kind().as_str())))
                @if let Some(plan) = order.plan_name(locale) { " · " (plan) " × " (b.periods) }
                " · " (b.money(b.total))
            }
            p {
                (when(order.created_at)) " · " (t(locale, &format!("order.state.{}", order.state.as_str())))
                " · " code { (order.id) }
                @if let Some(receipt) = &record.receipt { " · " (t(locale, "console.customer.receipt")) " " code { (receipt) } }
                @if let Some(attention) = &order.attention { " · " strong.attention { (attention) } }
            }
            @for payment in &record.payments {
                details data-payment=(payment.id) open[open(&payment.state)] {
                    summary {
                        (payment.method) " · " (payment.provider) " · " (payment.amount) " · " (payment.state)
                        @if let Some(reference) = &payment.provider_ref { " · " code { (reference) } }
                        @if let Some(attention) = &payment.attention { " · " strong.attention { (attention) } }
                    }
                    @if payment.events.is_empty() { p.hint { (t(locale, "console.customer.no_events")) } }
                    @if open(&payment.state) && payment.created_at < silent_since {
                        p { strong.attention { (t(locale, "console.attention.reason_code.no_word_from_provider")) } }
                    }
                    @if open(&payment.state) && may_query(console) {
                        (super::forms::form(console, &format!("/admin/payments/{}/query", payment.id), html! {
                            input type="hidden" name="back" value=(account);
                            div { button type="submit" { (t(locale, "console.attention.query")) } }
                        }))
                    }
                    @if open(&payment.state) && super::fulfil::may(console) { (super::fulfil::form_for(console, &payment.id, account)) }
                    ol {
                        @for event in &payment.events {
                            li {
                                (when(event.received_at)) " · " (event.source) " · " (event.provider_status) " → " (event.outcome)
                                @if let Some(amount) = &event.amount { " · " (amount) }
                                pre.evidence tabindex="0" { (event.evidence) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn may_query(console: &Console) -> bool {
    console
        .member
        .as_ref()
        .is_some_and(|m| m.role.may(crate::staff::Permission::QueryPayments))
}

/// A payment still waiting for its provider's word.
fn open(state: &str) -> bool {
    matches!(state, "created" | "pending")
}
