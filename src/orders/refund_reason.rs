//! Why staff refund or adjust (a reason code and its free text), and where refunded
//! money goes.

use serde::{Deserialize, Serialize};

use crate::error::{Code, Error, Result};

/// Why money goes back or a wallet changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    ServiceProblem,
    Duplicate,
    Goodwill,
    CustomerRequest,
    Correction,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 6] = [
        Reason::ServiceProblem,
        Reason::Duplicate,
        Reason::Goodwill,
        Reason::CustomerRequest,
        Reason::Correction,
        Reason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::ServiceProblem => "service_problem",
            Reason::Duplicate => "duplicate",
            Reason::Goodwill => "goodwill",
            Reason::CustomerRequest => "customer_request",
            Reason::Correction => "correction",
            Reason::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == text.trim())
    }
}

/// A reason code and its free text (required for `other`, at most 500 characters).
pub fn reason_with_note(reason: &str, note: &str) -> Result<(Reason, String)> {
    let Some(reason) = Reason::parse(reason) else {
        return Err(Error::invalid(Code::InvalidRefundReason));
    };
    let note = note.trim();
    if note.chars().count() > 500 || (reason == Reason::Other && note.is_empty()) {
        return Err(Error::invalid(Code::InvalidRefundReason));
    }
    Ok((reason, note.to_owned()))
}

/// Where refunded money goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    /// Back to the payer through the payment's provider.
    #[default]
    Provider,
    /// Into the customer's wallet.
    Wallet,
}

impl Destination {
    pub fn as_str(self) -> &'static str {
        match self {
            Destination::Provider => "provider",
            Destination::Wallet => "wallet",
        }
    }
}
