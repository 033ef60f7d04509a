//! Demo mode: the embedded catalog and a subscriber whose line is mid-period with
//! some data used, so that every page has something real to show.

use chrono::Duration;

use crate::accounts::{self, Email, Phone};
use crate::app::App;
use crate::catalog::{self, PlanCode};
use crate::i18n::Locale;
use crate::ledger::{self, HouseAccount};
use crate::lines::{self, Iccid, LineStatus, NewPeriod};
use crate::money::Currency;
use crate::promotions;
use crate::volume::DataVolume;

pub const DEMO_PHONE: &str = "+85291234567";
pub const DEMO_EMAIL: &str = "demo@datacard.example";
pub const DEMO_PASSWORD: &str = "demo-password-2026";
/// The demo's network API key, so usage can be posted by hand (demo mode only).
pub const DEMO_NETWORK_KEY: &str = "dck_demo_network_key_for_local_use_only";
/// The demo's well-known operator key, for trying the operator API (`/api/v1/admin/…`).
pub const DEMO_OPERATOR_KEY: &str = "dco_demo_operator_key_for_local_use_only";
const DEMO_PLAN: &str = "HK-30D-20G";
const DEMO_ICCID_BODY: &str = "898520000000000001";
const DEMO_ACTIVATION: &str = "1$rsp.datacard.example$DC-DEMO-0001";
const DEMO_WALLET_CREDIT: i64 = 5000;
/// eSIM profiles in the demo stock, for new-eSIM purchases.
const DEMO_INVENTORY: u32 = 50;

/// The demo subscriber's line.
pub fn demo_iccid() -> String {
    Iccid::with_check_digit(DEMO_ICCID_BODY)
        .map(|i| i.to_string())
        .unwrap_or_default()
}

/// The demo's staff, one per role, all with [`DEMO_STAFF_PASSWORD`] and the TOTP secret
/// [`DEMO_STAFF_TOTP`] (published: outside demo mode these logins open nothing).
pub const DEMO_STAFF: [(&str, crate::staff::Role); 4] = [
    ("admin@staff.datacard.example", crate::staff::Role::Admin),
    (
        "support@staff.datacard.example",
        crate::staff::Role::Support,
    ),
    (
        "finance@staff.datacard.example",
        crate::staff::Role::Finance,
    ),
    ("viewer@staff.datacard.example", crate::staff::Role::Viewer),
];
pub const DEMO_STAFF_PASSWORD: &str = "demo-staff-password-2026";
/// 20 bytes; base32 `MRSW233TORQWMZRNORXXI4BNONSWG4TFOQ`.
pub const DEMO_STAFF_TOTP: &[u8; 20] = b"demostaff-totp-secre";

pub struct DemoLogin {
    pub phone: &'static str,
    pub email: &'static str,
    pub password: &'static str,
}

/// Loads the demo catalog and subscriber; running it again changes nothing.
pub async fn seed(app: &App) -> anyhow::Result<DemoLogin> {
    let specs = promotions::catalog_file::parse(catalog::DEMO_CATALOG)
        .map_err(|errors| anyhow::anyhow!(errors.join("; ")))?;
    promotions::catalog_file::import(app, &specs, "demo").await?;
    crate::inventory::import_csv(app, &crate::inventory::demo_csv(DEMO_INVENTORY), "demo").await?;
    if crate::usage::keys::authenticate(app, DEMO_NETWORK_KEY)
        .await?
        .is_none()
    {
        crate::usage::keys::store(app, "demo", DEMO_NETWORK_KEY).await?;
    }
    let operator = &crate::api_keys::OPERATOR;
    if crate::api_keys::authenticate(app, operator, DEMO_OPERATOR_KEY)
        .await?
        .is_none()
    {
        crate::api_keys::store(app, operator, "demo-operator", DEMO_OPERATOR_KEY).await?;
    }

    super::support_seed::seed(app).await?;

    for (email, role) in DEMO_STAFF {
        crate::staff::seed_enrolled(
            app,
            email,
            role,
            DEMO_STAFF_PASSWORD,
            DEMO_STAFF_TOTP,
            "demo",
        )
        .await?;
    }

    let login = DemoLogin {
        phone: DEMO_PHONE,
        email: DEMO_EMAIL,
        password: DEMO_PASSWORD,
    };
    let phone = Phone::parse(DEMO_PHONE)?;
    if accounts::exists(app, &phone).await? {
        return Ok(login);
    }
    let account = accounts::create_verified(
        app,
        phone,
        Email::parse(DEMO_EMAIL)?,
        DEMO_PASSWORD,
        Locale::ZhHk,
    )
    .await?;

    let plan_code = PlanCode::parse(DEMO_PLAN)?;
    let plan = catalog::find(app, &plan_code)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo plan {DEMO_PLAN} missing from the demo catalog"))?;
    let now = app.now();
    let starts_at = now - Duration::days(10);
    let iccid = Iccid::with_check_digit(DEMO_ICCID_BODY)?;
    let currency = Currency::HKD;
    let mut tx = app.db.begin().await?;
    lines::insert_line(
        &mut tx,
        &iccid,
        Some(&account.id),
        LineStatus::Active,
        Some(DEMO_ACTIVATION),
        now,
    )
    .await?;
    let allowance = plan.allowance.bytes();
    lines::insert_period(
        &mut tx,
        &NewPeriod {
            iccid: &iccid,
            plan_version_id: &plan.version_id,
            order_id: None,
            starts_at,
            ends_at: plan.period.end_from(starts_at, app.config.time_zone()),
            data_allowance: allowance.map(DataVolume::bytes),
            fair_use_cap: None,
            // About a third used, so the bar has something to show.
            data_used: DataVolume::bytes(allowance.map_or(0, |bytes| bytes / 3)),
        },
        now,
    )
    .await?;
    ledger::post(
        &mut tx,
        now,
        "promotional_credit",
        &format!("demo:welcome:{}", account.id),
        "Demo welcome credit",
        currency,
        &[
            ledger::house(HouseAccount::Promotions, currency, DEMO_WALLET_CREDIT),
            ledger::wallet(&account.id, currency, -DEMO_WALLET_CREDIT),
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(login)
}
