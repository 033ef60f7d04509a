//! Fulfilment: the single act that turns a paid order into plan periods, a new eSIM
//! or wallet credit, with its ledger entries and receipt, inside the caller's
//! transaction. A guarded state change makes it happen at most once per order.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::app::App;
use crate::catalog::{Allowance, Period, PeriodUnit};
use crate::clock::to_millis;
use crate::db::{Backend, Tx};
use crate::error::{Error, Result};
use crate::ledger::{self, HouseAccount, Posting};
use crate::lines::{self, Iccid, LineStatus, NewPeriod, stacking};

use super::{Order, OrderKind};
use crate::payments::Method;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fulfilment {
    Fulfilled,
    /// Another payment fulfilled it first.
    AlreadyFulfilled,
    /// The order cannot be fulfilled any more (e.g. no eSIM left): the money goes back.
    Impossible(&'static str),
}

/// Fulfils `order`, paid by `payment` (`None` for the wallet).
pub async fn fulfil(
    app: &App,
    tx: &mut Tx,
    order: &Order,
    provider: &str,
    now: DateTime<Utc>,
) -> Result<Fulfilment> {
    let esim = match order.kind {
        OrderKind::NewEsim => match free_esim(tx, app.db.backend()).await? {
            Some(esim) => Some(esim),
            None => return Ok(Fulfilment::Impossible("no_esim_in_inventory")),
        },
        _ => None,
    };
    let claimed = sqlx::query(
        "UPDATE orders SET state = 'fulfilled', paid_at = COALESCE(paid_at, $1), fulfilled_at = $1, updated_at = $1 \
         WHERE id = $2 AND state IN ('pending_payment', 'paid', 'expired', 'cancelled', 'failed')",
    )
    .bind(to_millis(now))
    .bind(&order.id)
    .execute(&mut **tx)
    .await?;
    if claimed.rows_affected() == 0 {
        return Ok(Fulfilment::AlreadyFulfilled);
    }
    if !order.breakdown.discounts.is_empty() {
        // Paid after it lapsed: the promotions it was priced with count again.
        crate::promotions::redemption::reinstate(tx, order).await?;
    }
    match order.kind {
        OrderKind::Renewal => {
            let iccid = Iccid::parse(order.iccid.as_deref().unwrap_or_default())?;
            // A running period with no data left and nothing after it ends now, so
            // that what was just bought can be used at once.
            sqlx::query(
                "UPDATE line_periods SET ends_at = $1 WHERE iccid = $2 AND starts_at <= $1 AND ends_at > $1 \
                 AND data_allowance IS NOT NULL AND data_used >= data_allowance \
                 AND NOT EXISTS (SELECT 1 FROM line_periods q WHERE q.iccid = $2 AND q.starts_at > $1)",
            )
            .bind(to_millis(now))
            .bind(iccid.as_str())
            .execute(&mut **tx)
            .await?;
            add_periods(app, tx, order, &iccid, now).await?;
            // A line slowed, stopped or lapsed comes back by itself once it has data to
            // use; if the renewal is queued, the period-start sweep resumes it.
            let usable: i64 = sqlx::query(
                "SELECT COUNT(*) FROM line_periods WHERE iccid = $1 AND starts_at <= $2 AND ends_at > $2 \
                 AND data_used < COALESCE(data_allowance, fair_use_cap)",
            )
            .bind(iccid.as_str())
            .bind(to_millis(now))
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
            if usable > 0 {
                crate::network::enforce(
                    tx,
                    iccid.as_str(),
                    crate::network::Action::Resume,
                    "renewed",
                    now,
                )
                .await?;
            }
        }
        OrderKind::NewEsim => {
            let (iccid, activation) =
                esim.ok_or_else(|| Error::internal(anyhow::anyhow!("eSIM vanished")))?;
            sqlx::query("UPDATE esim_inventory SET order_id = $1, allocated_at = $2 WHERE iccid = $3 AND order_id IS NULL")
                .bind(&order.id)
                .bind(to_millis(now))
                .bind(iccid.as_str())
                .execute(&mut **tx)
                .await?;
            lines::insert_line(
                tx,
                &iccid,
                Some(&order.account_id),
                LineStatus::PendingInstall,
                Some(&activation),
                now,
            )
            .await?;
            add_periods(app, tx, order, &iccid, now).await?;
        }
        OrderKind::WalletTopup => {}
    }
    post_ledger(tx, order, provider, now).await?;
    let receipt = serde_json::json!({
        "order_id": order.id,
        "kind": order.kind,
        "plan_code": order.plan_code,
        "periods": order.breakdown.periods,
        "breakdown": order.breakdown,
        "method": order.method,
        "provider": provider,
    });
    sqlx::query("INSERT INTO receipts (order_id, number, payment_id, body, issued_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&order.id)
        .bind(format!("R-{}", order.id.trim_start_matches("ord_")))
        .bind(order.payment.as_ref().map(|p| p.id.clone()))
        .bind(receipt.to_string())
        .bind(to_millis(now))
        .execute(&mut **tx)
        .await?;
    tracing::info!(order.id = %order.id, "order fulfilled");
    Ok(Fulfilment::Fulfilled)
}

async fn free_esim(tx: &mut Tx, backend: Backend) -> Result<Option<(Iccid, String)>> {
    let lock = if backend == Backend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let row = sqlx::query(&format!(
        "SELECT iccid, smdp_address, matching_id FROM esim_inventory WHERE order_id IS NULL ORDER BY imported_at, iccid LIMIT 1{lock}"
    ))
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| {
        let iccid = Iccid::parse(&row.try_get::<String, _>("iccid")?)?;
        let smdp: String = row.try_get("smdp_address")?;
        let matching: String = row.try_get("matching_id")?;
        Ok((iccid, format!("1${smdp}${matching}")))
    })
    .transpose()
}

async fn add_periods(
    app: &App,
    tx: &mut Tx,
    order: &Order,
    iccid: &Iccid,
    now: DateTime<Utc>,
) -> Result<()> {
    let version_id = order
        .plan_version_id
        .as_deref()
        .ok_or_else(|| Error::internal(anyhow::anyhow!("order without plan version")))?;
    let row = sqlx::query("SELECT period_unit, period_count, data_allowance, fair_use_cap FROM plan_versions WHERE id = $1")
        .bind(version_id)
        .fetch_one(&mut **tx)
        .await?;
    let corrupt = || Error::internal(anyhow::anyhow!("plan version {version_id} is corrupt"));
    let unit = PeriodUnit::parse(&row.try_get::<String, _>("period_unit")?).ok_or_else(corrupt)?;
    let count = u32::try_from(row.try_get::<i64, _>("period_count")?).map_err(|_| corrupt())?;
    let period = Period::new(unit, count).map_err(|_| corrupt())?;
    let bytes = |v: Option<i64>| v.map(|b| u64::try_from(b).unwrap_or(0));
    let allowance = match (
        bytes(row.try_get("data_allowance")?),
        bytes(row.try_get("fair_use_cap")?),
    ) {
        (Some(bytes), _) => Allowance::Capped { bytes },
        (None, Some(cap)) => Allowance::Unlimited {
            fair_use_cap: cap,
            throttle_kbps: 0,
        },
        _ => return Err(corrupt()),
    };
    // Two renewals of one line fulfilled at once must not both stack after the same
    // last period: hold the line until this transaction ends.
    if app.db.backend() == Backend::Postgres {
        sqlx::query("SELECT iccid FROM lines WHERE iccid = $1 FOR UPDATE")
            .bind(iccid.as_str())
            .execute(&mut **tx)
            .await?;
    }
    let last_end: Option<i64> =
        sqlx::query("SELECT MAX(ends_at) AS last_end FROM line_periods WHERE iccid = $1")
            .bind(iccid.as_str())
            .fetch_one(&mut **tx)
            .await?
            .try_get("last_end")?;
    let last_end = last_end.map(crate::clock::from_millis);
    for (starts_at, ends_at) in stacking::stack(
        last_end,
        now,
        period,
        order.breakdown.periods,
        app.config.time_zone(),
    ) {
        let id = lines::insert_period(
            tx,
            &NewPeriod {
                iccid,
                plan_version_id: version_id,
                starts_at,
                ends_at,
                data_allowance: allowance.bytes(),
                fair_use_cap: match allowance {
                    Allowance::Unlimited { fair_use_cap, .. } => Some(fair_use_cap),
                    Allowance::Capped { .. } => None,
                },
                data_used: 0,
            },
            now,
        )
        .await?;
        sqlx::query("UPDATE line_periods SET order_id = $1 WHERE id = $2")
            .bind(&order.id)
            .bind(&id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Customer payment, revenue and the provider's fee, as one balanced transaction.
async fn post_ledger(tx: &mut Tx, order: &Order, provider: &str, now: DateTime<Utc>) -> Result<()> {
    let b = &order.breakdown;
    let currency = b.currency;
    let subtotal = b.total - b.fee;
    let mut postings: Vec<Posting> = Vec::new();
    if order.method == Method::Wallet {
        postings.push(ledger::wallet(&order.account_id, currency, b.total));
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
    match order.kind {
        OrderKind::WalletTopup => {
            postings.push(ledger::wallet(&order.account_id, currency, -subtotal))
        }
        _ => postings.push(ledger::house(HouseAccount::Plans, currency, -subtotal)),
    }
    postings.retain(|p| p.amount != 0);
    if postings.len() < 2 {
        return Ok(());
    }
    ledger::post(
        tx,
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
