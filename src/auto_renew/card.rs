//! Auto-renew by saved card: the renewal order opened as any card order is, then
//! charged off-session to the account's newest saved card at Stripe
//! ([`crate::payments::stripe::charge_off_session`]); what Stripe answers goes through
//! [`crate::orders::apply`] like every other word about a payment. A decline, a
//! bank that wants the payer (the PaymentIntent is cancelled then, so that it cannot
//! be completed later) or no card left is a failed attempt for the dunning schedule.
//!
//! Each charge is recorded with its period (`auto_renew_charges`): an attempt that
//! finds one still in flight (its answer lost, or still processing) asks about it and
//! never charges a second time.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::clock::to_millis;
use crate::error::{Code, Error, ErrorKind, Result};
use crate::orders::{self, Opened, Opening, OrderRequest, OrderState, apply_in, reconcile};
use crate::payments::stripe::charge_off_session;
use crate::payments::{NextAction, provider_for, saved_cards};

/// How an attempt by card went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    Renewed,
    /// Nothing was charged; the code says why (for the log).
    Failed(&'static str),
    /// Stripe has not said yet (no answer, or processing): ask again later.
    InFlight,
}

/// Card auto-renew needs cards served by Stripe and a saved card.
pub(super) async fn check_usable(app: &App, account_id: &str) -> Result<()> {
    let card = &app.config.payments.card;
    if !card.enabled || card.provider != crate::payments::ProviderName::Stripe {
        return Err(Error::invalid(Code::PaymentMethodUnavailable).on_field("method"));
    }
    if saved_cards::newest(app, account_id, "stripe")
        .await?
        .is_none()
    {
        return Err(Error::conflict(Code::NoSavedCard).on_field("method"));
    }
    Ok(())
}

/// One attempt to renew `period_id` of `iccid` by card.
pub(super) async fn renew(
    app: &App,
    account_id: &str,
    period_id: &str,
    iccid: &str,
    request: &OrderRequest,
) -> Result<Outcome> {
    if let Some(order_id) = in_flight(app, period_id).await? {
        let order = orders::refresh(app, account_id, &order_id).await?;
        tracing::info!(order.id = %order.id, state = order.state.as_str(), "auto-renew card charge was in flight");
        return Ok(outcome_of(order.state, "card_declined"));
    }
    if let Err(error) = check_usable(app, account_id).await {
        return Ok(Outcome::Failed(error.code.as_str()));
    }
    let Some(card) = saved_cards::newest(app, account_id, "stripe").await? else {
        return Ok(Outcome::Failed("no_saved_card"));
    };
    let Opened { order, payment, .. } = match orders::open(app, account_id, request).await {
        Ok(Opening::Payable(opened)) => opened,
        // Free after promotions: nothing to charge.
        Ok(Opening::Settled(_)) => return Ok(Outcome::Renewed),
        Err(error) if matches!(error.kind, ErrorKind::Internal | ErrorKind::Unavailable) => {
            return Err(error);
        }
        Err(error) => return Ok(Outcome::Failed(error.code.as_str())),
    };
    record(
        app,
        order.id.as_str(),
        period_id,
        iccid,
        &card.provider_ref,
        app.now(),
    )
    .await?;
    let description = order
        .plan_code()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let charged = match charge_off_session(app, &payment, &description, &card).await {
        Ok(charged) => charged,
        Err(error) => {
            tracing::warn!(payment.id = %payment.id, %error, "off-session charge: outcome unknown; reconciliation asks");
            return Ok(Outcome::InFlight);
        }
    };
    // The PaymentIntent and Stripe's answer, in one commit.
    let mut tx = app.db.begin().await?;
    if let Some(intent) = &charged.provider_ref {
        crate::payments::store::set_created(&mut tx, &payment.id, intent, &NextAction::None)
            .await?;
    }
    let event_id = format!("sync:{}:off_session", payment.id);
    apply_in(
        app,
        &mut tx,
        &payment.id,
        "sync",
        &event_id,
        &charged.observation,
    )
    .await?;
    tx.commit().await?;
    let mut why = "card_declined";
    if charged.needs_authentication {
        why = "authentication_required";
        // Nobody is there to authenticate: cancelled now, it cannot be completed
        // later behind the dunning's back; asking then moves the payment.
        if let Some(provider) = provider_for(app, &payment.provider)
            && let Err(error) = provider.close(&payment.id).await
        {
            tracing::warn!(payment.id = %payment.id, %error, "could not cancel the off-session payment; expiry will");
        }
        reconcile::query_now(app, &payment.id).await?;
    }
    let order = orders::store::find_for_account(app, order.id.as_str(), account_id)
        .await?
        .ok_or_else(|| Error::internal(anyhow::anyhow!("order vanished")))?;
    tracing::info!(order.id = %order.id, state = order.state.as_str(), "auto-renew card charge");
    Ok(match outcome_of(order.state, why) {
        // A bank that wants the payer is a failed attempt even when the cancel did
        // not go through: expiry closes it.
        Outcome::InFlight if charged.needs_authentication => Outcome::Failed(why),
        outcome => outcome,
    })
}

fn outcome_of(state: OrderState, why: &'static str) -> Outcome {
    match state {
        OrderState::Fulfilled | OrderState::Paid => Outcome::Renewed,
        OrderState::PendingPayment => Outcome::InFlight,
        _ => Outcome::Failed(why),
    }
}

/// The period's card charge still waiting for its payment, if any (the newest).
async fn in_flight(app: &App, period_id: &str) -> Result<Option<String>> {
    let charged: Vec<(String,)> = sqlx::query_as(
        "SELECT order_id FROM auto_renew_charges WHERE period_id = $1 ORDER BY created_at DESC",
    )
    .bind(period_id)
    .fetch_all(app.db.reader())
    .await?;
    for (order_id,) in charged {
        if orders::store::state_of(app, &order_id).await? == Some(OrderState::PendingPayment) {
            return Ok(Some(order_id));
        }
    }
    Ok(None)
}

/// Of `order_ids`, those auto-renew bought (a card charge or a wallet renewal).
pub async fn auto_renewals(
    app: &App,
    order_ids: &[String],
) -> Result<std::collections::HashSet<String>> {
    let mut found = std::collections::HashSet::new();
    for order_id in order_ids {
        let charged: Option<(String,)> =
            sqlx::query_as("SELECT order_id FROM auto_renew_charges WHERE order_id = $1")
                .bind(order_id)
                .fetch_optional(app.db.reader())
                .await?;
        found.extend(charged.map(|(id,)| id));
    }
    Ok(found)
}

/// Notes that auto-renew bought `order_id` for the period (`card_ref` is `wallet`
/// for a renewal from the wallet).
pub(super) async fn record(
    app: &App,
    order_id: &str,
    period_id: &str,
    iccid: &str,
    card_ref: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "INSERT INTO auto_renew_charges (order_id, period_id, iccid, card_ref, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(order_id)
    .bind(period_id)
    .bind(iccid)
    .bind(card_ref)
    .bind(to_millis(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The saved card each of these orders charged off-session, by order (orders paid
/// otherwise are left out): the card's provider reference, kept after its removal.
pub async fn cards_of_orders(
    app: &App,
    order_ids: &[String],
) -> Result<std::collections::BTreeMap<String, String>> {
    let mut out = std::collections::BTreeMap::new();
    for chunk in order_ids.chunks(400) {
        let sql = format!(
            "SELECT order_id, card_ref FROM auto_renew_charges WHERE order_id IN ({})",
            crate::db::placeholders(1, chunk.len())
        );
        let mut query = sqlx::query_as::<_, (String, String)>(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        out.extend(query.fetch_all(app.db.reader()).await?);
    }
    Ok(out)
}
