//! Refunds and wallet adjustments in the console: on the customer page, a section
//! listing them with forms (for finance and admin) to refund part or all of a payment
//! and to adjust the wallet. Those waiting for a second member are on
//! `/admin/refunds` ([`super::approvals`]).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::customers::Profile;
use crate::error::{Code, Error, Result};
use crate::i18n::{t, tf};
use crate::money::{Currency, Money};
use crate::orders::refund_store::RefundRecord;
use crate::orders::staff_refund::{self, Destination, Reason, RefundRequest, reason_with_note};
use crate::payments::alipay::amount::parse_amount;
use crate::staff::Permission;

use super::forms::{ConsoleForm, form};
use super::layout::{error_notice, notice};
use super::{Console, error_page};

/// What the customer page says after a refund or adjustment form: its outcome or the
/// error that stopped it.
#[derive(Deserialize, Default)]
pub struct Flash {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    refused: Option<String>,
}

impl Flash {
    /// The state the request was left in.
    pub fn done(&self) -> Option<&str> {
        self.done.as_deref()
    }
}

fn amount_in(text: &str, currency: Currency, signed: bool) -> Result<Money> {
    let text = text.trim().replace(',', "");
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) if signed => (true, rest),
        _ => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    let money =
        parse_amount(digits, currency).ok_or_else(|| Error::invalid(Code::InvalidAmount))?;
    Ok(Money::new(
        if negative {
            -money.amount
        } else {
            money.amount
        },
        currency,
    ))
}

fn reason_select(console: &Console, id: &str) -> Markup {
    let locale = console.locale;
    html! {
        div.field {
            label for=(id) { (t(locale, "console.refunds.reason")) }
            select id=(id) name="reason" {
                @for reason in Reason::ALL {
                    option value=(reason.as_str()) { (t(locale, &format!("console.refunds.reasons.{}", reason.as_str()))) }
                }
            }
        }
        div.field {
            label for={ (id) "-note" } { (t(locale, "console.refunds.note")) }
            input id={ (id) "-note" } name="note" type="text" maxlength="500" autocomplete="off";
        }
    }
}

/// The customer page's section: this customer's refunds and adjustments, and the
/// forms for a member who may make them.
pub fn section(
    console: &Console,
    profile: &Profile,
    records: &[RefundRecord],
    flash: &Flash,
) -> Markup {
    let locale = console.locale;
    let may = console
        .member
        .as_ref()
        .is_some_and(|m| m.role.may(Permission::Refund) && m.role.may(Permission::AdjustWallets));
    let account = &profile.account.id;
    let refundable: Vec<_> = profile
        .orders
        .iter()
        .flat_map(|o| o.payments.iter().map(move |p| (o, p)))
        .filter(|(_, p)| p.state == "succeeded")
        .collect();
    let refused = flash
        .refused
        .as_deref()
        .and_then(|code| Code::ALL.iter().find(|c| c.as_str() == code))
        .map(|code| Error::of(*code));
    html! {
        section.card #refunds aria-labelledby="refunds-h" data-testid="refunds" {
            h2 #refunds-h { (t(locale, "console.refunds.title")) }
            @if let Some(error) = &refused { (error_notice(console, error)) }
            @if let Some(state) = flash.done.as_deref().filter(|s| ["queued", "applied", "pending_approval"].contains(s)) {
                (notice(&t(locale, &format!("console.refunds.done.{state}")), false))
            }
            @if records.is_empty() { p { (t(locale, "console.customer.none")) } } @else {
                table {
                    thead { tr {
                        th scope="col" { (t(locale, "console.refunds.what")) }
                        th scope="col" { (t(locale, "console.customer.amount")) }
                        th scope="col" { (t(locale, "console.refunds.reason")) }
                        th scope="col" { (t(locale, "console.refunds.state")) }
                    } }
                    tbody {
                        @for r in records {
                            tr data-refund=(r.id) {
                                td {
                                    (t(locale, &format!("console.refunds.kind.{}.{}", r.kind, r.destination)))
                                    @if let Some(payment) = &r.payment_id { br; code.hint { (payment) } }
                                }
                                td { (r.amount) }
                                td { (t(locale, &format!("console.refunds.reasons.{}", r.reason))) @if !r.note.is_empty() { br; span.hint { (r.note) } } }
                                td {
                                    (t(locale, &format!("console.refunds.states.{}", r.state)))
                                    br; span.hint { (tf(locale, "console.refunds.by", &[("who", &r.requested_by)])) }
                                    @if let Some(approver) = &r.approved_by { br; span.hint { (tf(locale, "console.refunds.approved_by", &[("who", approver)])) } }
                                    @if let Some(closer) = &r.closed_by { br; span.hint { (tf(locale, &format!("console.approvals.{}_by", r.state), &[("who", closer), ("reason", r.close_reason.as_deref().unwrap_or_default())])) } }
                                }
                            }
                        }
                    }
                }
                p.hint { (t(locale, "console.refunds.service_note")) }
            }
            @if may {
                @if !refundable.is_empty() {
                    h3 { (t(locale, "console.refunds.refund_title")) }
                    (form(console, &format!("/admin/customers/{account}/refunds"), html! {
                        div.field {
                            label for="f-refund-payment" { (t(locale, "console.refunds.payment")) }
                            select #f-refund-payment name="payment" {
                                @for (order, payment) in &refundable {
                                    option value=(payment.id) { (payment.amount) " · " (t(locale, &format!("order.kind.{}", order.order.kind().as_str()))) " · " (payment.id) }
                                }
                            }
                        }
                        div.field {
                            label for="f-refund-amount" { (t(locale, "console.refunds.amount")) }
                            input #f-refund-amount name="amount" type="text" inputmode="decimal" autocomplete="off" aria-describedby="f-refund-amount-hint";
                            p.hint #f-refund-amount-hint { (t(locale, "console.refunds.amount_hint")) }
                        }
                        fieldset.choices {
                            legend { (t(locale, "console.refunds.to")) }
                            label { input type="radio" name="to" value="provider" checked; " " (t(locale, "console.refunds.to_provider")) }
                            label { input type="radio" name="to" value="wallet"; " " (t(locale, "console.refunds.to_wallet")) }
                        }
                        (reason_select(console, "f-refund-reason"))
                        button type="submit" { (t(locale, "console.refunds.refund")) }
                    }))
                }
                h3 { (t(locale, "console.refunds.adjust_title")) }
                (form(console, &format!("/admin/customers/{account}/wallet-adjustments"), html! {
                    div.field {
                        label for="f-adjust-amount" { (tf(locale, "console.refunds.adjust_amount", &[("currency", profile.wallet.currency.as_str())])) }
                        input #f-adjust-amount name="amount" type="text" inputmode="decimal" autocomplete="off" aria-describedby="f-adjust-amount-hint";
                        p.hint #f-adjust-amount-hint { (t(locale, "console.refunds.adjust_hint")) }
                    }
                    (reason_select(console, "f-adjust-reason"))
                    button type="submit" { (t(locale, "console.refunds.adjust")) }
                }))
            }
        }
    }
}

fn back(account: &str, outcome: std::result::Result<String, Error>) -> Response {
    let query = match outcome {
        Ok(state) => format!("done={state}"),
        Err(error) => format!("refused={}", error.code),
    };
    Redirect::to(&format!("/admin/customers/{account}?{query}#refunds")).into_response()
}

#[derive(Deserialize)]
pub struct RefundForm {
    payment: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

/// `POST /admin/customers/{id}/refunds`: back to the customer page, saying what came of it.
pub async fn refund(
    State(app): State<App>,
    console: Console,
    Path(account): Path<String>,
    ConsoleForm(input): ConsoleForm<RefundForm>,
) -> Response {
    let member = match console.require(Permission::Refund) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let outcome = async {
        let (reason, note) = reason_with_note(&input.reason, &input.note)?;
        let payment = crate::payments::store::find(&app, &input.payment)
            .await?
            .ok_or_else(|| Error::not_found(Code::PaymentNotFound))?;
        // Only this customer's payments, from this customer's page.
        if crate::orders::store::find_for_account(&app, &payment.order_id, &account)
            .await?
            .is_none()
        {
            return Err(Error::not_found(Code::PaymentNotFound));
        }
        let amount = if input.amount.trim().is_empty() {
            None
        } else {
            Some(amount_in(&input.amount, payment.amount.currency, false)?.amount)
        };
        let destination = if input.to == "wallet" {
            Destination::Wallet
        } else {
            Destination::Provider
        };
        staff_refund::request_refund(
            &app,
            RefundRequest {
                payment_id: &payment.id,
                amount,
                destination,
                reason,
                note,
                actor: &member.actor(),
            },
        )
        .await
        .map(|r| r.state)
    }
    .await;
    if let Err(error) = &outcome
        && error.kind == crate::error::ErrorKind::Internal
    {
        return error_page(&console, error);
    }
    back(&account, outcome)
}

#[derive(Deserialize)]
pub struct AdjustForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

/// `POST /admin/customers/{id}/wallet-adjustments`.
pub async fn adjust(
    State(app): State<App>,
    console: Console,
    Path(account): Path<String>,
    ConsoleForm(input): ConsoleForm<AdjustForm>,
) -> Response {
    let member = match console.require(Permission::AdjustWallets) {
        Ok(member) => member.clone(),
        Err(response) => return *response,
    };
    let outcome = async {
        let (reason, note) = reason_with_note(&input.reason, &input.note)?;
        let currency = app.config.locale.currency;
        let amount = amount_in(&input.amount, currency, true)?;
        staff_refund::adjust_wallet(&app, &account, amount, reason, note, &member.actor())
            .await
            .map(|r| r.state)
    }
    .await;
    if let Err(error) = &outcome
        && error.kind == crate::error::ErrorKind::Internal
    {
        return error_page(&console, error);
    }
    back(&account, outcome)
}
