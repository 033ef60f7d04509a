//! Subscribers who already have a line on a plan, made in the store as the demo seed
//! makes its own, for the stories about what happens after checkout (auto-renew,
//! usage, saved cards).

use chrono::{DateTime, Utc};

use datacard::accounts::{self, Email, Phone};
use datacard::catalog::{self, Allowance, PlanCode};
use datacard::i18n::Locale;
use datacard::lines::{self, Iccid, LineStatus, NewPeriod};
use datacard::volume::DataVolume;

use super::{TestApp, bearer};

/// The password of every subscriber [`TestApp::subscriber_with_line`] makes.
pub const PASSWORD: &str = "harbour lights 88";

/// A story's own range of phone numbers, email addresses and ICCIDs, so that its
/// subscribers are nobody else's: subscriber `n` gets `{phone}{n:05}`,
/// `{email}{n}@example.com` and the ICCID `{iccid}{n:010}` plus its check digit.
pub struct Numbering {
    pub phone: &'static str,
    pub email: &'static str,
    pub iccid: &'static str,
}

/// How much of a new period's data is used already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Used {
    Nothing,
    /// All of it: only for a plan with a cap.
    All,
}

/// A subscriber reading English, signed in to the API, with one active line.
pub struct Subscriber {
    pub account_id: String,
    pub phone: String,
    pub email: String,
    pub token: String,
    pub iccid: String,
}

impl Subscriber {
    /// The `Authorization` header of the subscriber's API session.
    pub fn auth(&self) -> String {
        bearer(&self.token)
    }
}

impl TestApp {
    /// Seeds the demo catalog and makes subscriber `n` of `numbering`, whose one line
    /// has a first period on `plan` from `starts_at` with `used` of its data used.
    pub async fn subscriber_with_line(
        &self,
        numbering: &Numbering,
        n: u32,
        plan: &str,
        starts_at: DateTime<Utc>,
        used: Used,
    ) -> Subscriber {
        datacard::demo::seed(self).await.expect("demo catalog");
        let phone = format!("{}{n:05}", numbering.phone);
        let email = format!("{}{n}@example.com", numbering.email);
        let account = accounts::create_verified(
            self,
            Phone::parse(&phone).expect("a phone"),
            Email::parse(&email).expect("an email"),
            PASSWORD,
            Locale::En,
        )
        .await
        .expect("create the account");
        let iccid = Iccid::with_check_digit(&format!("{}{n:010}", numbering.iccid))
            .expect("an ICCID")
            .to_string();
        self.add_line(&iccid, &account.id).await;
        self.insert_period(&iccid, plan, starts_at, used).await;
        let token = self.log_in(&phone, PASSWORD).await;
        Subscriber {
            account_id: account.id,
            phone,
            email,
            token,
            iccid,
        }
    }

    /// An active line of `account_id`'s, with no period yet.
    async fn add_line(&self, iccid: &str, account_id: &str) {
        let iccid = Iccid::parse(iccid).expect("an ICCID");
        let mut tx = self.db.begin().await.expect("begin");
        lines::insert_line(
            &mut tx,
            &iccid,
            Some(account_id),
            LineStatus::Active,
            Some("1$rsp.datacard.example$DC-TEST"),
            self.now(),
        )
        .await
        .expect("insert the line");
        tx.commit().await.expect("commit");
    }

    /// Gives the line a period on `plan` from `starts_at` with nothing used, as the
    /// seed or a renewal would; returns the period's id.
    pub async fn add_period(&self, iccid: &str, plan: &str, starts_at: DateTime<Utc>) -> String {
        self.insert_period(iccid, plan, starts_at, Used::Nothing)
            .await
    }

    async fn insert_period(
        &self,
        iccid: &str,
        plan: &str,
        starts_at: DateTime<Utc>,
        used: Used,
    ) -> String {
        let plan = catalog::find(self, &PlanCode::parse(plan).expect("a plan code"))
            .await
            .expect("find the plan")
            .expect("the plan is in the catalog");
        let (allowance, fair_use_cap) = match plan.allowance {
            Allowance::Capped { bytes } => (Some(bytes), None),
            Allowance::Unlimited { fair_use_cap, .. } => (None, Some(fair_use_cap)),
        };
        let data_used = match used {
            Used::Nothing => 0,
            Used::All => allowance.expect("only a capped plan can be used up"),
        };
        let iccid = Iccid::parse(iccid).expect("an ICCID");
        let mut tx = self.db.begin().await.expect("begin");
        let id = lines::insert_period(
            &mut tx,
            &NewPeriod {
                iccid: &iccid,
                plan_version_id: &plan.version_id,
                order_id: None,
                starts_at,
                ends_at: plan.period.end_from(starts_at, self.config.time_zone()),
                data_allowance: allowance.map(DataVolume::bytes),
                fair_use_cap: fair_use_cap.map(DataVolume::bytes),
                data_used: DataVolume::bytes(data_used),
            },
            self.now(),
        )
        .await
        .expect("insert the period");
        tx.commit().await.expect("commit");
        id.into_string()
    }
}
