//! The back office's view of a customer: found in one box by anything they might
//! quote on the phone (phone in any format, email, ICCID, order id, payment id, the
//! provider's reference, a receipt number), and everything about them on one page —
//! account, lines, wallet and its movements, orders with every payment and the
//! provider's events, cards, newest first as one timeline. Opening a customer's page
//! is recorded in the audit log: it shows personal data.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::accounts::{self, Account, Email, Phone};
use crate::app::App;
use crate::audit;
use crate::error::{Code, Error, Result};
use crate::ledger::movements::{self, Movement};
use crate::lines::{self, Iccid, Line};
use crate::money::Money;
use crate::orders::{self, Order};
use crate::payments::lookup::{self as payment_lookup, PaymentRecord};
use crate::payments::saved_cards::{self, SavedCard};

/// Longest query the search box takes.
const MAX_QUERY: usize = 100;
/// Most orders and wallet movements a customer page shows.
const MAX_ROWS: i64 = 100;

/// What the query was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    Phone,
    Email,
    Iccid,
    Order,
    Payment,
    ProviderReference,
    Receipt,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub account: Account,
    pub lines: Vec<String>,
    pub matched_by: MatchedBy,
}

/// The customers `query` names; empty when it names none. A query that is empty or
/// longer than 100 characters is refused (`invalid_query`).
pub async fn search(app: &App, query: &str) -> Result<Vec<Hit>> {
    let query = query.trim();
    if query.is_empty() || query.chars().count() > MAX_QUERY || query.chars().any(char::is_control)
    {
        return Err(Error::invalid(Code::InvalidQuery).on_field("q"));
    }
    let mut found: Vec<(String, MatchedBy)> = Vec::new();
    if let Ok(phone) = Phone::parse_in(query, app.config.locale.phone_region)
        && let Some(account) = accounts::find_by_phone(app, &phone).await?
    {
        found.push((account.id, MatchedBy::Phone));
    }
    if query.contains('@')
        && let Ok(email) = Email::parse(query)
        && let Some(account) = accounts::find_by_email(app, &email).await?
    {
        found.push((account.id, MatchedBy::Email));
    }
    if let Ok(iccid) = Iccid::parse(query)
        && let Some(Some(owner)) = lines::owner_of(app, &iccid).await?
    {
        found.push((owner.to_string(), MatchedBy::Iccid));
    }
    if let Some(account) = orders::lookup::account_of(app, query).await? {
        found.push((account, MatchedBy::Order));
    }
    if let Some(order) = payment_lookup::order_of_payment(app, query).await?
        && let Some(account) = orders::lookup::account_of(app, &order).await?
    {
        found.push((account, MatchedBy::Payment));
    }
    for order in payment_lookup::orders_of_provider_ref(app, query).await? {
        if let Some(account) = orders::lookup::account_of(app, &order).await? {
            found.push((account, MatchedBy::ProviderReference));
        }
    }
    if let Some(order) = orders::lookup::order_of_receipt(app, query).await?
        && let Some(account) = orders::lookup::account_of(app, &order).await?
    {
        found.push((account, MatchedBy::Receipt));
    }
    let mut hits: Vec<Hit> = Vec::new();
    for (account_id, matched_by) in found {
        if hits.iter().any(|hit| hit.account.id == account_id) {
            continue;
        }
        let Some(account) = accounts::find(app, &account_id).await? else {
            continue;
        };
        let lines = lines::for_account(app, &account_id)
            .await?
            .into_iter()
            .map(|line| line.iccid.to_string())
            .collect();
        hits.push(Hit {
            account,
            lines,
            matched_by,
        });
    }
    Ok(hits)
}

/// An order with its receipt number and every payment (with its events).
pub struct OrderRecord {
    pub order: Order,
    pub receipt: Option<String>,
    pub payments: Vec<PaymentRecord>,
}

/// One thing that happened to the customer, for the timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    /// `account.created`, `order.created`, `order.paid`, `order.fulfilled`,
    /// `payment.event`, `wallet`.
    pub kind: String,
    /// The order, payment or ledger transaction it is about.
    pub reference: String,
    /// Language-neutral detail: a state, a provider status, an amount.
    pub detail: String,
}

pub struct Profile {
    pub account: Account,
    pub lines: Vec<Line>,
    pub wallet: Money,
    pub movements: Vec<Movement>,
    pub orders: Vec<OrderRecord>,
    pub cards: Vec<SavedCard>,
    /// Support cases, newest first.
    pub tickets: Vec<crate::tickets::Ticket>,
    pub timeline: Vec<TimelineEntry>,
}

/// Everything about the customer `account_id`; `None` when there is no such account.
/// The view is recorded in the audit log as `customer.view` by `viewer`.
pub async fn profile(app: &App, account_id: &str, viewer: &str) -> Result<Option<Profile>> {
    let Some(account) = accounts::find(app, account_id).await? else {
        return Ok(None);
    };
    let currency = app.config.locale.currency;
    let lines = lines::for_account(app, account_id).await?;
    let wallet = crate::ledger::wallet_balance(app, account_id, currency).await?;
    let movements = movements::wallet_movements(app, account_id, currency, MAX_ROWS).await?;
    let mut orders = Vec::new();
    for order in orders::store::list_for_account(app, account_id, MAX_ROWS).await? {
        let id = order.id.to_string();
        orders.push(OrderRecord {
            receipt: orders::lookup::receipt_number(app, &id).await?,
            payments: payment_lookup::of_order(app, &id).await?,
            order,
        });
    }
    let cards = saved_cards::list(app, account_id).await?;
    let tickets = crate::tickets::for_account(app, account_id).await?;
    let timeline = timeline(&account, &orders, &movements);

    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        viewer,
        "customer.view",
        account_id,
        "account, lines, wallet, orders, payments and cards shown",
    )
    .await?;
    tx.commit().await?;
    Ok(Some(Profile {
        account,
        lines,
        wallet,
        movements,
        orders,
        cards,
        tickets,
        timeline,
    }))
}

/// Everything that happened, newest first.
pub fn timeline(
    account: &Account,
    orders: &[OrderRecord],
    movements: &[Movement],
) -> Vec<TimelineEntry> {
    let mut entries = vec![TimelineEntry {
        at: account.created_at,
        kind: "account.created".into(),
        reference: account.id.clone(),
        detail: String::new(),
    }];
    for record in orders {
        let order = &record.order;
        let id = order.id.to_string();
        let total = order.breakdown.money(order.breakdown.total).to_string();
        entries.push(TimelineEntry {
            at: order.created_at,
            kind: "order.created".into(),
            reference: id.clone(),
            detail: format!(
                "{} {total} {}",
                order.kind().as_str(),
                order.method.as_str()
            ),
        });
        if let Some(at) = order.paid_at {
            entries.push(TimelineEntry {
                at,
                kind: "order.paid".into(),
                reference: id.clone(),
                detail: total.clone(),
            });
        }
        if let Some(at) = order.fulfilled_at {
            entries.push(TimelineEntry {
                at,
                kind: "order.fulfilled".into(),
                reference: id.clone(),
                detail: order.state.as_str().into(),
            });
        }
        for payment in &record.payments {
            for event in &payment.events {
                entries.push(TimelineEntry {
                    at: event.received_at,
                    kind: "payment.event".into(),
                    reference: payment.id.clone(),
                    detail: format!(
                        "{} {} → {}",
                        event.source, event.provider_status, event.outcome
                    ),
                });
            }
        }
    }
    for movement in movements {
        entries.push(TimelineEntry {
            at: movement.at,
            kind: "wallet".into(),
            reference: movement.transaction_id.clone(),
            detail: format!("{} {}", movement.kind, movement.amount),
        });
    }
    entries.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.kind.cmp(&a.kind)));
    entries
}
