//! Creating an order, and asking about its payment now ("refresh").

use chrono::Duration;

use crate::app::App;
use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::payments::store::{self as payments, Payment};
use crate::payments::{
    CreateRequest, Observation, PaymentState, ProviderStatus, apply, provider_for, reconcile,
};
use crate::promotions;

use super::fulfil::{Fulfilment, fulfil};
use super::{Method, Order, OrderRequest, OrderState, quote, store};

/// Prices the request and creates the order, reserving its promotions in the same
/// transaction. A wallet payment is taken and the order fulfilled in that
/// transaction too, and so is an order that promotions made free; any other method
/// opens a payment at its provider, whose answer comes back through [`apply`].
pub async fn create(app: &App, account_id: &str, request: &OrderRequest) -> Result<Order> {
    let quote = quote(app, account_id, request).await?;
    let now = app.now();
    let order = Order {
        id: new_id("ord", now),
        account_id: account_id.to_owned(),
        kind: request.kind,
        iccid: quote.iccid.as_ref().map(|i| i.to_string()),
        plan_code: quote.plan.as_ref().map(|p| p.code.to_string()),
        plan_version_id: quote.plan.as_ref().map(|p| p.version_id.clone()),
        breakdown: quote.breakdown.clone(),
        method: request.payment_method,
        state: OrderState::PendingPayment,
        attention: None,
        created_at: now,
        expires_at: now + Duration::seconds(app.config.payments.order_expiry_secs),
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
    store::insert(&mut tx, &order).await?;
    promotions::redemption::redeem(&mut tx, app.db.backend(), &order, &quote.applied, now).await?;
    let free = order.breakdown.total == 0;
    if request.payment_method == Method::Wallet || free {
        let paid_by = if free { "free" } else { "wallet" };
        match fulfil(app, &mut tx, &order, paid_by, now).await? {
            Fulfilment::Fulfilled => {}
            Fulfilment::Impossible(reason) => return Err(Error::conflict(reason)),
            Fulfilment::AlreadyFulfilled => {
                return Err(Error::internal(anyhow::anyhow!(
                    "new order already fulfilled"
                )));
            }
        }
        tx.commit().await?;
        return reload(app, &order).await;
    }
    let provider_name = request
        .payment_method
        .config(&app.config.payments)
        .provider
        .clone();
    let provider = provider_for(app, &provider_name)
        .ok_or_else(|| Error::invalid("payment_method_unavailable"))?;
    let payment = Payment {
        id: new_id("pay", now),
        order_id: order.id.clone(),
        provider: provider_name,
        method: request.payment_method.as_str().to_owned(),
        amount: quote.total(),
        state: PaymentState::Created,
        queries: 0,
    };
    payments::insert(&mut tx, &payment, now).await?;
    reconcile::schedule(&mut tx, &payment.id, &order.id, order.expires_at, now).await?;
    tx.commit().await?;

    let request = CreateRequest {
        payment_id: payment.id.clone(),
        amount: payment.amount,
        method: payment.method.clone(),
        description: order
            .plan_code
            .clone()
            .unwrap_or_else(|| "wallet top-up".into()),
        return_url: format!("{}/orders/{}?returned=1", app.config.public_url(), order.id),
    };
    match provider.create(&request).await {
        Ok(created) => {
            let mut tx = app.db.begin().await?;
            payments::set_created(
                &mut tx,
                &payment.id,
                &created.provider_ref,
                &created.next_action,
            )
            .await?;
            tx.commit().await?;
            let observation = Observation {
                status: ProviderStatus::Pending,
                amount: Some(payment.amount),
                raw: serde_json::json!({"provider_ref": created.provider_ref, "next_action": created.next_action}).to_string(),
            };
            apply(
                app,
                &payment.id,
                "sync",
                &format!("sync:{}", payment.id),
                &observation,
            )
            .await?;
        }
        // The provider may or may not have it: reconciliation will ask.
        Err(error) => {
            tracing::warn!(payment.id = %payment.id, %error, "payment create failed; outcome unknown")
        }
    }
    reload(app, &order).await
}

async fn reload(app: &App, order: &Order) -> Result<Order> {
    store::find_for_account(app, &order.id, &order.account_id)
        .await?
        .ok_or_else(|| Error::internal(anyhow::anyhow!("order vanished")))
}

/// Asks the provider about the order's open payment now, then shows the order.
pub async fn refresh(app: &App, account_id: &str, order_id: &str) -> Result<Order> {
    let order = store::find_for_account(app, order_id, account_id)
        .await?
        .ok_or_else(|| Error::not_found("order_not_found"))?;
    if let Some(payment) = &order.payment
        && payment.state.is_open()
    {
        reconcile::query_now(app, &payment.id).await?;
        return reload(app, &order).await;
    }
    Ok(order)
}
