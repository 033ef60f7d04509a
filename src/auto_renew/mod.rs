//! Auto-renew, opt-in per line. With the wallet, the next period is bought ahead of
//! expiry (`hours_before`, 24 h by default) or when the data runs out, whichever the
//! subscriber chose; a wallet that is short is retried on a schedule (dunning) with a
//! one-tap renewal link each time, never after the period has ended. A saved card
//! (see [`crate::payments::saved_cards`]) is charged off-session at the same moments,
//! and a decline or a bank that wants the payer is dunned the same way. Alipay and
//! WeChat Pay cannot charge off-session: for them auto-renew is a reminder with the
//! pre-filled checkout at the same moments.
//!
//! Exactly once per period: the scan records `(period_id, 'auto_renew')` in `alerts`
//! before it queues the attempt, so scanning again (or on another node) does nothing.

pub mod cap;
mod card;
mod notify;
mod scan;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::error::{Code, Error, Result};
use crate::lines::Iccid;
use crate::money::Money;
use crate::orders::{self, OrderKind, OrderRequest};
use crate::payments::Method;

pub use card::auto_renewals;
pub use card::cards_of_orders;
pub use notify::{NOTIFY_JOB, send_notification};
pub use scan::{ATTEMPT_JOB, DUNNING_OFFSETS, attempt, scan};

/// The methods auto-renew offers, in the order the settings page lists them.
pub const RENEW_METHODS: [Method; 4] = [
    Method::Wallet,
    Method::Card,
    Method::Alipay,
    Method::WechatPay,
];

/// Whether we can take the money without the subscriber (the wallet, a saved card).
pub fn off_session(method: Method) -> bool {
    matches!(method, Method::Wallet | Method::Card)
}

/// How a renewal by `method` is paid (Alipay and WeChat Pay only remind: their
/// reminder's checkout lets the subscriber choose).
pub fn order_method(method: Method) -> Method {
    match method {
        Method::Card => Method::Card,
        _ => Method::Wallet,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    BeforeExpiry,
    OnExhaustion,
}

impl Trigger {
    pub const ALL: [Trigger; 2] = [Trigger::BeforeExpiry, Trigger::OnExhaustion];

    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::BeforeExpiry => "before_expiry",
            Trigger::OnExhaustion => "on_exhaustion",
        }
    }

    pub fn parse(text: &str) -> Option<Trigger> {
        Trigger::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// Hours before the end a `before_expiry` renewal may be set to.
pub const HOURS_BEFORE: std::ops::RangeInclusive<i64> = 1..=168;
/// Periods one automatic renewal may buy.
pub const PERIODS: std::ops::RangeInclusive<i64> = 1..=36;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub iccid: String,
    pub enabled: bool,
    pub method: Method,
    pub trigger: Trigger,
    pub hours_before: i64,
    /// `None`: the plan the line is on.
    pub plan_code: Option<String>,
    pub periods: i64,
    /// Reminders by SMS too (email always).
    pub sms: bool,
    pub updated_at: DateTime<Utc>,
}

impl Settings {
    pub fn off(iccid: &str, now: DateTime<Utc>) -> Settings {
        Settings {
            iccid: iccid.to_owned(),
            enabled: false,
            method: Method::Wallet,
            trigger: Trigger::BeforeExpiry,
            hours_before: 24,
            plan_code: None,
            periods: 1,
            sms: true,
            updated_at: now,
        }
    }
}

fn settings_of(row: &sqlx::any::AnyRow) -> Result<Settings> {
    let method: String = row.try_get("method")?;
    let trigger: String = row.try_get("trigger")?;
    let bad = |what: &str| Error::internal(anyhow::anyhow!("auto_renew has unknown {what}"));
    Ok(Settings {
        iccid: row.try_get("iccid")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        method: Method::parse(&method).ok_or_else(|| bad("method"))?,
        trigger: Trigger::parse(&trigger).ok_or_else(|| bad("trigger"))?,
        hours_before: row.try_get("hours_before")?,
        plan_code: row.try_get("plan_code")?,
        periods: row.try_get("periods")?,
        sms: row.try_get::<i64, _>("sms")? != 0,
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

const COLUMNS: &str =
    "iccid, enabled, method, \"trigger\", hours_before, plan_code, periods, sms, updated_at";

/// The line's settings (off when never set).
pub async fn settings(app: &App, iccid: &str) -> Result<Settings> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM auto_renew WHERE iccid = $1"
    ))
    .bind(iccid)
    .fetch_optional(app.db.reader())
    .await?;
    match row {
        Some(row) => settings_of(&row),
        None => Ok(Settings::off(iccid, app.now())),
    }
}

/// Every line's settings with auto-renew on.
pub async fn enabled(app: &App) -> Result<Vec<Settings>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM auto_renew WHERE enabled = 1 ORDER BY iccid"
    ))
    .fetch_all(app.db.reader())
    .await?;
    rows.iter().map(settings_of).collect()
}

/// Who owns the line, if anyone.
pub async fn owner_of(app: &App, iccid: &str) -> Result<Option<String>> {
    let Ok(iccid) = Iccid::parse(iccid) else {
        return Ok(None);
    };
    Ok(crate::lines::owner_of(app, &iccid)
        .await?
        .flatten()
        .map(crate::ids::AccountId::into_string))
}

/// What the subscriber asks for; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub enabled: bool,
    pub method: Option<Method>,
    pub trigger: Option<Trigger>,
    pub hours_before: Option<i64>,
    pub plan_code: Option<String>,
    pub periods: Option<i64>,
    pub sms: Option<bool>,
}

/// Changes the settings of a line the account owns (`line_not_found` otherwise).
pub async fn update(app: &App, account_id: &str, iccid: &str, change: &Change) -> Result<Settings> {
    let iccid = Iccid::parse(iccid).map_err(|_| Error::not_found(Code::LineNotFound))?;
    let iccid = iccid.as_str();
    if owner_of(app, iccid).await?.as_deref() != Some(account_id) {
        return Err(Error::not_found(Code::LineNotFound));
    }
    let mut next = settings(app, iccid).await?;
    next.enabled = change.enabled;
    if let Some(method) = change.method {
        next.method = method;
    }
    if let Some(trigger) = change.trigger {
        next.trigger = trigger;
    }
    if let Some(hours) = change.hours_before {
        if !HOURS_BEFORE.contains(&hours) {
            return Err(Error::invalid(Code::InvalidHoursBefore).on_field("hours_before"));
        }
        next.hours_before = hours;
    }
    if let Some(periods) = change.periods {
        if !PERIODS.contains(&periods) {
            return Err(Error::invalid(Code::InvalidPeriods).on_field("periods"));
        }
        next.periods = periods;
    }
    if let Some(plan) = change.plan_code.as_deref().map(str::trim) {
        if plan.is_empty() {
            next.plan_code = None;
        } else {
            let code = crate::catalog::PlanCode::parse(plan)?;
            if crate::catalog::find(app, &code).await?.is_none() {
                return Err(Error::invalid(Code::InvalidPlanCode).on_field("plan_code"));
            }
            next.plan_code = Some(code.to_string());
        }
    }
    if let Some(sms) = change.sms {
        next.sms = sms;
    }
    if next.enabled && next.method == Method::Card {
        card::check_usable(app, account_id).await?;
    }
    next.updated_at = app.now();
    let mut tx = app.db.begin().await?;
    sqlx::query(&format!(
        "INSERT INTO auto_renew ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (iccid) DO UPDATE SET enabled = EXCLUDED.enabled, method = EXCLUDED.method, \
         \"trigger\" = EXCLUDED.\"trigger\", hours_before = EXCLUDED.hours_before, plan_code = EXCLUDED.plan_code, \
         periods = EXCLUDED.periods, sms = EXCLUDED.sms, updated_at = EXCLUDED.updated_at"
    ))
    .bind(&next.iccid)
    .bind(i64::from(next.enabled))
    .bind(next.method.as_str())
    .bind(next.trigger.as_str())
    .bind(next.hours_before)
    .bind(next.plan_code.as_deref())
    .bind(next.periods)
    .bind(i64::from(next.sms))
    .bind(to_millis(next.updated_at))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(next)
}

/// The renewal order auto-renew would place for the line.
pub fn request_for(settings: &Settings, plan_code: &str) -> OrderRequest {
    OrderRequest {
        kind: OrderKind::Renewal,
        iccid: Some(settings.iccid.clone()),
        plan_code: Some(
            settings
                .plan_code
                .clone()
                .unwrap_or_else(|| plan_code.to_owned()),
        ),
        periods: u32::try_from(settings.periods).unwrap_or(1),
        payment_method: order_method(settings.method),
        amount: None,
        coupon: None,
    }
}

/// When and for how much the next automatic renewal would happen, as the portal
/// and the API show it: `at` is `None` for `on_exhaustion` (it depends on use).
#[derive(Debug, Clone)]
pub struct NextCharge {
    pub at: Option<DateTime<Utc>>,
    pub amount: Option<Money>,
    pub plan_code: String,
}

/// The next charge of an enabled line, from its last period (current or queued).
pub async fn next_charge(
    app: &App,
    account_id: &str,
    settings: &Settings,
    last_period: Option<(&str, DateTime<Utc>)>,
) -> Option<NextCharge> {
    if !settings.enabled {
        return None;
    }
    let (plan, ends_at) = last_period?;
    let request = request_for(settings, plan);
    let amount = orders::quote(app, account_id, &request)
        .await
        .ok()
        .map(|q| q.total());
    let at = (settings.trigger == Trigger::BeforeExpiry)
        .then(|| ends_at - Duration::hours(settings.hours_before));
    Some(NextCharge {
        at,
        amount,
        plan_code: request.plan_code.unwrap_or_default(),
    })
}

/// [`next_charge`] for a line as [`crate::lines::for_account`] shows it: the charge
/// comes before the end of its last period, current or queued.
pub async fn next_charge_of_line(
    app: &App,
    account_id: &str,
    settings: &Settings,
    line: &crate::lines::Line,
) -> Option<NextCharge> {
    let last = line.queued.last().or(line.current.as_ref())?;
    next_charge(
        app,
        account_id,
        settings,
        Some((last.plan_code.as_str(), last.ends_at)),
    )
    .await
}
