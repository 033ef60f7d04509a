//! The subscriber's way out of an unpaid order: cancel it (its payment closed at the
//! provider first, like an expiry), or try again after it failed (a new order with
//! the same choice, once per failed order).

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::payments::{Observation, Payer, ProviderStatus, provider_for};

use super::reconcile::query_now;
use super::settle::apply;
use super::{Order, OrderRequest, OrderState, Product, create_for, store as orders};

/// Cancels the account's order while it waits for its payment: the order first (so
/// that whatever the provider says next finds it cancelled), then its payment is
/// closed at the provider and asked about once more. Money that arrives after all
/// (paid just before, or a provider that could not close it) is refunded, never
/// fulfilled ([`super::fulfil`]). An order no longer waiting is refused
/// (`order_not_cancellable`).
pub async fn cancel(app: &App, account_id: &str, order_id: &str) -> Result<Order> {
    let order = orders::find_for_account(app, order_id, account_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::OrderNotFound))?;
    let mut tx = app.db.begin().await?;
    let locked = orders::lock(&mut tx, app.db.backend(), order.id.as_str()).await?;
    if locked.state != OrderState::PendingPayment {
        return Err(Error::conflict(Code::OrderNotCancellable));
    }
    orders::set_state(&mut tx, order.id.as_str(), OrderState::Cancelled, app.now()).await?;
    tx.commit().await?;
    tracing::info!(order.id = %order.id, "order cancelled by the subscriber");
    if let Some(payment) = order.payment.as_ref().filter(|p| p.state.is_open()) {
        let provider = provider_for(app, &payment.provider)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("no provider")))?;
        match provider.close(&payment.id).await {
            Ok(()) => {
                query_now(app, &payment.id).await?;
                apply(
                    app,
                    &payment.id,
                    "cancel",
                    &format!("cancel:{}", payment.id),
                    &Observation::local(ProviderStatus::Closed, "cancelled by the subscriber"),
                )
                .await?;
            }
            // Still open at the provider: reconciliation keeps asking, and money that
            // comes is refunded.
            Err(error) => {
                tracing::warn!(payment.id = %payment.id, %error, "close after cancel failed")
            }
        }
    }
    orders::find_for_account(app, order_id, account_id)
        .await?
        .ok_or_else(|| Error::internal(anyhow::anyhow!("order vanished")))
}

/// What a new order for the same choice as `order` would ask for.
pub fn same_choice(order: &Order) -> OrderRequest {
    let b = &order.breakdown;
    let (iccid, plan_code, amount) = match &order.product {
        Product::Renewal { iccid, plan } => (Some(iccid.to_string()), Some(plan.to_string()), None),
        Product::NewEsim { plan } => (None, Some(plan.to_string()), None),
        Product::WalletTopup => (None, None, Some(b.money(b.list_price))),
    };
    OrderRequest {
        kind: order.kind(),
        iccid,
        plan_code,
        periods: b.periods,
        payment_method: order.method,
        amount,
        coupon: None,
    }
}

/// The key of the one order that tries `order_id` again.
pub fn retry_key(order_id: &str) -> String {
    format!("retry:{order_id}")
}

/// What [`retry`] did.
pub enum Retried {
    /// A new order for the same choice, with its payment opened (or the one an
    /// earlier retry of the same order made).
    Order(Box<Order>),
    /// Today's price is not the one the subscriber saw (a price change, a coupon that
    /// went with the old order): they confirm it on the review first.
    Review(OrderRequest),
}

/// Tries a failed, expired or cancelled order again: a new order for the same choice,
/// made once however often Retry is pressed (the key `retry:<order>`), so that a
/// double tap cannot charge twice. An order that was paid, or still waits for its
/// payment, is not retried (`order_not_retryable`).
pub async fn retry(app: &App, account_id: &str, order_id: &str, payer: &Payer) -> Result<Retried> {
    let order = orders::find_for_account(app, order_id, account_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::OrderNotFound))?;
    if !matches!(
        order.state,
        OrderState::Failed | OrderState::Expired | OrderState::Cancelled
    ) {
        return Err(Error::conflict(Code::OrderNotRetryable));
    }
    let key = retry_key(order.id.as_str());
    if let Some(made) = orders::find_by_idempotency_key(app, account_id, &key).await? {
        return Ok(Retried::Order(Box::new(made)));
    }
    let request = same_choice(&order);
    let quote = super::quote(app, account_id, &request).await?;
    if quote.breakdown.total != order.breakdown.total {
        return Ok(Retried::Review(request));
    }
    match create_for(app, account_id, &request, payer, Some(&key)).await {
        Ok(made) => Ok(Retried::Order(Box::new(made))),
        // A second tap that raced the first: the first one's order.
        Err(error) if error.code == Code::IdempotencyInProgress => {
            match orders::find_by_idempotency_key(app, account_id, &key).await? {
                Some(made) => Ok(Retried::Order(Box::new(made))),
                None => Err(error),
            }
        }
        Err(error) => Err(error),
    }
}
