//! The sandbox's provider side: the books a real provider keeps about our payments,
//! and the notifications it sends about them, signed, delayed, duplicated, lost or
//! reordered as configured.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::app::App;
use crate::clock::to_millis;
use crate::error::{Code, Error, Result};
use crate::ids::new_id;
use crate::money::{Currency, Money};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BankStatus {
    Pending,
    Succeeded,
    Failed,
    Closed,
    Refunded,
}

impl BankStatus {
    fn as_str(self) -> &'static str {
        match self {
            BankStatus::Pending => "pending",
            BankStatus::Succeeded => "succeeded",
            BankStatus::Failed => "failed",
            BankStatus::Closed => "closed",
            BankStatus::Refunded => "refunded",
        }
    }

    fn parse(text: &str) -> Option<BankStatus> {
        [
            BankStatus::Pending,
            BankStatus::Succeeded,
            BankStatus::Failed,
            BankStatus::Closed,
            BankStatus::Refunded,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone)]
pub struct BankPayment {
    pub id: String,
    /// Our payment id.
    pub merchant_ref: String,
    pub amount: Money,
    pub method: String,
    pub description: String,
    pub return_url: String,
    pub status: BankStatus,
}

/// The notification body, as the sandbox sends it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created: i64,
    pub data: EventData,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventData {
    pub id: String,
    pub merchant_ref: String,
    pub status: BankStatus,
    pub amount: i64,
    pub currency: String,
}

pub const SIGNATURE_HEADER: &str = "sandbox-signature";

pub use crate::signature::{mac, sign};

/// Opens a payment; the same merchant reference twice gives the same payment
/// (the provider's idempotency).
pub async fn create(
    app: &App,
    merchant_ref: &str,
    amount: Money,
    method: &str,
    description: &str,
    return_url: &str,
) -> Result<BankPayment> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "INSERT INTO sandbox_payments (id, merchant_ref, amount, currency, method, description, return_url, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8) ON CONFLICT (merchant_ref) DO NOTHING",
    )
    .bind(new_id("sbx", now))
    .bind(merchant_ref)
    .bind(amount.amount)
    .bind(amount.currency.as_str())
    .bind(method)
    .bind(description)
    .bind(return_url)
    .bind(to_millis(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    find(app, merchant_ref)
        .await?
        .ok_or_else(|| Error::internal(anyhow::anyhow!("sandbox payment vanished")))
}

pub async fn find(app: &App, merchant_ref: &str) -> Result<Option<BankPayment>> {
    let row = sqlx::query(
        "SELECT id, merchant_ref, amount, currency, method, description, return_url, status FROM sandbox_payments WHERE merchant_ref = $1",
    )
    .bind(merchant_ref)
    .fetch_optional(app.db.reader())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let currency =
        Currency::parse(&row.try_get::<String, _>("currency")?).map_err(Error::internal)?;
    let status = BankStatus::parse(&row.try_get::<String, _>("status")?)
        .ok_or_else(|| Error::internal(anyhow::anyhow!("bad sandbox status")))?;
    Ok(Some(BankPayment {
        id: row.try_get("id")?,
        merchant_ref: row.try_get("merchant_ref")?,
        amount: Money::new(row.try_get("amount")?, currency),
        method: row.try_get("method")?,
        description: row.try_get("description")?,
        return_url: row.try_get("return_url")?,
        status,
    }))
}

/// Moves the payment from `from` to `to` and queues the notification; `false` when
/// it was not in `from` (paid twice, closed already…).
async fn transition(
    app: &App,
    merchant_ref: &str,
    from: &[BankStatus],
    to: BankStatus,
) -> Result<bool> {
    let Some(payment) = find(app, merchant_ref).await? else {
        return Err(Error::not_found(Code::PaymentNotFound));
    };
    if !from.contains(&payment.status) {
        return Ok(false);
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let updated = sqlx::query(
        "UPDATE sandbox_payments SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(to.as_str())
    .bind(to_millis(now))
    .bind(&payment.id)
    .bind(payment.status.as_str())
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    let event = Event {
        id: new_id("evt", now),
        kind: format!("payment.{}", to.as_str()),
        created: now.timestamp(),
        data: EventData {
            id: payment.id.clone(),
            merchant_ref: payment.merchant_ref.clone(),
            status: to,
            amount: payment.amount.amount,
            currency: payment.amount.currency.to_string(),
        },
    };
    queue_notification(app, &mut tx, &event, now).await?;
    tx.commit().await?;
    Ok(true)
}

async fn queue_notification(
    app: &App,
    tx: &mut crate::db::Tx,
    event: &Event,
    now: DateTime<Utc>,
) -> Result<()> {
    let settings = &app.config.payments.sandbox;
    let body = serde_json::to_string(event).map_err(Error::internal)?;
    let delay = Duration::milliseconds(settings.notify_delay_ms.max(0));
    for copy in 0..settings.notify_copies.max(1) {
        // Reordering: each copy goes later than the one before it would have, and a
        // success overtakes anything queued before it.
        let extra = if settings.reorder_notifications {
            delay * i32::try_from(settings.notify_copies - copy).unwrap_or(1)
        } else {
            Duration::milliseconds(copy)
        };
        sqlx::query(
            "INSERT INTO sandbox_notifications (id, payment_id, body, deliver_at, lost, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id("sbn", now))
        .bind(&event.data.id)
        .bind(&body)
        .bind(to_millis(now + delay + extra))
        .bind(settings.lose_notifications)
        .bind(to_millis(now))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The payer pressed "Pay" (`succeed = true`) or "Decline" on the hosted page.
pub async fn pay(app: &App, merchant_ref: &str, succeed: bool) -> Result<bool> {
    let to = if succeed {
        BankStatus::Succeeded
    } else {
        BankStatus::Failed
    };
    transition(app, merchant_ref, &[BankStatus::Pending], to).await
}

pub async fn close(app: &App, merchant_ref: &str) -> Result<bool> {
    transition(
        app,
        merchant_ref,
        &[BankStatus::Pending],
        BankStatus::Closed,
    )
    .await
}

pub async fn refund(app: &App, merchant_ref: &str) -> Result<bool> {
    transition(
        app,
        merchant_ref,
        &[BankStatus::Succeeded],
        BankStatus::Refunded,
    )
    .await
}

/// A notification ready to go: the body and its signature header.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: String,
    pub body: String,
    pub signature: String,
}

/// Notifications due now (lost ones never are), signed at `now`.
pub async fn due_notifications(app: &App) -> Result<Vec<Outgoing>> {
    let rows = sqlx::query(
        "SELECT id, body FROM sandbox_notifications WHERE delivered_at IS NULL AND lost = $1 AND deliver_at <= $2 ORDER BY deliver_at, id",
    )
    .bind(false)
    .bind(to_millis(app.now()))
    .fetch_all(app.db.reader())
    .await?;
    signed(app, &rows)
}

/// Every undelivered notification about one payment, due or not (benchmarks and
/// tests that deliver by hand).
pub async fn notifications_for(app: &App, merchant_ref: &str) -> Result<Vec<Outgoing>> {
    let rows = sqlx::query(
        "SELECT n.id, n.body FROM sandbox_notifications n JOIN sandbox_payments p ON p.id = n.payment_id \
         WHERE p.merchant_ref = $1 AND n.delivered_at IS NULL ORDER BY n.deliver_at, n.id",
    )
    .bind(merchant_ref)
    .fetch_all(app.db.reader())
    .await?;
    signed(app, &rows)
}

fn signed(app: &App, rows: &[sqlx::any::AnyRow]) -> Result<Vec<Outgoing>> {
    let secret = super::webhook_secret(app);
    let now = app.now();
    rows.iter()
        .map(|row| {
            let body: String = row.try_get("body")?;
            Ok(Outgoing {
                id: row.try_get("id")?,
                signature: sign(&secret, now.timestamp(), &body),
                body,
            })
        })
        .collect()
}

pub async fn mark_delivered(app: &App, id: &str, delivered: bool) -> Result<()> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if delivered {
        sqlx::query("UPDATE sandbox_notifications SET delivered_at = $1, attempts = attempts + 1 WHERE id = $2")
            .bind(to_millis(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    } else {
        // Retried with a growing delay, as providers do.
        let row = sqlx::query("SELECT attempts FROM sandbox_notifications WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let attempts: i64 = row.try_get("attempts")?;
        let wait = Duration::seconds(5 * 2i64.pow(u32::try_from(attempts.min(10)).unwrap_or(10)));
        sqlx::query("UPDATE sandbox_notifications SET attempts = attempts + 1, deliver_at = $1 WHERE id = $2")
            .bind(to_millis(now + wait))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Delivers what is due to `webhook_url` over HTTP; used by the server's loop.
pub async fn deliver_due(app: &App, client: &reqwest::Client, webhook_url: &str) -> Result<usize> {
    let mut delivered = 0;
    for outgoing in due_notifications(app).await? {
        let ok = client
            .post(webhook_url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, &outgoing.signature)
            .body(outgoing.body.clone())
            .send()
            .await
            .is_ok_and(|response| response.status().is_success());
        mark_delivered(app, &outgoing.id, ok).await?;
        delivered += usize::from(ok);
    }
    Ok(delivered)
}
