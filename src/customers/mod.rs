//! The back office's view of a customer: found in one box by anything they might
//! quote on the phone (phone in any format, email, ICCID, order id, payment id, the
//! provider's reference, a receipt number), and everything about them on one page —
//! account, lines, wallet and its movements, orders with every payment and the
//! provider's events, cards, the messages sent to them, refunds and lines marked for
//! review, newest first as one timeline ([`timeline`]). Opening a customer's page is
//! recorded in the audit log: it shows personal data.

pub mod messages;
mod timeline;

use serde::Serialize;

use crate::accounts::{self, Account, Email, Phone};
use crate::app::App;
use crate::audit;
use crate::error::{Code, Error, Result};
use crate::ledger::movements::{self, Movement};
use crate::lines::review::{self, LineReview};
use crate::lines::{self, Iccid, Line};
use crate::messages::{SentMessage, log as message_log};
use crate::money::Money;
use crate::orders::refund_store::{self, RefundRecord};
use crate::orders::{self, Order};
use crate::payments::lookup::{self as payment_lookup, PaymentRecord};
use crate::payments::saved_cards::{self, SavedCard};

pub use timeline::{TimelineEntry, timeline};

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

pub struct Profile {
    pub account: Account,
    pub lines: Vec<Line>,
    pub wallet: Money,
    pub movements: Vec<Movement>,
    pub orders: Vec<OrderRecord>,
    pub cards: Vec<SavedCard>,
    /// SMS and email sent to the account's phone or email, newest first.
    pub messages: Vec<SentMessage>,
    /// Refunds and wallet adjustments, newest first.
    pub refunds: Vec<RefundRecord>,
    /// The account's lines marked for review.
    pub reviews: Vec<LineReview>,
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
    let messages = message_log::sent_to(
        &app.db,
        &[account.phone.as_str(), account.email.as_str()],
        MAX_ROWS,
    )
    .await?;
    let refunds = refund_store::of_account(app, account_id).await?;
    let reviews = review::of_account(app, account_id).await?;
    let tickets = crate::tickets::for_account(app, account_id).await?;
    let timeline = timeline(&timeline::Sources {
        account: &account,
        orders: &orders,
        movements: &movements,
        messages: &messages,
        refunds: &refunds,
        reviews: &reviews,
    });

    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        viewer,
        "customer.view",
        account_id,
        "account, lines, wallet, orders, payments, cards and messages shown",
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
        messages,
        refunds,
        reviews,
        tickets,
        timeline,
    }))
}
