//! The payment detectors: what the owners of payments, orders, the catalog and
//! auto-renew report over the recent window, weighed by [`super::charge_rules`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::app::App;
use crate::error::Result;
use crate::money::Money;
use crate::orders::charges::{self, PricedOrder};
use crate::payments::unusual::{self, Attempt};

use super::charge_rules::{Charge, StoredPrice, bursts, paid_twice, price_problems, took_money};
use super::{Kind, NewFinding};

/// Every payment finding in the window from `since`.
pub async fn detect(app: &App, since: DateTime<Utc>) -> Result<Vec<NewFinding>> {
    let events = unusual::unusual_events_since(app, since).await?;
    let mut out = without_order(&events);
    let event_payments: Vec<String> = events.iter().filter_map(|e| e.payment_id.clone()).collect();
    let event_attempts = unusual::attempts(app, &event_payments).await?;
    // The orders to weigh: those paid lately, and those a provider event is about.
    let mut order_ids: BTreeSet<String> = unusual::orders_paid_since(app, since)
        .await?
        .into_iter()
        .collect();
    order_ids.extend(event_attempts.iter().map(|a| a.order_id.clone()));
    let window = app.config.watch.charge_window();
    let paid = charges::paid_since(app, since - window).await?;
    order_ids.extend(paid.iter().map(|o| o.id.clone()));
    let order_ids: Vec<String> = order_ids.into_iter().collect();
    let orders = charges::priced(app, &order_ids).await?;
    let attempts = unusual::attempts_of_orders(app, &order_ids).await?;
    let mut by_order: BTreeMap<&str, Vec<&Attempt>> = BTreeMap::new();
    for attempt in &attempts {
        by_order.entry(&attempt.order_id).or_default().push(attempt);
    }
    let orders_by_id: BTreeMap<&str, &PricedOrder> =
        orders.iter().map(|o| (o.id.as_str(), o)).collect();

    out.extend(wrong_amounts(app, &orders, &by_order, &events, &event_attempts).await?);
    for order in &orders {
        let of_order = by_order.get(order.id.as_str()).cloned().unwrap_or_default();
        let states: Vec<_> = of_order.iter().map(|a| a.state).collect();
        if paid_twice(&states) {
            out.push(double_payment(order, &of_order));
        }
    }
    for event in events.iter().filter(|e| e.outcome == "provider_refund") {
        let Some(attempt) = event_attempts
            .iter()
            .find(|a| Some(&a.id) == event.payment_id.as_ref())
        else {
            continue;
        };
        let order = orders_by_id.get(attempt.order_id.as_str());
        out.push(NewFinding {
            kind: Kind::RefundNotOurs,
            subject: attempt.id.clone(),
            account_id: order.map(|o| o.account_id.clone()),
            order_id: Some(attempt.order_id.clone()),
            payment_id: Some(attempt.id.clone()),
            iccid: order.and_then(|o| o.iccid.clone()),
            amount: Some(event.amount.unwrap_or(attempt.amount)),
            occurred_at: event.received_at,
            evidence: json!({
                "provider": attempt.provider,
                "provider_reference": attempt.provider_ref,
                "provider_event": event.provider_event_id,
                "event": event.id,
            }),
        });
    }
    out.extend(charge_bursts(app, &paid, window).await?);
    Ok(out)
}

/// A provider's successful charge for a payment we do not have: for the operator only.
fn without_order(events: &[unusual::UnusualEvent]) -> Vec<NewFinding> {
    events
        .iter()
        .filter(|e| e.outcome == "unknown_payment" && e.provider_status == "succeeded")
        .map(|event| NewFinding {
            kind: Kind::ChargeWithoutOrder,
            subject: format!("{}:{}", event.provider, event.provider_event_id),
            account_id: None,
            order_id: None,
            payment_id: None,
            iccid: None,
            amount: event.amount,
            occurred_at: event.received_at,
            evidence: json!({
                "provider": event.provider,
                "provider_event": event.provider_event_id,
                "event": event.id,
            }),
        })
        .collect()
}

async fn wrong_amounts(
    app: &App,
    orders: &[PricedOrder],
    by_order: &BTreeMap<&str, Vec<&Attempt>>,
    events: &[unusual::UnusualEvent],
    event_attempts: &[Attempt],
) -> Result<Vec<NewFinding>> {
    let mut catalog: BTreeMap<String, i64> = BTreeMap::new();
    let currencies: BTreeSet<_> = orders.iter().map(|o| o.currency).collect();
    for currency in currencies {
        let versions: Vec<&str> = orders
            .iter()
            .filter(|o| o.currency == currency)
            .filter_map(|o| o.plan_version_id.as_deref())
            .collect();
        catalog.extend(crate::catalog::unit_prices(app, &versions, currency).await?);
    }
    let mut out = Vec::new();
    for order in orders {
        let of_order = by_order.get(order.id.as_str()).cloned().unwrap_or_default();
        // What was charged: payments that took money, and amounts providers reported
        // that were not ours (kept, not applied).
        let mut charged: Vec<(i64, Option<&str>, DateTime<Utc>)> = of_order
            .iter()
            .filter(|a| took_money(a.state))
            .map(|a| (a.amount.amount, Some(a.id.as_str()), a.updated_at))
            .collect();
        for event in events.iter().filter(|e| e.outcome == "amount_mismatch") {
            let attempt = event_attempts
                .iter()
                .find(|a| Some(&a.id) == event.payment_id.as_ref());
            if let (Some(attempt), Some(amount)) = (attempt, event.amount)
                && attempt.order_id == order.id
            {
                charged.push((amount.amount, Some(attempt.id.as_str()), event.received_at));
            }
        }
        let price = StoredPrice {
            periods: order.periods,
            list_price: order.list_price,
            discounts: order.discounts,
            fee: order.fee,
            total: order.total,
            catalog_unit: order
                .plan_version_id
                .as_ref()
                .and_then(|v| catalog.get(v).copied()),
        };
        let amounts: Vec<i64> = charged.iter().map(|(a, _, _)| *a).collect();
        let problems = price_problems(&price, &amounts);
        if problems.is_empty() {
            continue;
        }
        let odd = charged.iter().find(|(a, _, _)| *a != order.total);
        out.push(NewFinding {
            kind: Kind::WrongAmount,
            subject: order.id.clone(),
            account_id: Some(order.account_id.clone()),
            order_id: Some(order.id.clone()),
            payment_id: odd.and_then(|(_, p, _)| p.map(str::to_owned)),
            iccid: order.iccid.clone(),
            amount: Some(Money::new(
                odd.map_or(order.total, |(a, _, _)| *a),
                order.currency,
            )),
            occurred_at: odd
                .map(|(_, _, at)| *at)
                .or(order.paid_at)
                .unwrap_or_else(|| app.now()),
            evidence: json!({ "order_total": order.total(), "problems": problems }),
        });
    }
    Ok(out)
}

fn double_payment(order: &PricedOrder, attempts: &[&Attempt]) -> NewFinding {
    let took: Vec<&&Attempt> = attempts.iter().filter(|a| took_money(a.state)).collect();
    let second = took.get(1).copied().copied();
    NewFinding {
        kind: Kind::DoublePayment,
        subject: order.id.clone(),
        account_id: Some(order.account_id.clone()),
        order_id: Some(order.id.clone()),
        payment_id: second.map(|a| a.id.clone()),
        iccid: order.iccid.clone(),
        amount: Some(second.map_or(order.total(), |a| a.amount)),
        occurred_at: second.map_or(order.paid_at.unwrap_or_default(), |a| a.updated_at),
        evidence: json!({
            "payments": took.iter().map(|a| json!({
                "id": a.id,
                "provider": a.provider,
                "method": a.method,
                "amount": a.amount,
                "state": a.state,
                "provider_reference": a.provider_ref,
            })).collect::<Vec<_>>(),
        }),
    }
}

/// One card or wallet charged more than `[watch] charges_per_window` times in the window:
/// a saved card is known by the card auto-renew charged, any other payer by the
/// account and method.
async fn charge_bursts(
    app: &App,
    paid: &[PricedOrder],
    window: Duration,
) -> Result<Vec<NewFinding>> {
    let ids: Vec<String> = paid.iter().map(|o| o.id.clone()).collect();
    let cards = crate::auto_renew::cards_of_orders(app, &ids).await?;
    let mut by_payer: BTreeMap<(String, String), Vec<&PricedOrder>> = BTreeMap::new();
    for order in paid {
        let instrument = cards
            .get(&order.id)
            .map_or_else(|| order.method.clone(), |card| format!("card:{card}"));
        by_payer
            .entry((order.account_id.clone(), instrument))
            .or_default()
            .push(order);
    }
    let most = usize::try_from(app.config.watch.charges_per_window).unwrap_or(usize::MAX);
    let mut out = Vec::new();
    for ((account_id, instrument), orders) in by_payer {
        let charges: Vec<Charge> = orders
            .iter()
            .filter_map(|o| {
                o.paid_at.map(|at| Charge {
                    id: o.id.clone(),
                    at,
                })
            })
            .collect();
        for over in bursts(&charges, most, window) {
            let within: Vec<&&PricedOrder> = orders
                .iter()
                .filter(|o| {
                    o.paid_at
                        .is_some_and(|at| at > over.at - window && at <= over.at)
                })
                .collect();
            let Some(last) = orders.iter().find(|o| o.id == over.id) else {
                continue;
            };
            let total: i64 = within.iter().map(|o| o.total).sum();
            out.push(NewFinding {
                kind: Kind::ChargeBurst,
                subject: over.id.clone(),
                account_id: Some(account_id.clone()),
                order_id: Some(over.id.clone()),
                payment_id: None,
                iccid: last.iccid.clone(),
                amount: Some(Money::new(total, last.currency)),
                occurred_at: over.at,
                evidence: json!({
                    "instrument": instrument,
                    "count": within.len(),
                    "window_minutes": window.num_minutes(),
                    "orders": within.iter().map(|o| json!({
                        "id": o.id, "total": o.total(), "paid_at": o.paid_at,
                    })).collect::<Vec<_>>(),
                }),
            });
        }
    }
    Ok(out)
}

/// Renewals auto-renew refused for the subscriber's spend cap since `since`.
pub async fn spend_cap_refusals(app: &App, since: DateTime<Utc>) -> Result<Vec<NewFinding>> {
    Ok(crate::auto_renew::cap::refusals_since(app, since)
        .await?
        .into_iter()
        .map(|refusal| NewFinding {
            kind: Kind::OverSpendCap,
            subject: refusal.period_id.clone(),
            account_id: Some(refusal.account_id.clone()),
            order_id: None,
            payment_id: None,
            iccid: Some(refusal.iccid.clone()),
            amount: Some(refusal.amount),
            occurred_at: refusal.refused_at,
            evidence: json!({
                "period": refusal.period_id,
                "spent_this_month": refusal.spent,
                "cap": refusal.cap,
            }),
        })
        .collect())
}
