//! The watch: abnormal charges and usage, caught before the subscriber finds them.
//!
//! Detectors read what each table's owner reports over a recent window and apply pure
//! rules ([`charge_rules`], [`usage_rules`]): on payments, an amount that is not the
//! order's priced total or the catalog's price, two payments for one order, a
//! provider's charge we cannot match to an order, a refund the provider made on its
//! own, one card or wallet charged too often in a short window, and a renewal
//! auto-renew refused for the subscriber's spend cap; on usage, a day far above the
//! line's own history, use after the period ended, and use while suspended.
//!
//! Each finding is kept once per (kind, subject) ([`store::record`]): however often the
//! scan runs, on however many nodes, the subscriber is told once (SMS and email in
//! their language, [`alert`]) and the operator sees it once in "needs a person" until
//! a staff member dismisses it with a reason. A subscriber can dispute a charge
//! ([`dispute`]), which opens a support case with the references attached.

pub mod alert;
pub mod charge_rules;
mod detect_charges;
mod detect_usage;
pub mod dispute;
pub mod feed;
mod scan;
mod store;
pub mod usage_rules;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::audit;
use crate::error::{Code, Error, Result};
use crate::money::Money;

pub use alert::{ALERT_JOB, send_alert};
pub use dispute::{Disputed, dispute};
pub use scan::{scan, scan_spend_caps};

/// What was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A payment or the order's price is not what the catalog and offers make it.
    WrongAmount,
    /// Two payments took money for one order.
    DoublePayment,
    /// The provider charged for a payment we cannot match to any order.
    ChargeWithoutOrder,
    /// The provider refunded a payment that neither we nor staff asked it to.
    RefundNotOurs,
    /// One card or wallet charged more than `[watch] charges_per_window` times in
    /// `charge_window_minutes`.
    ChargeBurst,
    /// Auto-renew did not charge a renewal that would pass the monthly spend cap.
    OverSpendCap,
    /// A day's use far above the line's own history.
    UsageSpike,
    /// Use that started after the line's period had ended.
    UsageAfterEnd,
    /// Use while the line was suspended.
    UsageWhileSuspended,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::WrongAmount,
        Kind::DoublePayment,
        Kind::ChargeWithoutOrder,
        Kind::RefundNotOurs,
        Kind::ChargeBurst,
        Kind::OverSpendCap,
        Kind::UsageSpike,
        Kind::UsageAfterEnd,
        Kind::UsageWhileSuspended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::WrongAmount => "wrong_amount",
            Kind::DoublePayment => "double_payment",
            Kind::ChargeWithoutOrder => "charge_without_order",
            Kind::RefundNotOurs => "refund_not_ours",
            Kind::ChargeBurst => "charge_burst",
            Kind::OverSpendCap => "over_spend_cap",
            Kind::UsageSpike => "usage_spike",
            Kind::UsageAfterEnd => "usage_after_end",
            Kind::UsageWhileSuspended => "usage_while_suspended",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// About money (else about data).
    pub fn is_charge(self) -> bool {
        !matches!(
            self,
            Kind::UsageSpike | Kind::UsageAfterEnd | Kind::UsageWhileSuspended
        )
    }
}

/// A finding as the detectors make it, before it is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFinding {
    pub kind: Kind,
    /// What it is about, unique per kind (an order, payment, event, period or line's day).
    pub subject: String,
    pub account_id: Option<String>,
    pub order_id: Option<String>,
    pub payment_id: Option<String>,
    pub iccid: Option<String>,
    pub amount: Option<Money>,
    /// When what was found happened (the charge, the day, the use).
    pub occurred_at: DateTime<Utc>,
    pub evidence: serde_json::Value,
}

/// A finding as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub id: String,
    pub kind: Kind,
    pub subject: String,
    pub account_id: Option<String>,
    pub order_id: Option<String>,
    pub payment_id: Option<String>,
    pub iccid: Option<String>,
    pub amount: Option<Money>,
    pub occurred_at: DateTime<Utc>,
    pub evidence: serde_json::Value,
    pub detected_at: DateTime<Utc>,
    pub dismissed: Option<Dismissal>,
    /// The support case a dispute opened about it.
    pub ticket_id: Option<String>,
}

impl Finding {
    /// A subscriber may dispute it: a charge of an order of theirs.
    pub fn disputable(&self) -> bool {
        self.account_id.is_some()
            && self.order_id.is_some()
            && matches!(
                self.kind,
                Kind::WrongAmount | Kind::DoublePayment | Kind::ChargeBurst | Kind::RefundNotOurs
            )
    }

    /// The last four digits of the line, for messages.
    pub fn line_tail(&self) -> Option<&str> {
        self.iccid
            .as_deref()
            .map(|iccid| &iccid[iccid.len().saturating_sub(4)..])
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dismissal {
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: String,
}

/// The account's findings, newest first (at most `limit`).
pub async fn for_account(app: &App, account_id: &str, limit: i64) -> Result<Vec<Finding>> {
    store::for_account(app, account_id, limit).await
}

/// Findings not yet dismissed, newest first: the operator's flags.
pub async fn open_findings(app: &App) -> Result<Vec<Finding>> {
    store::open(app).await
}

pub async fn find(app: &App, id: &str) -> Result<Option<Finding>> {
    store::find(app, id).await
}

/// A staff member dealt with a finding: it leaves "needs a person" (the record and
/// its evidence stay). Audited as `finding.dismiss` with the reason.
pub async fn dismiss(app: &App, id: &str, reason: &str, actor: &str) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(Error::invalid(Code::ReasonRequired).on_field("reason"));
    }
    let now = app.now();
    let mut tx = audit::begin(&app.db).await?;
    if !store::dismiss(&mut tx, id, actor, reason, now).await? {
        return Err(Error::not_found(Code::NotFound));
    }
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        actor,
        "finding.dismiss",
        id,
        reason,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
