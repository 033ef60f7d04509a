//! Creating an order, and asking about its payment now ("refresh").

use chrono::Duration;

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::ids::{AccountId, OrderId, new_id};
use crate::payments::store::{self as payments, Payment};
use crate::payments::{CreateRequest, Observation, Payer, PaymentState, Provider, ProviderStatus};
use crate::promotions;

use super::fulfil::{Fulfilment, fulfil};
use super::reconcile;
use super::settle::apply_in;
use super::{Order, OrderRequest, OrderState, quote, store};
use crate::payments::Method;

/// Prices the request and creates the order, reserving its promotions in the same
/// transaction. A wallet payment is taken and the order fulfilled in that
/// transaction too, and so is an order that promotions made free; any other method
/// opens a payment at its provider, whose answer comes back through [`super::apply`].
pub async fn create(app: &App, account_id: &str, request: &OrderRequest) -> Result<Order> {
    create_for(app, account_id, request, &Payer::default(), None).await
}

/// [`create`], for a payer whose device we know (the portal and the API), and with
/// the request's `Idempotency-Key`, which the order keeps: one order per key and
/// account (see [`already_made`]).
pub async fn create_for(
    app: &App,
    account_id: &str,
    request: &OrderRequest,
    payer: &Payer,
    idempotency_key: Option<&str>,
) -> Result<Order> {
    let Opened {
        order,
        payment,
        provider,
    } = match open_keyed(app, account_id, request, idempotency_key).await? {
        Opening::Settled(order) => return Ok(order),
        Opening::Payable(opened) => opened,
    };

    let request = CreateRequest {
        payment_id: payment.id.clone(),
        amount: payment.amount,
        method: payment.method,
        description: order
            .plan_code()
            .map_or_else(|| "wallet top-up".into(), |p| p.as_str().to_owned()),
        return_url: format!("{}/orders/{}?returned=1", app.config.public_url(), order.id),
        expires_at: order.expires_at,
        payer: payer.clone(),
    };
    match provider.create(&request).await {
        // The provider's reference and its synchronous answer, in one commit.
        Ok(created) => {
            let observation = Observation {
                status: ProviderStatus::Pending,
                amount: Some(payment.amount),
                raw: serde_json::json!({"provider_ref": created.provider_ref, "next_action": created.next_action}).to_string(),
            };
            let mut tx = app.db.begin().await?;
            payments::set_created(
                &mut tx,
                &payment.id,
                &created.provider_ref,
                &created.next_action,
            )
            .await?;
            apply_in(
                app,
                &mut tx,
                &payment.id,
                "sync",
                &format!("sync:{}", payment.id),
                &observation,
            )
            .await?;
            tx.commit().await?;
        }
        // The provider may or may not have it: reconciliation will ask.
        Err(error) => {
            tracing::warn!(payment.id = %payment.id, %error, "payment create failed; outcome unknown")
        }
    }
    reload(app, &order).await
}

/// An order stored with its payment open in our books, not yet asked of the provider.
pub struct Opened {
    pub order: Order,
    pub payment: Payment,
    pub provider: std::sync::Arc<dyn Provider>,
}

/// What [`open`] did with an order.
pub enum Opening {
    /// Paid from the wallet or free, and fulfilled.
    Settled(Order),
    /// A payment to take at its provider.
    Payable(Opened),
}

/// The first half of [`create`]: the order priced and stored with its promotions
/// reserved, and settled at once (wallet, free) or with its payment stored and its
/// status queries and expiry queued, ready to go to the provider. Auto-renew's
/// off-session card charge does the second half itself.
pub async fn open(app: &App, account_id: &str, request: &OrderRequest) -> Result<Opening> {
    open_keyed(app, account_id, request, None).await
}

async fn open_keyed(
    app: &App,
    account_id: &str,
    request: &OrderRequest,
    idempotency_key: Option<&str>,
) -> Result<Opening> {
    let quote = quote(app, account_id, request).await?;
    let now = app.now();
    let payments_config = &app.config.payments;
    let expiry = payments_config.expiry_secs(request.payment_method.config(payments_config));
    let order = Order {
        id: OrderId::generate(now),
        account_id: AccountId::from_stored(account_id),
        product: quote.product()?,
        plan_version_id: quote.plan.as_ref().map(|p| p.version_id.clone()),
        breakdown: quote.breakdown.clone(),
        method: request.payment_method,
        state: OrderState::PendingPayment,
        attention: None,
        created_at: now,
        expires_at: now + Duration::seconds(expiry),
        paid_at: None,
        fulfilled_at: None,
        payment: None,
        activation_code: None,
        plan_names: quote
            .plan
            .as_ref()
            .map(|p| p.names.clone())
            .unwrap_or_default(),
    };
    let mut tx = app.db.begin().await?;
    store::insert(&mut tx, &order, idempotency_key).await?;
    let holder = promotions::redemption::Holder {
        order_id: order.id.as_str(),
        account_id: order.account_id.as_str(),
        plan_code: order.plan_code(),
    };
    promotions::redemption::redeem(&mut tx, app.db.backend(), holder, &quote.applied, now).await?;
    let free = order.breakdown.total == 0;
    if request.payment_method == Method::Wallet || free {
        let paid_by = if free { "free" } else { "wallet" };
        match fulfil(app, &mut tx, &order, paid_by, None, now).await? {
            Fulfilment::Fulfilled => {}
            Fulfilment::Impossible(reason) => return Err(Error::conflict(reason)),
            Fulfilment::AlreadyFulfilled => {
                return Err(Error::internal(anyhow::anyhow!(
                    "new order already fulfilled"
                )));
            }
        }
        tx.commit().await?;
        return Ok(Opening::Settled(reload(app, &order).await?));
    }
    let provider_name = request.payment_method.config(&app.config.payments).provider;
    let provider = app
        .providers()
        .get(provider_name)
        .ok_or_else(|| Error::invalid(Code::PaymentMethodUnavailable))?;
    let payment = Payment {
        id: new_id("pay", now),
        order_id: order.id.to_string(),
        provider: provider_name.as_str().to_owned(),
        method: request.payment_method,
        amount: quote.total(),
        state: PaymentState::Created,
        queries: 0,
    };
    payments::insert(&mut tx, &payment, now).await?;
    reconcile::schedule(
        &mut tx,
        &payment.id,
        order.id.as_str(),
        order.expires_at,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Opening::Payable(Opened {
        order,
        payment,
        provider,
    }))
}

/// The order an earlier run of the request with this `Idempotency-Key` made: a
/// retry that took over the claim of a request that died returns it instead of
/// pricing and making the order again (its coupon is used, its wallet charged).
pub async fn already_made(
    app: &App,
    account_id: &str,
    idempotency_key: Option<&str>,
) -> Result<Option<Order>> {
    match idempotency_key {
        Some(key) => store::find_by_idempotency_key(app, account_id, key).await,
        None => Ok(None),
    }
}

async fn reload(app: &App, order: &Order) -> Result<Order> {
    store::find_for_account(app, order.id.as_str(), order.account_id.as_str())
        .await?
        .ok_or_else(|| Error::internal(anyhow::anyhow!("order vanished")))
}

/// Asks the provider about the order's open payment now, then shows the order.
pub async fn refresh(app: &App, account_id: &str, order_id: &str) -> Result<Order> {
    let order = store::find_for_account(app, order_id, account_id)
        .await?
        .ok_or_else(|| Error::not_found(Code::OrderNotFound))?;
    if let Some(payment) = &order.payment
        && payment.state.is_open()
    {
        reconcile::query_for_subscriber(app, &payment.id).await?;
        return reload(app, &order).await;
    }
    Ok(order)
}
