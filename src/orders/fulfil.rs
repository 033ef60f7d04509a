//! Fulfilment: the single act that turns a paid order into plan periods, a new eSIM
//! or wallet credit, with its ledger entries and receipt, inside the caller's
//! transaction. A guarded state change makes it happen at most once per order.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::catalog::{Allowance, Period};
use crate::clock::to_millis;
use crate::db::Tx;
use crate::error::{Code, Error, Result};
use crate::ledger::{self, HouseAccount, Posting};
use crate::lines::{self, Purchase};
use crate::volume::DataVolume;

use super::{Order, Product};
use crate::payments::Method;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fulfilment {
    Fulfilled,
    /// Another payment fulfilled it first.
    AlreadyFulfilled,
    /// The order cannot be fulfilled any more (e.g. no eSIM left): the money goes back.
    Impossible(Code),
}

/// Fulfils `order`, paid through `provider` by `payment_id` (`None` for the wallet).
pub async fn fulfil(
    app: &App,
    tx: &mut Tx,
    order: &Order,
    provider: &str,
    payment_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Fulfilment> {
    if order.state == super::OrderState::Cancelled {
        // The subscriber said no before the money came: it goes back.
        return Ok(Fulfilment::Impossible(Code::OrderCancelled));
    }
    if matches!(
        order.state,
        super::OrderState::Expired | super::OrderState::Failed
    ) && super::store::retried(tx, order.id.as_str(), order.account_id.as_str()).await?
    {
        // Money late for an order the subscriber already bought again with Retry: the
        // new order is the one they meant; this money goes back.
        return Ok(Fulfilment::Impossible(Code::OrderRetried));
    }
    let esim = match order.product {
        Product::NewEsim { .. } => match crate::inventory::next_free(tx, app.db.backend()).await? {
            Some(esim) => Some(esim),
            None => return Ok(Fulfilment::Impossible(Code::NoEsimInInventory)),
        },
        _ => None,
    };
    let claimed = sqlx::query(
        "UPDATE orders SET state = 'fulfilled', paid_at = COALESCE(paid_at, $1), fulfilled_at = $1, updated_at = $1 \
         WHERE id = $2 AND state IN ('pending_payment', 'paid', 'expired', 'failed')",
    )
    .bind(to_millis(now))
    .bind(order.id.as_str())
    .execute(&mut **tx)
    .await?;
    if claimed.rows_affected() == 0 {
        return Ok(Fulfilment::AlreadyFulfilled);
    }
    if !order.breakdown.discounts.is_empty() {
        // Paid after it lapsed: the promotions it was priced with count again.
        if crate::promotions::redemption::reinstate(
            tx,
            order.id.as_str(),
            order.account_id.as_str(),
        )
        .await?
        {
            super::store::flag(tx, order.id.as_str(), "promotion_over_limit").await?;
            tracing::warn!(order.id = %order.id, "late payment took a coupon past its limit");
        }
    }
    match &order.product {
        Product::Renewal { iccid, .. } => {
            let purchase = purchase(tx, order).await?;
            lines::renew(
                tx,
                app.db.backend(),
                iccid,
                &purchase.as_purchase(order),
                app.config.time_zone(),
                now,
            )
            .await?;
        }
        Product::NewEsim { .. } => {
            let esim = esim.ok_or_else(|| Error::internal(anyhow::anyhow!("eSIM vanished")))?;
            crate::inventory::allocate(tx, &esim.iccid, order.id.as_str(), now).await?;
            let purchase = purchase(tx, order).await?;
            lines::open_line(
                tx,
                &esim.iccid,
                order.account_id.as_str(),
                &esim.activation_code,
                &purchase.as_purchase(order),
                app.config
                    .lines
                    .validity_start()
                    .unwrap_or(crate::config::ValidityStart::AtPayment),
                app.config.time_zone(),
                now,
            )
            .await?;
        }
        Product::WalletTopup => {}
    }
    post_ledger(tx, order, provider, now).await?;
    super::receipts::issue_receipt(app, tx, order, provider, payment_id, now).await?;
    tracing::info!(order.id = %order.id, "order fulfilled");
    Ok(Fulfilment::Fulfilled)
}

/// What the order's plan version gives per period.
struct Bought {
    version_id: String,
    period: Period,
    allowance: Allowance,
}

impl Bought {
    fn as_purchase<'a>(&'a self, order: &'a Order) -> Purchase<'a> {
        Purchase {
            order_id: order.id.as_str(),
            plan_version_id: &self.version_id,
            period: self.period,
            count: order.breakdown.periods,
            data_allowance: self.allowance.bytes().map(DataVolume::bytes),
            fair_use_cap: match self.allowance {
                Allowance::Unlimited { fair_use_cap, .. } => Some(DataVolume::bytes(fair_use_cap)),
                Allowance::Capped { .. } => None,
            },
        }
    }
}

async fn purchase(tx: &mut Tx, order: &Order) -> Result<Bought> {
    let version_id = order
        .plan_version_id
        .as_deref()
        .ok_or_else(|| Error::internal(anyhow::anyhow!("order without plan version")))?;
    let terms = crate::catalog::version(&mut **tx, version_id)
        .await?
        .ok_or_else(|| Error::internal(anyhow::anyhow!("plan version {version_id} is missing")))?;
    let (period, allowance) = (terms.period, terms.allowance);
    Ok(Bought {
        version_id: version_id.to_owned(),
        period,
        allowance,
    })
}

/// Customer payment, revenue and the provider's fee, as one balanced transaction.
async fn post_ledger(tx: &mut Tx, order: &Order, provider: &str, now: DateTime<Utc>) -> Result<()> {
    let b = &order.breakdown;
    let currency = b.currency;
    let subtotal = b.total - b.fee;
    let mut postings: Vec<Posting> = Vec::new();
    if order.method == Method::Wallet {
        postings.push(ledger::wallet(order.account_id.as_str(), currency, b.total));
        if b.fee > 0 {
            postings.push(ledger::house(HouseAccount::PaymentFees, currency, -b.fee));
        }
    } else {
        postings.push(ledger::house(
            HouseAccount::Clearing(provider.to_owned()),
            currency,
            b.total - b.fee,
        ));
        if b.fee > 0 {
            postings.push(ledger::house(
                HouseAccount::ProviderFees(provider.to_owned()),
                currency,
                b.fee,
            ));
            postings.push(ledger::house(HouseAccount::PaymentFees, currency, -b.fee));
        }
    }
    match order.product {
        Product::WalletTopup => postings.push(ledger::wallet(
            order.account_id.as_str(),
            currency,
            -subtotal,
        )),
        _ => postings.push(ledger::house(HouseAccount::Plans, currency, -subtotal)),
    }
    postings.retain(|p| p.amount != 0);
    if postings.len() < 2 {
        return Ok(());
    }
    ledger::post_for(
        tx,
        Some(order.account_id.as_str()),
        now,
        "order_payment",
        &format!("order:{}:fulfil", order.id),
        &format!("Order {}", order.id),
        currency,
        &postings,
    )
    .await?;
    Ok(())
}
