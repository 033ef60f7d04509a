//! A receipt or credit note as the subscriber reads it (page, API, PDF, email): the
//! stored record put into words in their language, with who issued it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::i18n::{Locale, name_in, t, tf};
use crate::money::Money;
use crate::orders::receipts::{self, CreditNote, PeriodDates, Receipt};
use crate::payments::Method;

use super::format;

/// Who issues the documents: `[operator]` in the configuration.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Issuer {
    pub legal_name: String,
    pub address: String,
    pub business_registration: String,
}

impl Issuer {
    pub fn of(app: &App) -> Issuer {
        let operator = &app.config.operator;
        Issuer {
            legal_name: operator.legal_name.clone(),
            address: operator.address.clone(),
            business_registration: operator.business_registration.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReceiptItem {
    pub description: String,
    pub amount: Money,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReceiptDiscount {
    /// The promotion's name.
    pub description: String,
    /// Why the order got it.
    pub reason: Option<String>,
    pub amount: Money,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReceiptPeriod {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A credit note against the receipt.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreditNoteView {
    pub number: String,
    pub issued_at: DateTime<Utc>,
    /// The receipt it credits.
    pub receipt_number: String,
    pub order_id: String,
    pub description: String,
    pub amount: Money,
    /// `provider` (back to the payer) or `wallet`.
    pub destination: String,
    pub reason: String,
}

/// A receipt (`GET /api/v1/orders/{id}/receipt`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReceiptView {
    pub number: String,
    pub issued_at: DateTime<Utc>,
    pub order_id: String,
    pub issuer: Issuer,
    /// Each period bought (with its dates) or the top-up, at list price.
    pub items: Vec<ReceiptItem>,
    pub discounts: Vec<ReceiptDiscount>,
    /// The payment method's fee.
    pub fee: Money,
    pub total: Money,
    pub method: Method,
    /// The payment provider's reference; none for the wallet.
    pub provider_reference: Option<String>,
    pub paid_at: DateTime<Utc>,
    /// `paid_at` in the operator's time zone, as words: `7 Dec 2026, 10:00`.
    pub paid_at_local: String,
    pub time_zone: String,
    pub periods: Vec<ReceiptPeriod>,
    /// Refunds of it, if any.
    pub credit_notes: Vec<CreditNoteView>,
}

/// `account_id`'s receipt for `order_id`: 404 until it is paid, and for another
/// account's order alike.
pub async fn for_account(app: &App, account_id: &str, order_id: &str) -> Result<Receipt> {
    match receipts::receipt_of(app, order_id).await? {
        Some(receipt) if receipt.account_id == account_id => Ok(receipt),
        _ => Err(Error::not_found(Code::ReceiptNotFound)),
    }
}

/// What the receipt's order was, in words: `Renewal · Hong Kong 30 days 20GB`.
pub fn what(receipt: &Receipt, locale: Locale) -> String {
    let kind = t(
        locale,
        &format!("order.kind.{}", receipt.body.kind.as_str()),
    );
    match plan_name(
        &receipt.body.plan_names,
        receipt.body.plan_code.as_deref(),
        locale,
    ) {
        Some(plan) => format!("{kind} · {plan}"),
        None => kind,
    }
}

fn plan_name(
    names: &std::collections::BTreeMap<String, String>,
    code: Option<&str>,
    locale: Locale,
) -> Option<String> {
    name_in(names, locale).or(code).map(str::to_owned)
}

pub fn method_name(method: Method, locale: Locale) -> String {
    t(locale, &format!("plans.method_{}", method.as_str()))
}

impl ReceiptView {
    pub async fn build(app: &App, receipt: &Receipt, locale: Locale) -> Result<ReceiptView> {
        let zone = app.config.time_zone();
        let body = &receipt.body;
        let b = &body.breakdown;
        let plan = plan_name(&body.plan_names, body.plan_code.as_deref(), locale);
        let items = match &plan {
            None => vec![ReceiptItem {
                description: t(locale, "order.kind.wallet_topup"),
                amount: b.money(b.list_price),
            }],
            Some(plan) if body.period_dates.len() == b.periods as usize => body
                .period_dates
                .iter()
                .enumerate()
                .map(|(i, PeriodDates { starts_at, ends_at })| ReceiptItem {
                    description: tf(
                        locale,
                        "records.item_period",
                        &[
                            ("plan", plan),
                            ("n", &(i + 1).to_string()),
                            ("count", &b.periods.to_string()),
                            ("dates", &format::period(locale, *starts_at, *ends_at, zone)),
                        ],
                    ),
                    amount: b.money(b.unit_price),
                })
                .collect(),
            Some(plan) => vec![ReceiptItem {
                description: format!("{plan} × {}", b.periods),
                amount: b.money(b.list_price),
            }],
        };
        let discounts = b
            .discounts
            .iter()
            .map(|d| ReceiptDiscount {
                description: name_in(&d.names, locale).unwrap_or(&d.promotion).to_owned(),
                reason: d.reason.as_ref().map(|r| r.text(locale)),
                amount: b.money(d.amount),
            })
            .collect();
        let credit_notes = receipts::credit_notes_of_order(app, &receipt.order_id)
            .await?
            .iter()
            .map(|note| CreditNoteView::of(note, locale))
            .collect();
        Ok(ReceiptView {
            number: receipt.number.clone(),
            issued_at: receipt.issued_at,
            order_id: receipt.order_id.clone(),
            issuer: Issuer::of(app),
            items,
            discounts,
            fee: b.money(b.fee),
            total: b.money(b.total),
            method: body.method,
            provider_reference: body.provider_reference.clone(),
            paid_at: receipt.paid_at(),
            paid_at_local: format::datetime(locale, receipt.paid_at(), zone),
            time_zone: zone.name().to_owned(),
            periods: body
                .period_dates
                .iter()
                .map(|p| ReceiptPeriod {
                    starts_at: p.starts_at,
                    ends_at: p.ends_at,
                })
                .collect(),
            credit_notes,
        })
    }
}

impl CreditNoteView {
    pub fn of(note: &CreditNote, locale: Locale) -> CreditNoteView {
        let body = &note.body;
        let kind = t(locale, &format!("order.kind.{}", body.kind.as_str()));
        let description = match plan_name(&body.plan_names, body.plan_code.as_deref(), locale) {
            Some(plan) => format!("{kind} · {plan}"),
            None => kind,
        };
        CreditNoteView {
            number: note.number.clone(),
            issued_at: note.issued_at,
            receipt_number: body.receipt_number.clone(),
            order_id: note.order_id.clone(),
            description,
            amount: note.amount,
            destination: body.destination.clone(),
            reason: reason_text(&body.reason, locale),
        }
    }
}

/// A credit note's reason in words.
pub fn reason_text(reason: &str, locale: Locale) -> String {
    match reason {
        "operator_refund" | "provider" => t(locale, &format!("records.reason_{reason}")),
        other => t(locale, &format!("console.refunds.reasons.{other}")),
    }
}
