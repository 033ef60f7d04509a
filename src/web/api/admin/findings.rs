//! The watch's findings in the operator's "needs a person" list
//! (`GET /api/v1/admin/payments/attention`, subject `finding`) and dismissed through
//! its `POST …/attention/dismiss`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::error::Result;
use crate::i18n::Locale;
use crate::money::Money;
use crate::watch::{self, Finding, Kind};

/// What the watch found, as the operator reads it.
#[derive(Serialize, ToSchema)]
pub struct FindingBody {
    pub kind: Kind,
    /// What it is about, unique per kind: an order, payment, provider event, period
    /// or a line's day (`<iccid>:<YYYY-MM-DD>`).
    pub subject: String,
    pub account_id: Option<String>,
    pub order_id: Option<String>,
    pub payment_id: Option<String>,
    pub iccid: Option<String>,
    pub amount: Option<Money>,
    /// When what was found happened.
    pub occurred_at: DateTime<Utc>,
    pub detected_at: DateTime<Utc>,
    /// In English: what happened.
    pub summary: String,
    /// What the detector saw.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    /// The support case the subscriber's dispute opened.
    pub ticket_id: Option<String>,
}

pub fn finding_body(app: &App, finding: Finding) -> FindingBody {
    let summary = watch::alert::describe(app, &finding, Locale::En).what;
    FindingBody {
        kind: finding.kind,
        subject: finding.subject,
        account_id: finding.account_id,
        order_id: finding.order_id,
        payment_id: finding.payment_id,
        iccid: finding.iccid,
        amount: finding.amount,
        occurred_at: finding.occurred_at,
        detected_at: finding.detected_at,
        summary,
        evidence: finding.evidence,
        ticket_id: finding.ticket_id,
    }
}

/// Findings not yet dismissed, newest first.
pub async fn open(app: &App) -> Result<Vec<Finding>> {
    watch::open_findings(app).await
}
