//! `GET /api/v1/me`: the account, its wallet and its lines.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::error::Result;
use crate::i18n::Locale;
use crate::ledger;
use crate::lines::{self, Line, LinePeriod, LineStatus};
use crate::money::Money;
use crate::volume::DataVolume;
use crate::web::api::refusals::{SIGNED_IN, refusals};
use crate::web::extract::SignedIn;

#[derive(Serialize, ToSchema)]
pub struct MeBody {
    pub id: String,
    pub phone: String,
    pub email: String,
    /// Whether the email has been proven by its link; until then it is no login.
    pub email_verified: bool,
    pub language: Locale,
    pub wallet: WalletBody,
    pub lines: Vec<LineBody>,
}

#[derive(Serialize, ToSchema)]
pub struct WalletBody {
    pub balance: Money,
}

#[derive(Serialize, ToSchema)]
pub struct LineBody {
    pub iccid: String,
    pub status: LineStatus,
    /// `LPA:1$<SM-DP+ address>$<matching id>`, for the QR code.
    pub activation_code: Option<String>,
    /// Sold to start at install (`[lines] validity_start = "at_install"`) and not used
    /// yet: its periods (queued, their dates provisional) start at the first use, at the
    /// latest then. `null` otherwise.
    pub starts_at_install_by: Option<DateTime<Utc>>,
    /// How to install the eSIM; `null` for a line without an activation code.
    pub install: Option<InstallBody>,
    pub current_period: Option<PeriodBody>,
    pub queued_periods: Vec<PeriodBody>,
}

#[derive(Serialize, ToSchema)]
pub struct InstallBody {
    /// Typed in by hand with `matching_id`.
    pub smdp_address: String,
    pub matching_id: String,
    /// `LPA:1$<SM-DP+ address>$<matching id>`: what the QR code carries.
    pub activation_code: String,
    /// `https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=<activation code, percent-encoded>` (iOS 17.4+).
    pub ios_url: String,
    /// The same on `esimsetup.android.com` (used by resellers; not documented by Google).
    pub android_url: String,
    /// `released` (ready to download, no use seen yet) or `installed` (the network has
    /// seen the line in use). We do not hear the SM-DP+'s download notifications.
    pub profile_state: &'static str,
}

impl InstallBody {
    fn of(line: &Line) -> Option<InstallBody> {
        let code = lines::ActivationCode::parse(line.activation_code.as_deref()?)?;
        Some(InstallBody {
            smdp_address: code.smdp_address().to_owned(),
            matching_id: code.matching_id().to_owned(),
            activation_code: code.lpa(),
            ios_url: code.apple_link(),
            android_url: code.android_link(),
            profile_state: if line.status == LineStatus::PendingInstall {
                "released"
            } else {
                "installed"
            },
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct PeriodBody {
    pub plan_code: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Bytes; `null` for unlimited plans.
    pub data_allowance: Option<u64>,
    pub data_used: u64,
    /// Bytes; `null` for unlimited plans, `0` at exhaustion, never negative.
    pub data_remaining: Option<u64>,
}

impl From<&LinePeriod> for PeriodBody {
    fn from(period: &LinePeriod) -> Self {
        Self {
            plan_code: period.plan_code.clone(),
            starts_at: period.starts_at,
            ends_at: period.ends_at,
            data_allowance: period.data_allowance.map(DataVolume::as_bytes),
            data_used: period.data_used.as_bytes(),
            data_remaining: period.data_remaining().map(DataVolume::as_bytes),
        }
    }
}

impl From<&Line> for LineBody {
    fn from(line: &Line) -> Self {
        Self {
            iccid: line.iccid.to_string(),
            status: line.status,
            activation_code: line
                .activation_code
                .as_ref()
                .map(|code| format!("LPA:{code}")),
            starts_at_install_by: line.opens_by,
            install: InstallBody::of(line),
            current_period: line.current.as_ref().map(PeriodBody::from),
            queued_periods: line.queued.iter().map(PeriodBody::from).collect(),
        }
    }
}

refusals!(MeRefusals = [SIGNED_IN]);

/// The signed-in subscriber with wallet balance and lines.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = MeBody), MeRefusals))]
pub async fn me(State(app): State<App>, signed_in: SignedIn) -> Result<Json<MeBody>> {
    let account = signed_in.account;
    let balance = ledger::wallet_balance(&app, &account.id, app.config.locale.currency).await?;
    let lines = lines::for_account(&app, &account.id).await?;
    Ok(Json(MeBody {
        id: account.id,
        phone: account.phone.to_string(),
        email: account.email.to_string(),
        email_verified: account.email_verified,
        language: account.locale,
        wallet: WalletBody { balance },
        lines: lines.iter().map(LineBody::from).collect(),
    }))
}
