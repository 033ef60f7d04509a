//! A subscriber's history: every movement of their money (payments, refunds, wallet
//! top-ups and spends, auto-renewals, adjustments by staff) and the periods each
//! purchase bought, newest first, paged. One entry per ledger transaction about them
//! (`ledger::history`), put into words with what its owner knows (the order).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::App;
use crate::error::Result;
use crate::i18n::{Locale, t};
use crate::ledger::history::{self, AccountTransaction};
use crate::money::Money;
use crate::orders::{self, Order, OrderKind};
use crate::payments::Method;

use super::format;
use super::receipt::method_name;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entry {
    /// The ledger transaction's id (also the `before` cursor).
    pub id: String,
    pub at: DateTime<Utc>,
    /// `payment`, `wallet_payment`, `auto_renewal`, `top_up`, `refund`,
    /// `adjustment`, `credit` (given by the operator), `payment_to_refund`.
    pub kind: String,
    pub description: String,
    /// Into the wallet or back to the payer positive; paid out or spent negative.
    pub amount: Money,
    /// The wallet's balance after it, when it moved the wallet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance_after: Option<Money>,
    /// The order it is about, whose receipt shows the details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

/// A page of history (`GET /api/v1/me/transactions`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryPage {
    pub entries: Vec<Entry>,
    /// Pass as `before` for the next (older) page; none at the end.
    pub next_before: Option<String>,
}

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// `limit` entries of `account_id`'s history older than entry `before`.
pub async fn page(
    app: &App,
    account_id: &str,
    before: Option<&str>,
    limit: i64,
    locale: Locale,
) -> Result<HistoryPage> {
    let currency = app.config.locale.currency;
    let transactions = history::page(app, account_id, currency, before, limit + 1).await?;
    let more = transactions.len() as i64 > limit;
    let shown: Vec<AccountTransaction> = transactions.into_iter().take(limit as usize).collect();
    let entries = describe(app, account_id, &shown, locale).await?;
    Ok(HistoryPage {
        next_before: more.then(|| entries.last().map(|e| e.id.clone())).flatten(),
        entries,
    })
}

/// The entries for `transactions`, in their order.
pub async fn describe(
    app: &App,
    account_id: &str,
    transactions: &[AccountTransaction],
    locale: Locale,
) -> Result<Vec<Entry>> {
    let mut orders_by_id: HashMap<String, Order> = HashMap::new();
    for transaction in transactions {
        let Some(order_id) = order_of(transaction) else {
            continue;
        };
        if orders_by_id.contains_key(order_id) {
            continue;
        }
        if let Some(order) = orders::store::find_for_account(app, order_id, account_id).await? {
            orders_by_id.insert(order_id.to_owned(), order);
        }
    }
    let ids: Vec<String> = orders_by_id.keys().cloned().collect();
    let auto = crate::auto_renew::auto_renewals(app, &ids).await?;
    // The dates of the periods each purchase bought: its movement of data.
    let zone = app.config.time_zone();
    let mut bought: HashMap<&str, String> = HashMap::new();
    for id in &ids {
        let periods = crate::lines::of_order(app.db.reader(), id).await?;
        if let (Some((first, _)), Some((_, last))) = (periods.first(), periods.last()) {
            bought.insert(id.as_str(), format::period(locale, *first, *last, zone));
        }
    }
    Ok(transactions
        .iter()
        .map(|transaction| {
            let order = order_of(transaction).and_then(|id| orders_by_id.get(id));
            let (kind, mut description) = words(transaction, order, &auto, locale);
            if let Some(dates) = order.and_then(|o| bought.get(o.id.as_str())) {
                description.push_str(" · ");
                description.push_str(dates);
            }
            Entry {
                id: transaction.id.clone(),
                at: transaction.at,
                kind: kind.to_owned(),
                description,
                amount: transaction.wallet.unwrap_or(transaction.external),
                balance_after: transaction.balance_after,
                order_id: order.map(|o| o.id.to_string()),
            }
        })
        .collect())
}

/// The order a transaction's reference names (`order:<id>:fulfil`); refunds name
/// their payment, whose order the history does not look up.
fn order_of(transaction: &AccountTransaction) -> Option<&str> {
    transaction
        .reference
        .strip_prefix("order:")
        .and_then(|rest| rest.strip_suffix(":fulfil"))
}

fn words(
    transaction: &AccountTransaction,
    order: Option<&Order>,
    auto: &std::collections::HashSet<String>,
    locale: Locale,
) -> (&'static str, String) {
    match (transaction.kind.as_str(), order) {
        ("order_payment", Some(order)) => {
            let method = method_name(order.method, locale);
            let what = match order.plan_name(locale) {
                Some(plan) => format!("{plan} × {}", order.breakdown.periods),
                None => t(locale, "order.kind.wallet_topup"),
            };
            let kind = if order.kind() == OrderKind::WalletTopup {
                "top_up"
            } else if auto.contains(order.id.as_str()) {
                "auto_renewal"
            } else if order.method == Method::Wallet {
                "wallet_payment"
            } else {
                "payment"
            };
            let label = t(locale, &format!("records.kind.{kind}"));
            let iccid = order
                .iccid()
                .map(|i| {
                    format!(
                        " · eSIM …{}",
                        &i.as_str()[i.as_str().len().saturating_sub(4)..]
                    )
                })
                .unwrap_or_default();
            (kind, format!("{label} · {what}{iccid} · {method}"))
        }
        ("order_payment", None) => ("payment", t(locale, "records.kind.payment")),
        ("wallet_adjustment", _) => ("adjustment", t(locale, "records.kind.adjustment")),
        ("promotional_credit", _) => ("credit", t(locale, "records.kind.credit")),
        ("payment_to_refund", _) => (
            "payment_to_refund",
            t(locale, "records.kind.payment_to_refund"),
        ),
        (_, _) if transaction.wallet.is_some_and(|w| w.amount < 0) => {
            ("refund", t(locale, "records.refund_from_wallet"))
        }
        (_, _) if transaction.wallet.is_some() => ("refund", t(locale, "records.refund_to_wallet")),
        _ => ("refund", t(locale, "records.refund_to_payer")),
    }
}
